"""Agent pages for dossiers: home list, intake form, the dossier page and its steps."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.dossiers import pages as forms
from app.dossiers import selectors, services
from app.errors import ValidationError
from app.web.forms import read_form
from app.web.ids import row_id

AGENT = [requires_role(Role.agent.value)]
STAFF = [requires_role(*STAFF_ROLES)]


def _user(request: Request):
    return request.scope["user"]


def _to_dossier(dossier_id: int, message: str = "") -> Response:
    suffix = f"?msg={message}" if message else ""
    return Redirect(path=f"/ho-so/{dossier_id}{suffix}", status_code=303)


@get("/dai-ly", guards=AGENT)
async def agent_home(
    request: Request,
    status: FromQuery[str] = "",
    q: FromQuery[str] = "",
    ky: FromQuery[str] = "today",
) -> Response:
    user = _user(request)
    rows = await selectors.agent_dossiers(user, status=status, q=q, period=ky)
    context = {"dossiers": rows, "status": status, "q": q, "period": ky}
    if (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "dossier-list"
    ):
        return Template(
            template_name="dossiers/partials/_list.html",
            context=context,
            headers={"Vary": "HX-Request"},
        )
    context["point"] = point = await selectors.home_point(user)
    context["untrained"] = not point["trained"]
    return Template(
        template_name="dossiers/home.html", context=context, headers={"Vary": "HX-Request"}
    )


@get("/ho-so/moi", guards=AGENT)
async def intake_page(request: Request, thu_tuc: FromQuery[int | None] = None) -> Response:
    return await forms.intake_response(request, procedure_id=row_id(thu_tuc), values={}, errors={})


@post("/ho-so/moi", guards=AGENT)
async def intake_submit(request: Request) -> Response:
    form = await read_form(request)
    return await forms.intake_submit(request, form)


@get("/ho-so/{dossier_id:int}", guards=STAFF)
async def dossier_page(
    request: Request, dossier_id: FromPath[int], msg: FromQuery[str] = ""
) -> Response:
    return await forms.dossier_response(request, dossier_id, message=msg)


@post("/ho-so/{dossier_id:int}/thong-tin", guards=STAFF)
async def reveal_personal_data(request: Request, dossier_id: FromPath[int]) -> Response:
    dossier = await services.dossier_reveal_personal_data(
        user=_user(request), dossier_id=dossier_id
    )
    return Template(
        template_name="dossiers/partials/_applicant.html", context={"d": dossier, "revealed": True}
    )


@post("/ho-so/{dossier_id:int}/giay-to", guards=AGENT)
async def set_components(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await request.form()
    received = forms.received_ids(form)
    await services.dossier_set_components(
        user=_user(request),
        dossier_id=dossier_id,
        version=forms.version_of(form),
        received=received,
    )
    return _to_dossier(dossier_id, "components_saved")


@post("/ho-so/{dossier_id:int}/san-sang", guards=AGENT)
async def mark_ready(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await request.form()
    await services.dossier_mark_ready(
        user=_user(request), dossier_id=dossier_id, version=forms.version_of(form)
    )
    return _to_dossier(dossier_id, "ready")


@post("/ho-so/{dossier_id:int}/gui", guards=AGENT)
async def submit_to_portal(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await request.form()
    await services.dossier_submit(
        user=_user(request),
        dossier_id=dossier_id,
        version=forms.version_of(form),
        connector=forms.portal_connector(request),
    )
    return _to_dossier(dossier_id, "submitted")


@post("/ho-so/{dossier_id:int}/ma-ho-so", guards=AGENT)
async def record_portal_code(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await read_form(request)
    try:
        await services.dossier_record_portal_code(
            user=_user(request),
            dossier_id=dossier_id,
            version=forms.version_of(form),
            portal_code=form.get("portal_code", ""),
        )
    except ValidationError as exc:
        return await forms.dossier_response(request, dossier_id, values=form, errors=exc.errors)
    return _to_dossier(dossier_id, "submitted")


@post("/ho-so/{dossier_id:int}/buu-dien", guards=AGENT)
async def register_postal(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await read_form(request)
    try:
        await services.postal_delivery_register(
            user=_user(request),
            dossier_id=dossier_id,
            form=form,
            connector=forms.postal_connector(request),
        )
    except ValidationError as exc:
        return await forms.dossier_response(request, dossier_id, values=form, errors=exc.errors)
    return _to_dossier(dossier_id, "postal_registered")


@post("/ho-so/{dossier_id:int}/tra-ket-qua", guards=AGENT)
async def hand_over_result(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await request.form()
    await services.dossier_hand_over_result(
        user=_user(request), dossier_id=dossier_id, version=forms.version_of(form)
    )
    return _to_dossier(dossier_id, "handed_over")


@post("/ho-so/{dossier_id:int}/huy", guards=AGENT)
async def cancel(request: Request, dossier_id: FromPath[int]) -> Response:
    form = await read_form(request)
    try:
        await services.dossier_cancel(
            user=_user(request),
            dossier_id=dossier_id,
            version=forms.version_of(form),
            reason=form.get("reason", ""),
        )
    except ValidationError as exc:
        return await forms.dossier_response(request, dossier_id, values=form, errors=exc.errors)
    return _to_dossier(dossier_id, "cancelled")


ROUTES = [
    agent_home,
    intake_page,
    intake_submit,
    dossier_page,
    reveal_personal_data,
    set_components,
    mark_ready,
    submit_to_portal,
    record_portal_code,
    register_postal,
    hand_over_result,
    cancel,
]
