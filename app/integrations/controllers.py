"""Routes of the integrations feature: the signed webhooks of the national portal and the
post, and — when they are "embedded" — the two simulators mounted under /mo-phong/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Request, Response, asgi, post
from litestar.exceptions import HTTPException, NotFoundException

from app.integrations import portal, postal
from app.integrations.services import PORTAL, POSTAL, webhook_handle
from app.integrations.signing import HEADER

if TYPE_CHECKING:
    from litestar.types import Receive, Scope, Send

NO_STORE = {"cache-control": "no-store"}


async def receive_webhook(request: Request, *, source: str) -> Response:
    try:
        body = await request.body()
    except HTTPException as exc:  # e.g. 413: answer in JSON like everything else here
        return Response({"error": "body"}, status_code=exc.status_code, headers=NO_STORE)
    status, content = await webhook_handle(
        source=source,
        body=body,
        signature=request.headers.get(HEADER),
        settings=request.app.state.settings,
        engine=request.app.state.engine,
    )
    return Response(content, status_code=status, headers=NO_STORE)


@post("/webhooks/portal", status_code=200)
async def portal_webhook(request: Request) -> Response:
    return await receive_webhook(request, source=PORTAL)


@post("/webhooks/buu-dien", status_code=200)
async def postal_webhook(request: Request) -> Response:
    return await receive_webhook(request, source=POSTAL)


async def _serve_mounted(
    simulator, prefix: str, scope: Scope, receive: Receive, send: Send
) -> None:
    if simulator is None:  # a real system is configured, or this is production
        raise NotFoundException()
    # ASGI mount convention: root_path is the prefix and path still includes it.
    scope["root_path"] = prefix
    scope["path"] = prefix + scope["path"]
    await simulator(scope, receive, send)


@asgi(portal.SIMULATOR_MOUNT, is_mount=True, copy_scope=True)
async def portal_simulator_mount(scope: Scope, receive: Receive, send: Send) -> None:
    simulator = portal.portal_simulator_for(scope["litestar_app"])
    await _serve_mounted(simulator, portal.SIMULATOR_MOUNT, scope, receive, send)


@asgi(postal.SIMULATOR_MOUNT, is_mount=True, copy_scope=True)
async def postal_simulator_mount(scope: Scope, receive: Receive, send: Send) -> None:
    simulator = postal.postal_simulator_for(scope["litestar_app"])
    await _serve_mounted(simulator, postal.SIMULATOR_MOUNT, scope, receive, send)


ROUTES: list = [portal_webhook, postal_webhook, portal_simulator_mount, postal_simulator_mount]
