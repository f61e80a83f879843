"""Sign in and sign out."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.accounts.services import authenticate
from app.audit.services import AuditAction, audit_record
from app.errors import DomainError
from app.web.controllers import ROLE_HOMES
from app.web.forms import read_form, safe_next


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@get("/dang-nhap", sync_to_thread=False)
def login_page(
    request: Request,
    next: FromQuery[str] = "",  # noqa: A002 - the query parameter's name
    expired: FromQuery[str] = "",
) -> Response:
    user = request.scope.get("user")
    if user is not None:
        return Redirect(path=safe_next(next, ROLE_HOMES[user.role]), status_code=303)
    return Template(
        template_name="accounts/login.html",
        context={
            "username": "",
            "next": safe_next(next, ""),
            "error": None,
            "expired": expired == "1",
        },
    )


@post("/dang-nhap")
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    settings = request.app.state.settings
    sessions = request.app.state.sessions
    username = form.get("username", "")[:64]
    try:
        user = await authenticate(
            settings=settings,
            username=username,
            password=form.get("password", "")[:1024],
            ip=_client_ip(request),
        )
    except DomainError as exc:
        return Template(
            template_name="accounts/login.html",
            context={
                "username": username,
                "next": safe_next(form.get("next"), ""),
                "error": exc,
                "expired": False,
            },
            status_code=exc.status_code,
        )
    await sessions.destroy(request.scope.get("auth"))
    session_id = await sessions.create(user.id)
    response = Redirect(path=safe_next(form.get("next"), ROLE_HOMES[user.role]), status_code=303)
    response.cookies.append(sessions.set_cookie(session_id))
    return response


@post("/dang-xuat")
async def logout(request: Request) -> Response:
    sessions = request.app.state.sessions
    user = request.scope.get("user")
    await sessions.destroy(request.scope.get("auth"))
    if user is not None:
        await audit_record(
            action=AuditAction.logout,
            actor_id=user.id,
            actor_label=user.username,
            object_type="user",
            object_id=user.username,
            ip=_client_ip(request),
        )
    response = Redirect(path="/dang-nhap", status_code=303)
    response.cookies.append(sessions.clear_cookie())
    return response


ROUTES = [login_page, login_submit, logout]
