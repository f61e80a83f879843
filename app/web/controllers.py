"""Site-wide routes: home, static assets, health, language switch."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from app.accounts.tables import Role
from app.db import ping
from app.web.forms import read_form, safe_next
from app.web.i18n import LOCALE_COOKIE, LOCALES
from app.web.static import IMMUTABLE

ROLE_HOMES = {
    Role.agent.value: "/dai-ly",
    Role.point_manager.value: "/giam-sat",
    Role.supervisor.value: "/giam-sat",
    Role.admin.value: "/giam-sat",
}


@get("/", sync_to_thread=False)
def home(request: Request) -> Response:
    user = request.scope.get("user")
    if user is not None:
        return Redirect(path=ROLE_HOMES[user.role], status_code=303)
    return Template(template_name="public/home.html")


@get("/static/{path:path}", sync_to_thread=False, include_in_schema=False)
def static_asset(request: Request, path: FromPath[str]) -> Response:
    asset = request.app.state.assets.get(path.lstrip("/"))
    if asset is None:
        raise NotFoundException()
    headers = {"cache-control": IMMUTABLE, "etag": asset.etag, "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(content=b"", status_code=304, headers=headers)
    body, coding = asset.negotiate(request.headers.get("accept-encoding", ""))
    if coding:
        headers["content-encoding"] = coding
    return Response(content=body, media_type=asset.content_type, headers=headers)


@get("/healthz", cache=False)
async def healthz(request: Request) -> Response:
    try:
        await ping(request.app.state.engine)
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return Response(
            content={"status": "unavailable", "database": type(exc).__name__},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"cache-control": "no-store"},
        )
    return Response(
        content={"status": "ok", "database": "ok"},
        status_code=HTTP_200_OK,
        headers={"cache-control": "no-store"},
    )


@post("/ngon-ngu")
async def switch_language(request: Request) -> Response:
    form = await read_form(request)
    lang = form.get("lang") if form.get("lang") in LOCALES else LOCALES[0]
    response = Redirect(path=safe_next(form.get("next")), status_code=303)
    response.cookies.append(
        Cookie(key=LOCALE_COOKIE, value=lang, path="/", max_age=365 * 86400, samesite="lax")
    )
    return response


ROUTES = [home, static_asset, healthz, switch_language]
