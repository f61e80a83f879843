"""Spot-check pages: the checks list, starting a check at a point, the check page on the
tablet (answers saved one at a time by static/js/inspections.js, or all at once by the plain
form), photo evidence, completion, the summary, and the checklist versions."""

from __future__ import annotations

import re

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.capture.storage import document_store
from app.errors import DomainError, ValidationError
from app.inspections import selectors, services
from app.web.forms import read_form
from app.web.i18n import N_
from app.web.ids import row_id

CHECKS = "/giam-sat/kiem-tra"
TEMPLATES = "/giam-sat/mau-kiem-tra"
READERS = [requires_role(Role.point_manager.value, Role.supervisor.value, Role.admin.value)]
CENTRE = [requires_role(Role.supervisor.value, Role.admin.value)]
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
PHOTO_BODY_MAX = 20 * 1024 * 1024
NOTICES = ("luu", "xong", "ap-dung", "moi")


def _user(request: Request):
    return request.scope["user"]


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _store(request: Request):
    return document_store(request.app.state.settings)


def _wants_fragment(request: Request) -> bool:
    """The page's script (X-Autosave) and HTMX get fragments; a plain form gets pages."""
    return request.headers.get("x-autosave") == "1" or request.headers.get("hx-request") == "true"


def _notice(request: Request) -> str:
    value = request.query_params.get("da", "")
    return value if value in NOTICES else ""


# ---------------------------------------------------------------------------
# Lists


@get(CHECKS, guards=READERS)
async def checks_list(request: Request) -> Response:
    user = _user(request)
    point_id = row_id(request.query_params.get("diem", ""))
    status = request.query_params.get("trang_thai", "")
    status = status if status in selectors.STATUSES else ""
    return Template(
        template_name="inspections/list.html",
        context={
            "checks": await selectors.checks_visible_to(user, point_id=point_id, status=status),
            "actions": await selectors.open_actions(user, point_id=point_id),
            "points": await selectors.points_for_filter(user),
            "point_id": point_id,
            "status": status,
        },
    )


async def _start_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    return Template(
        template_name="inspections/start.html",
        context={"points": await selectors.points_to_check(_user(request)), "error": error},
        status_code=status,
    )


@get(CHECKS + "/moi", guards=CENTRE)
async def start_page(request: Request) -> Response:
    return await _start_page(request)


@post(CHECKS + "/moi", guards=CENTRE)
async def check_start(request: Request) -> Response:
    form = await read_form(request)
    point_id = row_id(form.get("point", ""))
    if point_id is None:
        return await _start_page(request, error=N_("Choose the point to check."), status=422)
    try:
        check_id, _ = await services.check_start(
            user=_user(request),
            point_id=point_id,
            latitude=form.get("latitude", ""),
            longitude=form.get("longitude", ""),
            accuracy=form.get("accuracy", ""),
        )
    except DomainError as exc:
        return await _start_page(request, error=exc.message, status=exc.status_code)
    return Redirect(path=f"{CHECKS}/{check_id}", status_code=303)


# ---------------------------------------------------------------------------
# The check page


async def _check_page(
    request: Request,
    check_id: int,
    *,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    check = await selectors.check_view(_user(request), check_id)
    template = "inspections/check.html" if check["editable"] else "inspections/summary.html"
    return Template(
        template_name=template,
        context={
            "check": check,
            "errors": errors or {},
            "message": message,
            "notice": _notice(request),
        },
        status_code=status,
        headers=NO_STORE,
    )


@get(CHECKS + "/{check_id:int}", guards=READERS)
async def check_page(request: Request, check_id: FromPath[int]) -> Response:
    return await _check_page(request, check_id)


def _item_fields(form: dict[str, str], prefix: str = "", suffix: str = "") -> services.AnswerInput:
    def field(name: str) -> str:
        return form.get(f"{prefix}{name}{suffix}", "")

    return services.AnswerInput(
        result=field("result"),
        note=field("note"),
        revision=field("revision"),
        action=field("action"),
        due=field("due"),
    )


async def _item_fragment(
    request: Request, check_id: int, item_id: int, *, error: str = "", status: int = 200
) -> Response:
    check, item = await selectors.item_view(_user(request), check_id, item_id)
    return Template(
        template_name="inspections/partials/_item.html",
        context={"check": check, "item": item, "errors": {}, "item_error": error},
        status_code=status,
        headers={
            **NO_STORE,
            "X-Revision": str(item["revision"]),
            "X-Check-Version": str(check["version"]),
        },
    )


def _message_fragment(exc: DomainError) -> Template:
    return Template(
        template_name="inspections/partials/_error.html",
        context={"errors": _messages(exc), "params": exc.params},
        status_code=exc.status_code,
        headers=NO_STORE,
    )


def _messages(exc: DomainError) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(dict.fromkeys(exc.errors.values()))
    return [exc.message]


@post(CHECKS + "/{check_id:int}/muc/{item_id:int}", guards=CENTRE)
async def answer_save(
    request: Request, check_id: FromPath[int], item_id: FromPath[int]
) -> Response:
    form = await read_form(request)
    try:
        saved = await services.answer_save(
            user=_user(request), check_id=check_id, item_id=item_id, value=_item_fields(form)
        )
    except services.StaleSave as exc:
        if not _wants_fragment(request):
            return await _check_page(request, check_id, message=exc.message, status=409)
        return await _item_fragment(request, check_id, item_id, error=exc.message, status=409)
    except DomainError as exc:
        if not _wants_fragment(request):
            if isinstance(exc, ValidationError):
                errors = {f"item-{item_id}": next(iter(exc.errors.values()))}
                return await _check_page(request, check_id, errors=errors, status=422)
            raise
        return _message_fragment(exc)
    if not _wants_fragment(request):
        return Redirect(path=f"{CHECKS}/{check_id}?da=luu#item-{item_id}", status_code=303)
    return Template(
        template_name="inspections/partials/_saved.html",
        context={"answer": saved.answer},
        headers={
            **NO_STORE,
            "X-Revision": str(saved.answer["revision"]),
            "X-Check-Version": str(saved.check_version),
        },
    )


_ITEM_KEY = re.compile(r"^result-([0-9]{1,10})$")


@post(CHECKS + "/{check_id:int}/luu", guards=CENTRE)
async def check_save_all(request: Request, check_id: FromPath[int]) -> Response:
    """The plain form (no script): every item's fields at once; each is saved like an
    autosave (unchanged items write nothing), and the refused ones are shown."""
    form = await read_form(request)
    user = _user(request)
    check = await services.changeable_check(user, check_id)
    items = {a["item"] for a in await services.answers_with_items(check["id"])}
    errors: dict[str, str] = {}
    for key in form:
        match = _ITEM_KEY.match(key)
        item_id = row_id(match.group(1)) if match else None
        if item_id is None or item_id not in items:
            continue
        try:
            await services.answer_save(
                user=user,
                check_id=check_id,
                item_id=item_id,
                value=_item_fields(form, suffix=f"-{item_id}"),
            )
        except (ValidationError, services.StaleSave) as exc:
            errors[f"item-{item_id}"] = _messages(exc)[0]
    if errors:
        return await _check_page(request, check_id, errors=errors, status=422)
    return Redirect(path=f"{CHECKS}/{check_id}?da=luu", status_code=303)


# ---------------------------------------------------------------------------
# Photos


async def _photos_fragment(request: Request, check_id: int, item_id: int, status: int = 200):
    check, item = await selectors.item_view(_user(request), check_id, item_id)
    return Template(
        template_name="inspections/partials/_photos.html",
        context={"check": check, "item": item},
        status_code=status,
        headers={**NO_STORE, "X-Check-Version": str(check["version"])},
    )


@post(
    CHECKS + "/{check_id:int}/muc/{item_id:int}/anh",
    guards=CENTRE,
    request_max_body_size=PHOTO_BODY_MAX,
)
async def photo_upload(
    request: Request, check_id: FromPath[int], item_id: FromPath[int]
) -> Response:
    form = await request.form()
    files = [f for f in form.getall("file", []) if isinstance(f, UploadFile) and f.filename]
    try:
        if not files:
            raise ValidationError({"file": N_("Choose or take a photo first.")})
        data = await files[0].read()
        result = await services.photo_upload(
            user=_user(request),
            check_id=check_id,
            item_id=item_id,
            uid=form.get("photo_id", ""),
            data=data,
            store=_store(request),
            settings=request.app.state.settings,
        )
    except DomainError as exc:
        if _wants_fragment(request):
            return _message_fragment(exc)
        if isinstance(exc, ValidationError) or exc.status_code == 400:
            errors = {f"item-{item_id}": _messages(exc)[0]}
            return await _check_page(request, check_id, errors=errors, status=422)
        raise
    if not _wants_fragment(request):
        return Redirect(path=f"{CHECKS}/{check_id}#item-{item_id}", status_code=303)
    response = await _photos_fragment(
        request, check_id, item_id, status=201 if result.created else 200
    )
    response.headers["X-Photo-Status"] = "created" if result.created else "replayed"
    return response


@post(CHECKS + "/{check_id:int}/anh/{photo_uid:str}/xoa", guards=CENTRE)
async def photo_delete(
    request: Request, check_id: FromPath[int], photo_uid: FromPath[str]
) -> Response:
    photo = await services.photo_delete(
        user=_user(request), check_id=check_id, uid=photo_uid, store=_store(request)
    )
    if _wants_fragment(request):
        return await _photos_fragment(request, check_id, photo["item_id"])
    return Redirect(path=f"{CHECKS}/{check_id}#item-{photo['item_id']}", status_code=303)


async def _image(request: Request, check_id: int, uid: str, *, thumbnail: bool) -> Response:
    data = await services.photo_image(
        user=_user(request),
        check_id=check_id,
        uid=uid,
        thumbnail=thumbnail,
        store=_store(request),
        ip=_ip(request),
    )
    return Response(content=data, media_type="image/jpeg", headers=NO_STORE)


@get(CHECKS + "/{check_id:int}/anh/{photo_uid:str}/anh.jpg", guards=READERS)
async def photo_image(
    request: Request, check_id: FromPath[int], photo_uid: FromPath[str]
) -> Response:
    return await _image(request, check_id, photo_uid, thumbnail=False)


@get(CHECKS + "/{check_id:int}/anh/{photo_uid:str}/anh-nho.jpg", guards=READERS)
async def photo_thumbnail(
    request: Request, check_id: FromPath[int], photo_uid: FromPath[str]
) -> Response:
    return await _image(request, check_id, photo_uid, thumbnail=True)


# ---------------------------------------------------------------------------
# Completing


@post(CHECKS + "/{check_id:int}/hoan-thanh", guards=CENTRE)
async def check_complete(request: Request, check_id: FromPath[int]) -> Response:
    form = await read_form(request)
    try:
        await services.check_complete(
            user=_user(request), check_id=check_id, version=form.get("version", ""), ip=_ip(request)
        )
    except ValidationError as exc:
        return await _check_page(request, check_id, errors=exc.errors, status=422)
    except services.CheckConflict as exc:
        if exc.message == services.MSG_CLOSED:
            raise
        return await _check_page(request, check_id, message=exc.message, status=409)
    return Redirect(path=f"{CHECKS}/{check_id}?da=xong", status_code=303)


# ---------------------------------------------------------------------------
# Checklist versions


@get(TEMPLATES, guards=CENTRE)
async def templates_page(request: Request) -> Response:
    return Template(
        template_name="inspections/templates.html",
        context={"versions": await selectors.templates_list(), "notice": _notice(request)},
    )


@post(TEMPLATES + "/moi", guards=CENTRE)
async def template_new(request: Request) -> Response:
    template_id = await services.template_new_version(user=_user(request))
    return Redirect(path=f"{TEMPLATES}/{template_id}?da=moi", status_code=303)


async def _template_page(
    request: Request,
    template_id: int,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Response:
    template = await selectors.template_view(template_id)
    if values:
        rows = [
            {
                "key": str(i),
                "code": r.code,
                "label": r.label,
                "weight": r.weight,
                "photo_required": r.photo_required,
                "position": r.position,
            }
            for i, r in enumerate(values["rows"])
        ]
        # The submitted rows are shown renumbered: their errors follow them.
        keys = {r.key: str(i) for i, r in enumerate(values["rows"])}
        errors = {_renumber(k, keys): v for k, v in (errors or {}).items()}
    else:
        rows = [{**item, "key": str(i)} for i, item in enumerate(template["items"])]
    return Template(
        template_name="inspections/template.html",
        context={
            "t": template,
            "rows": rows,
            "values": values,
            "errors": errors or {},
            "notice": _notice(request),
            "editable": not template["used"],
        },
        status_code=status,
    )


def _renumber(key: str, keys: dict[str, str]) -> str:
    field, _, row = key.partition("-")
    return f"{field}-{keys[row]}" if row in keys else key


@get(TEMPLATES + "/{template_id:int}", guards=CENTRE)
async def template_page(request: Request, template_id: FromPath[int]) -> Response:
    return await _template_page(request, template_id)


_ROW_KEY = re.compile(r"^label-([0-9]{1,2}|new)$")


def template_rows(form: dict[str, str]) -> list[services.ItemInput]:
    """The item rows of the editor, in form order: kept rows, then the new row if filled."""
    rows = []
    keys = [m.group(1) for m in (_ROW_KEY.match(k) for k in form) if m]
    keys.sort(key=lambda k: (k == "new", int(k) if k.isdigit() else 0))
    for key in keys:
        if form.get(f"remove-{key}") or (key == "new" and not form.get("label-new", "").strip()):
            continue
        rows.append(
            services.ItemInput(
                key=key,
                code=form.get(f"code-{key}", "") if key != "new" else "",
                label=form.get(f"label-{key}", ""),
                weight=form.get(f"weight-{key}", "1"),
                photo_required=bool(form.get(f"photo-{key}")),
                position=form.get(f"position-{key}", ""),
            )
        )
    return rows


@post(TEMPLATES + "/{template_id:int}", guards=CENTRE)
async def template_save(request: Request, template_id: FromPath[int]) -> Response:
    form = await read_form(request)
    rows = template_rows(form)
    try:
        await services.template_update(
            user=_user(request), template_id=template_id, name=form.get("name", ""), rows=rows
        )
    except ValidationError as exc:
        values = {"name": form.get("name", "")[:300], "rows": rows}
        return await _template_page(
            request, template_id, values=values, errors=exc.errors, status=422
        )
    return Redirect(path=f"{TEMPLATES}/{template_id}?da=luu", status_code=303)


@post(TEMPLATES + "/{template_id:int}/ap-dung", guards=CENTRE)
async def template_activate(request: Request, template_id: FromPath[int]) -> Response:
    await services.template_activate(user=_user(request), template_id=template_id)
    return Redirect(path=f"{TEMPLATES}?da=ap-dung", status_code=303)


ROUTES: list = [
    checks_list,
    start_page,
    check_start,
    check_page,
    answer_save,
    check_save_all,
    photo_upload,
    photo_delete,
    photo_image,
    photo_thumbnail,
    check_complete,
    templates_page,
    template_new,
    template_page,
    template_save,
    template_activate,
]
