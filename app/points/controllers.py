"""Pages about organisations and agent points: the Centre's home, the point registry (list,
detail, propose, edit, review, lifecycle), organisations, and the public point finder."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import CENTRE_ROLES, requires_role
from app.accounts.tables import Role
from app.dossiers.selectors import overdue_counts_by_point, today_local
from app.errors import ValidationError
from app.points import finder, selectors, services
from app.web.forms import read_form
from app.web.ids import row_id

MANAGERS_AND_CENTRE = [
    requires_role(Role.point_manager.value, Role.supervisor.value, Role.admin.value)
]
CENTRE = [requires_role(Role.supervisor.value, Role.admin.value)]
REGISTRY = "/giam-sat/diem"
ORGANISATIONS = "/giam-sat/to-chuc"
POINT_FIELDS = (
    "code", "name", "organisation", "district_code", "commune_code", "address",
    "latitude", "longitude", "opening_hours", "phone", "phase",
)  # fmt: skip
ORGANISATION_FIELDS = (
    "name", "kind", "tax_code", "contact_name", "contact_phone", "contact_email",
    "address", "licence_number", "licence_date",
)  # fmt: skip
NOTICES = {"proposed", "saved", "reviewed", "moved"}
MAX_FIELD = 6000  # longer than any field allows: the message says so, the page stays small


def _user(request: Request):
    return request.scope["user"]


def _is_centre(request: Request) -> bool:
    return _user(request).role in CENTRE_ROLES


def _values(form: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(name, "")[:MAX_FIELD] for name in names}


def _query(request: Request, name: str, limit: int = 40) -> str:
    value = request.query_params.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


# ---------------------------------------------------------------------------
# The Centre's home (kept at /giam-sat) and the registry


@get("/giam-sat", guards=MANAGERS_AND_CENTRE)
async def supervisor_home(request: Request) -> Response:
    points = await selectors.points_visible_to(_user(request))
    overdue = await overdue_counts_by_point(today_local())
    return Template(
        template_name="points/supervisor_home.html",
        context={"points": points, "overdue": overdue},
    )


@get(REGISTRY, guards=MANAGERS_AND_CENTRE)
async def registry(request: Request) -> Response:
    user = _user(request)
    status = _query(request, "trang_thai")
    district = _query(request, "quan", 16)
    organisation = row_id(_query(request, "to_chuc", 12))
    rows = await selectors.point_registry(
        user,
        status=status if status in selectors.STATUSES else "",
        district_code=district,
        organisation_id=organisation,
    )
    context = {
        "points": rows,
        "status": status,
        "district": district,
        "organisation": organisation,
        "notice": _query(request, "xong") if _query(request, "xong") in NOTICES else "",
    }
    headers = {"Vary": "HX-Request"}
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == (
        "point-list"
    ):
        return Template(
            template_name="points/partials/_registry_list.html", context=context, headers=headers
        )
    context["districts"] = await selectors.district_options()
    context["organisations"] = (
        await selectors.organisation_choices() if user.role in CENTRE_ROLES else []
    )
    return Template(template_name="points/registry.html", context=context, headers=headers)


async def _point_form(
    request: Request,
    *,
    point: dict | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    user = _user(request)
    centre = user.role in CENTRE_ROLES
    organisations = await selectors.organisation_choices() if centre else []
    districts = await selectors.district_options()
    communes = await selectors.commune_options(today_local())
    context = {
        "point": point,
        "values": values,
        "errors": errors or {},
        "district_options": [(d["code"], d["label"]) for d in districts],
        "commune_options": [(c["code"], c["name"]) for c in communes],
        "organisation_options": [(str(o["id"]), o["name"]) for o in organisations],
        "own_organisation": None
        if centre
        else await selectors.organisation_for(user, user.organisation_id),
    }
    return Template(template_name="points/form.html", context=context, status_code=status_code)


@get(f"{REGISTRY}/moi", guards=MANAGERS_AND_CENTRE)
async def point_new(request: Request) -> Response:
    values = dict.fromkeys(POINT_FIELDS, "")
    values["phase"] = "1"
    return await _point_form(request, point=None, values=values)


@post(f"{REGISTRY}/moi", guards=MANAGERS_AND_CENTRE)
async def point_create(request: Request) -> Response:
    values = _values(await read_form(request), POINT_FIELDS)
    try:
        point_id = await services.point_create(values=values, actor=_user(request))
    except ValidationError as exc:
        return await _point_form(
            request, point=None, values=values, errors=exc.errors, status_code=422
        )
    return Redirect(path=f"{REGISTRY}/{point_id}?xong=proposed", status_code=303)


async def _detail(
    request: Request,
    point_id: int,
    *,
    errors: dict[str, str] | None = None,
    missing: list[str] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    from app.training.selectors import point_staff

    user = _user(request)
    point = await selectors.point_detail(user, point_id)
    staff = await point_staff(point_id)
    trained = sum(1 for s in staff if s["trained"])
    required = request.app.state.settings.point_min_trained_staff
    centre = user.role in CENTRE_ROLES
    allowed = services.TRANSITIONS[services.P(point["status"])] if centre else frozenset()
    targets = [t for t in services.STEP_ORDER if t in allowed]
    context = {
        "p": point,
        "events": await selectors.point_events(point_id),
        "staff": staff,
        "trained": trained,
        "required": required,
        "criteria": services.CRITERIA,
        "unmet": services.unmet_criteria(point, trained=trained, required=required),
        "targets": [(t.value, services.reason_required(point["status"], t)) for t in targets],
        "is_centre": centre,
        "can_edit": services.can_edit({**point, "organisation": point["organisation_id"]}, user),
        "errors": errors or {},
        "missing": missing or [],
        "notice": notice,
    }
    return Template(template_name="points/detail.html", context=context, status_code=status_code)


@get(f"{REGISTRY}/{{point_id:int}}", guards=MANAGERS_AND_CENTRE)
async def point_page(request: Request, point_id: FromPath[int]) -> Response:
    notice = _query(request, "xong")
    return await _detail(request, point_id, notice=notice if notice in NOTICES else "")


def _values_of(point: dict) -> dict[str, str]:
    values = {
        name: "" if point.get(name) is None else str(point.get(name)) for name in POINT_FIELDS
    }
    values["organisation"] = str(point["organisation_id"])
    return values


@get(f"{REGISTRY}/{{point_id:int}}/sua", guards=MANAGERS_AND_CENTRE)
async def point_edit_page(request: Request, point_id: FromPath[int]) -> Response:
    point = await selectors.point_detail(_user(request), point_id)
    if not services.can_edit({**point, "organisation": point["organisation_id"]}, _user(request)):
        raise services.TransitionRefused(
            services.E_CLOSED if point["status"] == "closed" else services.E_NOT_EDITABLE
        )
    return await _point_form(request, point=point, values=_values_of(point))


@post(f"{REGISTRY}/{{point_id:int}}/sua", guards=MANAGERS_AND_CENTRE)
async def point_update(request: Request, point_id: FromPath[int]) -> Response:
    point = await selectors.point_detail(_user(request), point_id)
    values = _values(await read_form(request), POINT_FIELDS)
    try:
        await services.point_edit(point_id=point_id, values=values, actor=_user(request))
    except ValidationError as exc:
        return await _point_form(
            request, point=point, values=values, errors=exc.errors, status_code=422
        )
    return Redirect(path=f"{REGISTRY}/{point_id}?xong=saved", status_code=303)


@post(f"{REGISTRY}/{{point_id:int}}/tieu-chi", guards=CENTRE)
async def point_review(request: Request, point_id: FromPath[int]) -> Response:
    await selectors.point_detail(_user(request), point_id)
    form = await read_form(request)
    criteria = {name: form.get(name) == "on" for name in services.CRITERIA}
    try:
        await services.point_review(
            point_id=point_id,
            criteria=criteria,
            note=form.get("review_note", "")[:MAX_FIELD],
            actor=_user(request),
        )
    except ValidationError as exc:
        return await _detail(request, point_id, errors=exc.errors, status_code=422)
    return Redirect(path=f"{REGISTRY}/{point_id}?xong=reviewed#xet-duyet", status_code=303)


@post(f"{REGISTRY}/{{point_id:int}}/trang-thai", guards=CENTRE)
async def point_move(request: Request, point_id: FromPath[int]) -> Response:
    await selectors.point_detail(_user(request), point_id)
    form = await read_form(request)
    target = form.get("to", "")[:40]
    try:
        await services.point_transition(
            point_id=point_id,
            target=target,
            actor=_user(request),
            reason=form.get("reason", "")[:MAX_FIELD],
            min_trained=request.app.state.settings.point_min_trained_staff,
            expected_status=form.get("from", "")[:40] or None,
        )
    except services.CriteriaNotMet as exc:
        return await _detail(request, point_id, missing=exc.missing, status_code=422)
    except ValidationError as exc:
        errors = {f"{key}-{target}": message for key, message in exc.errors.items()}
        return await _detail(request, point_id, errors=errors, status_code=422)
    return Redirect(path=f"{REGISTRY}/{point_id}?xong=moved", status_code=303)


# ---------------------------------------------------------------------------
# Organisations


@get(ORGANISATIONS, guards=MANAGERS_AND_CENTRE)
async def organisations(request: Request) -> Response:
    rows = await selectors.organisations_visible_to(_user(request))
    notice = _query(request, "xong")
    return Template(
        template_name="points/organisations.html",
        context={"organisations": rows, "notice": notice if notice in NOTICES else ""},
    )


def _organisation_form(
    *,
    organisation: dict | None,
    values: dict[str, str],
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:
    return Template(
        template_name="points/organisation_form.html",
        context={"organisation": organisation, "values": values, "errors": errors or {}},
        status_code=status_code,
    )


@get(f"{ORGANISATIONS}/moi", guards=CENTRE)
async def organisation_new() -> Response:
    return _organisation_form(organisation=None, values=dict.fromkeys(ORGANISATION_FIELDS, ""))


@post(f"{ORGANISATIONS}/moi", guards=CENTRE)
async def organisation_create(request: Request) -> Response:
    values = _values(await read_form(request), ORGANISATION_FIELDS)
    try:
        organisation_id = await services.organisation_create(values=values, actor=_user(request))
    except ValidationError as exc:
        return _organisation_form(
            organisation=None, values=values, errors=exc.errors, status_code=422
        )
    return Redirect(path=f"{ORGANISATIONS}/{organisation_id}?xong=saved", status_code=303)


@get(f"{ORGANISATIONS}/{{organisation_id:int}}", guards=MANAGERS_AND_CENTRE)
async def organisation_page(request: Request, organisation_id: FromPath[int]) -> Response:
    user = _user(request)
    organisation = await selectors.organisation_for(user, organisation_id)
    points = await selectors.point_registry(user, organisation_id=organisation_id)
    notice = _query(request, "xong")
    return Template(
        template_name="points/organisation.html",
        context={
            "o": organisation,
            "points": points,
            "is_centre": user.role in CENTRE_ROLES,
            "notice": notice if notice in NOTICES else "",
        },
    )


def _organisation_values(organisation: dict) -> dict[str, str]:
    values = {
        k: "" if organisation.get(k) is None else str(organisation[k]) for k in ORGANISATION_FIELDS
    }
    return values


@get(f"{ORGANISATIONS}/{{organisation_id:int}}/sua", guards=CENTRE)
async def organisation_edit_page(request: Request, organisation_id: FromPath[int]) -> Response:
    organisation = await selectors.organisation_for(_user(request), organisation_id)
    return _organisation_form(organisation=organisation, values=_organisation_values(organisation))


@post(f"{ORGANISATIONS}/{{organisation_id:int}}/sua", guards=CENTRE)
async def organisation_update(request: Request, organisation_id: FromPath[int]) -> Response:
    organisation = await selectors.organisation_for(_user(request), organisation_id)
    values = _values(await read_form(request), ORGANISATION_FIELDS)
    try:
        await services.organisation_edit(
            organisation_id=organisation_id, values=values, actor=_user(request)
        )
    except ValidationError as exc:
        return _organisation_form(
            organisation=organisation, values=values, errors=exc.errors, status_code=422
        )
    return Redirect(path=f"{ORGANISATIONS}/{organisation_id}?xong=saved", status_code=303)


# ---------------------------------------------------------------------------
# The public point finder


@get(finder.PAGE)
async def point_finder(request: Request) -> Response:
    query = finder.FinderQuery.from_params(request.query_params)
    result = await finder.find_points(query)
    context = {"q": query, "result": result, "districts": await finder.district_options()}
    return Template(template_name="points/finder.html", context=context)


ROUTES = [
    supervisor_home,
    registry,
    point_new,
    point_create,
    point_page,
    point_edit_page,
    point_update,
    point_review,
    point_move,
    organisations,
    organisation_new,
    organisation_create,
    organisation_page,
    organisation_edit_page,
    organisation_update,
    point_finder,
]
