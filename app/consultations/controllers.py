"""Routes of the consultations feature: the point's log of advice given (agents write;
point managers and the Centre read, each within their scope)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.consultations import selectors, services
from app.errors import ValidationError
from app.web.forms import read_form

FIELDS = ("procedure", "topic", "outcome", "citizen_name", "notes")


async def _page(
    request: Request, *, values: dict, errors: dict, saved: bool = False, status: int = 200
) -> Template:
    user = request.scope["user"]
    is_agent = user.role == Role.agent
    context = {
        "consultations": await selectors.consultation_list(user),
        "procedures": await selectors.procedure_choices() if is_agent else [],
        "outcomes": list(services.OUTCOME_LABELS.items()),
        "outcome_labels": services.OUTCOME_LABELS,
        "can_log": is_agent,
        "show_point": not is_agent,
        "layout": "layouts/agent.html" if is_agent else "layouts/supervisor.html",
        "values": values,
        "errors": errors,
        "saved": saved,
    }
    return Template(template_name="consultations/index.html", context=context, status_code=status)


@get("/tu-van", guards=[requires_role(*STAFF_ROLES)])
async def consultations_page(request: Request, da_luu: FromQuery[str] = "") -> Response:
    return await _page(request, values=dict.fromkeys(FIELDS, ""), errors={}, saved=da_luu == "1")


@post("/tu-van", guards=[requires_role(Role.agent.value)])
async def consultation_submit(request: Request) -> Response:
    form = await read_form(request)
    try:
        await services.consultation_log(user=request.scope["user"], form=form)
    except ValidationError as exc:
        values = {name: form.get(name, "")[:3000] for name in FIELDS}
        return await _page(request, values=values, errors=exc.errors, status=422)
    return Redirect(path="/tu-van?da_luu=1", status_code=303)


ROUTES = [consultations_page, consultation_submit]
