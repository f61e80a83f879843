"""Routes of the notifications feature: the VAPID public key, subscribing a browser to a
dossier's news (no account: the status token is the credential), a staff member's own
notifications page and its subscribe endpoints (the session is the credential), the admins'
quarantine list."""

from __future__ import annotations

from litestar import MediaType, Request, Response, get, post
from litestar.exceptions import SerializationException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.errors import DomainError
from app.notifications import selectors, services
from app.notifications.vapid import vapid_keys
from app.web.i18n import N_, request_locale, translator

ADMIN = [requires_role(Role.admin.value)]
STAFF = [requires_role(*STAFF_ROLES)]
STAFF_PAGE = "/thong-bao/cua-toi"
MAX_BODY = 8 * 1024


def _error(request: Request, exc: DomainError) -> Response:
    message = translator(request_locale(request)).gettext(exc.message) % exc.params
    return Response({"error": message}, status_code=exc.status_code)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise services.SubscriptionRefused(N_("The push subscription is missing."))
    try:
        data = await request.json()
    except (SerializationException, ValueError) as exc:
        raise services.SubscriptionRefused(N_("The push subscription is missing.")) from exc
    if not isinstance(data, dict):
        raise services.SubscriptionRefused(N_("The push subscription is missing."))
    return data


@get("/thong-bao/khoa", media_type=MediaType.TEXT, cache_control=None)
async def public_key(request: Request) -> str:
    return vapid_keys(request.app.state.settings).public_key


@post("/thong-bao/dang-ky")
async def subscribe(request: Request) -> Response:
    try:
        data = await _body(request)
        created = await services.subscription_create(
            token=data.get("token"),
            subscription=data.get("subscription"),
            settings=request.app.state.settings,
        )
    except DomainError as exc:
        return _error(request, exc)
    return Response({"status": "subscribed"}, status_code=201 if created else 200)


@post("/thong-bao/huy", status_code=200)
async def unsubscribe(request: Request) -> Response:
    try:
        data = await _body(request)
        await services.subscription_delete(
            token=data.get("token"), subscription=data.get("subscription")
        )
    except DomainError as exc:
        return _error(request, exc)
    return Response({"status": "unsubscribed"}, status_code=200)


@get(STAFF_PAGE, guards=STAFF)
async def staff_page(request: Request, tat: FromQuery[str] = "") -> Template:
    user = request.scope["user"]
    return Template(
        template_name="notifications/staff.html",
        context={
            "layout": "layouts/agent.html"
            if user.role == Role.agent
            else "layouts/supervisor.html",
            "event": services.staff_event(user),
            "threshold": request.app.state.settings.push_overdue_threshold,
            "devices": await selectors.staff_device_count(user.id),
            "turned_off": tat == "1",
        },
    )


# JSON endpoints for static/js/push.js: no guard redirecting to the sign-in page; the service
# answers 401/403 as JSON the script can show.
@post(f"{STAFF_PAGE}/dang-ky")
async def staff_subscribe(request: Request) -> Response:
    try:
        data = await _body(request)
        created = await services.staff_subscription_create(
            user=request.scope.get("user"),
            subscription=data.get("subscription"),
            settings=request.app.state.settings,
            expected_user=data.get("user"),
        )
    except DomainError as exc:
        return _error(request, exc)
    return Response({"status": "subscribed"}, status_code=201 if created else 200)


@post(f"{STAFF_PAGE}/huy", status_code=200)
async def staff_unsubscribe(request: Request) -> Response:
    try:
        data = await _body(request)
        await services.staff_subscription_delete(
            user=request.scope.get("user"), subscription=data.get("subscription")
        )
    except DomainError as exc:
        return _error(request, exc)
    return Response({"status": "unsubscribed"}, status_code=200)


@post(f"{STAFF_PAGE}/tat-ca", guards=STAFF)
async def staff_turn_off_everywhere(request: Request) -> Redirect:
    await services.staff_subscriptions_delete_all(user=request.scope["user"])
    return Redirect(path=f"{STAFF_PAGE}?tat=1", status_code=303)


@get("/quan-tri/thong-bao", guards=ADMIN)
async def quarantine_page() -> Template:
    return Template(
        template_name="notifications/admin_quarantine.html",
        context={"rows": await selectors.quarantined_messages()},
    )


ROUTES: list = [
    public_key,
    subscribe,
    unsubscribe,
    staff_page,
    staff_subscribe,
    staff_unsubscribe,
    staff_turn_off_everywhere,
    quarantine_page,
]
