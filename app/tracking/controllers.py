"""Routes of the tracking feature: the printed receipt (staff), the look-up and the status
page (citizens, no account).

Polling: the status block polls `/theo-doi/{token}/trang-thai?v=<fingerprint>` every
STATUS_POLL_SECONDS (15 s by default).
The handler first reads only the dossier's fingerprint (version, status, update time, due
date); when it equals `v` (or the request's If-None-Match) it answers 204 (or 304) with no
body and renders nothing; htmx leaves the block alone on 204. When something changed it
renders the block, whose new `hx-get` carries the new fingerprint. A final dossier answers
286 with its last rendering, which stops htmx polling; the final block does not poll.
Citizen pages carry personal data: `Cache-Control: no-store` everywhere, so browsers never
revalidate on their own and the `v` parameter is the cheap path; the ETag serves any other
client that sends If-None-Match.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.dossiers.selectors import dossier_detail
from app.dossiers.states import FINAL, S
from app.errors import NotFoundError, ValidationError
from app.feedback.links import MARKER_PARAM
from app.feedback.selectors import status_panel
from app.tracking import receipt, selectors, services
from app.tracking.labels import ACTOR_LABELS, DELIVERY_LABELS
from app.web.forms import read_form
from app.web.i18n import N_, request_locale, translator
from app.web.ratelimit import client_key

CITIZEN_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
POLL_STOPPED = 286  # htmx stops polling on this status


def _client_ip(request: Request) -> str:
    return client_key(request.client.host) if request.client else ""


@get("/ho-so/{dossier_id:int}/giay-tiep-nhan", guards=[requires_role(*STAFF_ROLES)])
async def receipt_page(
    request: Request, dossier_id: FromPath[int], kho: FromQuery[str] = "a4"
) -> Response:
    if request.headers.get("hx-boosted") == "true":
        # A boosted swap would not run the print script: load the receipt as a whole page.
        query = f"?{request.url.query}" if request.url.query else ""
        return Response(content="", headers={"HX-Redirect": f"{request.url.path}{query}"})
    user = request.scope["user"]
    dossier = await dossier_detail(user, dossier_id)
    settings = request.app.state.settings
    context = receipt.receipt_context(dossier, public_base_url=settings.public_base_url, size=kho)
    title = translator(request_locale(request)).gettext(N_("QR code to follow this dossier"))
    context["qr"] = receipt.qr_svg(context["status_url"], title=title)
    context["layout"] = (
        "layouts/agent.html" if user.role == Role.agent else "layouts/supervisor.html"
    )
    return Template(
        template_name="tracking/receipt.html",
        context=context,
        headers={"Cache-Control": "no-store"},
    )


def _lookup_page(
    values: dict,
    *,
    errors: dict | None = None,
    problem=None,
    status: int = 200,
    headers: dict | None = None,
) -> Template:
    return Template(
        template_name="tracking/lookup.html",
        context={"values": values, "errors": errors or {}, "problem": problem},
        status_code=status,
        headers={**CITIZEN_HEADERS, **(headers or {})},
    )


@get("/tra-cuu", sync_to_thread=False)
def lookup_page() -> Response:
    return _lookup_page({"code": "", "last4": ""})


@post("/tra-cuu")
async def lookup_submit(request: Request) -> Response:
    form = await read_form(request)
    values = {"code": form.get("code", "")[:100], "last4": ""}
    try:
        code, last4 = services.lookup_input(form)
        token = await services.status_lookup(
            limits=services.lookup_limits(request.app),
            ip=_client_ip(request),
            code=code,
            last4=last4,
        )
    except ValidationError as exc:
        values["last4"] = form.get("last4", "")[:8]
        return _lookup_page(values, errors=exc.errors, status=422)
    except services.LookupThrottled as exc:
        return _lookup_page(
            values, problem=exc, status=429, headers={"Retry-After": str(exc.retry_after)}
        )
    except services.LookupMismatch as exc:
        return _lookup_page(values, problem=exc, status=400)
    return Redirect(path=f"/theo-doi/{token}", status_code=303, headers=CITIZEN_HEADERS)


def _status_context(request: Request, token: str, dossier: dict) -> dict:
    return {
        "d": dossier,
        "token": token,
        "etag": selectors.fingerprint(dossier, request_locale(request)),
        "actor_labels": ACTOR_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "report_to": receipt.REPORT_TO,
        "report_hotline": receipt.REPORT_HOTLINE,
        "poll_seconds": request.app.state.settings.status_poll_seconds,
    }


@get("/theo-doi/{token:str}")
async def status_page(request: Request, token: FromPath[str]) -> Response:
    dossier = await selectors.citizen_status(token)
    context = _status_context(request, token, dossier)
    marker = request.query_params.get(MARKER_PARAM, "")
    context["feedback"] = await status_panel(dossier, token=token, marker=marker)
    return Template(template_name="tracking/status.html", context=context, headers=CITIZEN_HEADERS)


def _etag_matches(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match", "")
    return any(part.strip().removeprefix("W/") == etag for part in sent.split(","))


@get("/theo-doi/{token:str}/trang-thai")
async def status_block(request: Request, token: FromPath[str], v: FromQuery[str] = "") -> Response:
    current = await selectors.status_fingerprint(token)
    if current is None:
        raise NotFoundError(selectors.NOT_FOUND)
    etag = selectors.fingerprint(current, request_locale(request))
    headers = {**CITIZEN_HEADERS, "ETag": f'"{etag}"'}
    final = S(current["status"]) in FINAL
    if not final and _etag_matches(request, f'"{etag}"'):
        return Response(content=b"", status_code=304, headers=headers)
    if not final and v == etag:
        return Response(content=b"", status_code=204, headers=headers)
    dossier = await selectors.citizen_status(token)
    context = _status_context(request, token, dossier)
    headers["ETag"] = f'"{context["etag"]}"'
    return Template(
        template_name="tracking/partials/_status.html",
        context=context,
        status_code=POLL_STOPPED if dossier["is_final"] else 200,
        headers=headers,
    )


ROUTES = [receipt_page, lookup_page, lookup_submit, status_page, status_block]
