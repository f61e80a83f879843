"""The Centre's training pages: courses, their sessions, and attendance per point."""

from __future__ import annotations

import re

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.errors import NotFoundError, ValidationError
from app.points.selectors import MSG_NO_POINT
from app.training import selectors, services
from app.web.forms import read_form
from app.web.ids import row_id

CENTRE = [requires_role(Role.supervisor.value, Role.admin.value)]
HOME = "/giam-sat/dao-tao"
MAX_FIELD = 6000
_OUTCOME_KEY = re.compile(r"r-([0-9]{1,10})")


def _user(request: Request):
    return request.scope["user"]


async def _home(*, values=None, errors=None, status_code=200, notice="") -> Response:
    return Template(
        template_name="training/home.html",
        context={
            "courses": await selectors.courses(),
            "values": values or {"topic": "", "description": ""},
            "errors": errors or {},
            "notice": notice,
        },
        status_code=status_code,
    )


@get(HOME, guards=CENTRE)
async def training_home(request: Request) -> Response:
    notice = request.query_params.get("xong", "")
    return await _home(notice=notice if notice == "course" else "")


@post(HOME, guards=CENTRE)
async def course_create(request: Request) -> Response:
    form = await read_form(request)
    values = {k: form.get(k, "")[:MAX_FIELD] for k in ("topic", "description")}
    try:
        course_id = await services.course_create(values=values, actor=_user(request))
    except ValidationError as exc:
        return await _home(values=values, errors=exc.errors, status_code=422)
    return Redirect(path=f"{HOME}/khoa-hoc/{course_id}", status_code=303)


async def _course(course_id: int, *, values=None, errors=None, status_code=200) -> Response:
    return Template(
        template_name="training/course.html",
        context={
            "course": await selectors.course(course_id),
            "values": values or {"day": "", "trainer": "", "place": ""},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@get(f"{HOME}/khoa-hoc/{{course_id:int}}", guards=CENTRE)
async def course_page(course_id: FromPath[int]) -> Response:
    return await _course(course_id)


@post(f"{HOME}/khoa-hoc/{{course_id:int}}", guards=CENTRE)
async def session_create(request: Request, course_id: FromPath[int]) -> Response:
    await selectors.course(course_id)
    form = await read_form(request)
    values = {k: form.get(k, "")[:MAX_FIELD] for k in ("day", "trainer", "place")}
    try:
        session_id = await services.session_create(
            course_id=course_id, values=values, actor=_user(request)
        )
    except ValidationError as exc:
        return await _course(course_id, values=values, errors=exc.errors, status_code=422)
    return Redirect(path=f"{HOME}/buoi/{session_id}", status_code=303)


async def _session(
    session_id: int,
    point_id: int | None,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    status_code: int = 200,
    saved: bool = False,
) -> Response:
    session = await selectors.session(session_id)
    points = await selectors.point_choices()
    if point_id is not None and point_id not in {p["id"] for p in points}:
        point_id = None
    roster = await selectors.roster(session_id, point_id) if point_id is not None else []
    context = {
        "s": session,
        "attendance": await selectors.session_attendance(session_id),
        "points": points,
        "point_id": point_id,
        "roster": roster,
        "values": values,
        "errors": errors or {},
        "saved": saved,
    }
    return Template(template_name="training/session.html", context=context, status_code=status_code)


@get(f"{HOME}/buoi/{{training_session_id:int}}", guards=CENTRE)
async def session_page(request: Request, training_session_id: FromPath[int]) -> Response:
    point_id = row_id(request.query_params.get("diem", ""))
    saved = request.query_params.get("xong") == "luu"
    return await _session(training_session_id, point_id, saved=saved)


@post(f"{HOME}/buoi/{{training_session_id:int}}", guards=CENTRE)
async def attendance_save(request: Request, training_session_id: FromPath[int]) -> Response:
    await selectors.session(training_session_id)
    form = await read_form(request)
    point_id = row_id(form.get("diem", ""))
    if point_id is None or point_id not in {p["id"] for p in await selectors.point_choices()}:
        raise NotFoundError(MSG_NO_POINT)
    rows = []
    for key in form:
        match = _OUTCOME_KEY.fullmatch(key)
        if match and row_id(match.group(1)) is not None:
            staff = match.group(1)
            rows.append(
                {
                    "staff": staff,
                    "outcome": form[key][:40],
                    "note": form.get(f"n-{staff}", "")[:MAX_FIELD],
                }
            )
    try:
        await services.attendance_record(
            session_id=training_session_id, point_id=point_id, rows=rows, actor=_user(request)
        )
    except ValidationError as exc:
        values = {r["staff"]: r for r in rows}
        return await _session(
            training_session_id, point_id, values=values, errors=exc.errors, status_code=422
        )
    return Redirect(
        path=f"{HOME}/buoi/{training_session_id}?diem={point_id}&xong=luu", status_code=303
    )


ROUTES = [
    training_home,
    course_create,
    course_page,
    session_create,
    session_page,
    attendance_save,
]
