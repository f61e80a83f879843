"""Exceptions to localised pages, or to a message fragment for HTMX requests."""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template

from app.errors import DomainError
from app.web.i18n import N_

log = logging.getLogger("app.errors")

TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    405: N_("This action is not allowed here"),
    413: N_("The file is too large"),
    422: N_("Please check what you entered"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is temporarily unavailable"),
}
EXPLANATIONS = {
    400: N_("Go back and try again. If it keeps happening, tell your supervisor."),
    403: N_("If you think you should have access, ask the Centre's administrator."),
    404: N_("Check the address, or go back to the home page."),
    405: N_("Go back and try again."),
    413: N_("Choose a smaller file and try again."),
    422: N_("Correct the highlighted information and try again."),
    429: N_("Please wait a few minutes and try again."),
    500: N_("Nothing you entered was lost on your device. Please try again in a moment."),
    503: N_("Please try again in a few minutes."),
}
CSRF_MESSAGE = N_(
    "Your form expired or was not sent from this site. Reload the page and try again."
)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def error_response(
    request: Request, status: int, message: str | None = None, params: dict | None = None
) -> Response:
    status_key = status if status in TITLES else (500 if status >= 500 else 400)
    context = {
        "status": status,
        "title": TITLES[status_key],
        "message": message or EXPLANATIONS[status_key],
        "params": params or {},
    }
    if _is_htmx(request):
        return Template(
            template_name="errors/_message.html",
            context=context,
            status_code=status,
            headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"},
        )
    return Template(template_name="errors/error.html", context=context, status_code=status)


def not_authorized_handler(request: Request, _: NotAuthorizedException) -> Response:
    target = f"/dang-nhap?next={quote(request.url.path)}"
    if request.scope.get("state", {}).get("session_end_reason") == "expired":
        target += "&expired=1"
    if _is_htmx(request):
        return Response(content="", status_code=401, headers={"HX-Redirect": target})
    return Redirect(path=target, status_code=303)


def permission_denied_handler(request: Request, exc: PermissionDeniedException) -> Response:
    message = CSRF_MESSAGE if "CSRF" in str(exc.detail) else None
    return error_response(request, 403, message)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    return error_response(request, exc.status_code)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    return error_response(request, exc.status_code, exc.message, exc.params)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500)


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized_handler,
    PermissionDeniedException: permission_denied_handler,
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
