"""Capture pages: the page per dossier, uploads (from the phone's queue or the plain form),
page actions as HTMX swaps (or plain posts), and the files, served only to those who may
see the dossier, never cached."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.capture import selectors, services
from app.capture.storage import document_store
from app.errors import DomainError, ValidationError
from app.web.forms import parse_id
from app.web.i18n import N_

AGENT = [requires_role(Role.agent.value)]
STAFF = [requires_role(*STAFF_ROLES)]
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MULTIPLE_FILES_MAX = 10


def _user(request: Request):
    return request.scope["user"]


def _store(request: Request):
    return document_store(request.app.state.settings)


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _from_queue(request: Request) -> bool:
    """The phone's upload queue (capture.js) asks for fragments, not pages."""
    return request.headers.get("x-capture-queue") == "1"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _capture_response(
    request: Request, dossier_id: int, *, errors: dict | None = None, status: int = 200
) -> Response:
    dossier = await selectors.capture_overview(_user(request), dossier_id)
    return Template(
        template_name="capture/page.html",
        context={
            "d": dossier,
            "errors": errors or {},
            "error_component": (errors or {}).get("_component"),
            "new_page_id": str(uuid.uuid4()),
        },
        status_code=status,
    )


@get("/ho-so/{dossier_id:int}/chup", guards=STAFF)
async def capture_page(request: Request, dossier_id: FromPath[int]) -> Response:
    return await _capture_response(request, dossier_id)


def _files(form) -> list[UploadFile]:
    return [f for f in form.getall("file", []) if isinstance(f, UploadFile)]


def _page_ids(first: str, count: int) -> list[str]:
    """The form carries one id; each further file of a multiple choice gets one derived from it,
    so a re-sent form (a refresh, a double tap) is recognised page by page."""
    try:
        base = uuid.UUID(first)
    except ValueError:
        return [first] * count
    return [str(base)] + [str(uuid.uuid5(base, str(i))) for i in range(1, count)]


@post(
    "/ho-so/{dossier_id:int}/trang",
    guards=AGENT,
    request_max_body_size=64 * 1024 * 1024,
)
async def upload_page(request: Request, dossier_id: FromPath[int]) -> Response:
    settings = request.app.state.settings
    form = await request.form()
    component = parse_id(form.get("component"))
    files = _files(form)
    queue = _from_queue(request)
    try:
        if component is None:
            raise ValidationError({"file": N_("Choose which document the photo belongs to.")})
        if not files or (len(files) == 1 and not files[0].filename and files[0].size == 0):
            raise ValidationError({"file": N_("Choose or take a photo first.")})
        if len(files) > MULTIPLE_FILES_MAX:
            raise DomainError(N_("Send at most %(n)s photos at a time."), n=MULTIPLE_FILES_MAX)
        results = []
        for page_id, upload in zip(
            _page_ids(str(form.get("page_id", "")), len(files)), files, strict=True
        ):
            data = await upload.read()
            results.append(
                await services.page_upload(
                    user=_user(request),
                    dossier_id=dossier_id,
                    component_id=component,
                    uid=page_id,
                    data=data,
                    store=_store(request),
                    settings=settings,
                    replaces=form.get("replaces", "") if len(files) == 1 else "",
                )
            )
    except DomainError as exc:
        if not queue:
            if exc.status_code in (404, 409) and not isinstance(exc, ValidationError):
                raise
            errors = exc.errors if isinstance(exc, ValidationError) else {"file": exc.message}
            errors = {**errors, "_component": component}
            return await _capture_response(request, dossier_id, errors=errors, status=422)
        return Template(
            template_name="capture/partials/_upload_error.html",
            context={"message": exc.message, "params": exc.params},
            status_code=exc.status_code,
            headers=NO_STORE,
        )
    if not queue:
        anchor = f"#c-{component}"
        return Redirect(path=f"/ho-so/{dossier_id}/chup{anchor}", status_code=303)
    # The queue sends one page at a time and swaps in the document's whole page list.
    result = results[0]
    return Template(
        template_name="capture/partials/_pages.html",
        context=await selectors.component_context(
            _user(request), dossier_id, result.page["component"]
        ),
        status_code=201 if result.created else 200,
        headers={"X-Page-Status": "created" if result.created else "replayed", **NO_STORE},
    )


async def _after_action(request: Request, dossier_id: int, component_id: int) -> Response:
    if _is_htmx(request):
        return Template(
            template_name="capture/partials/_pages.html",
            context=await selectors.component_context(_user(request), dossier_id, component_id),
        )
    return Redirect(path=f"/ho-so/{dossier_id}/chup#c-{component_id}", status_code=303)


@post("/ho-so/{dossier_id:int}/trang/{uid:str}/xoay", guards=AGENT)
async def rotate_page(
    request: Request, dossier_id: FromPath[int], uid: FromPath[str], chieu: FromQuery[str] = "phai"
) -> Response:
    page = await services.page_rotate(
        user=_user(request), dossier_id=dossier_id, uid=uid, clockwise=chieu != "trai"
    )
    return await _after_action(request, dossier_id, page["component"])


@post("/ho-so/{dossier_id:int}/trang/{uid:str}/di-chuyen", guards=AGENT)
async def move_page(
    request: Request, dossier_id: FromPath[int], uid: FromPath[str], huong: FromQuery[str] = ""
) -> Response:
    page = await services.page_move(
        user=_user(request), dossier_id=dossier_id, uid=uid, step=-1 if huong == "len" else 1
    )
    return await _after_action(request, dossier_id, page["component"])


@post("/ho-so/{dossier_id:int}/trang/{uid:str}/giu", guards=AGENT)
async def keep_page(request: Request, dossier_id: FromPath[int], uid: FromPath[str]) -> Response:
    page = await services.page_accept_anyway(user=_user(request), dossier_id=dossier_id, uid=uid)
    return await _after_action(request, dossier_id, page["component"])


@post("/ho-so/{dossier_id:int}/trang/{uid:str}/xoa", guards=AGENT)
async def delete_page(request: Request, dossier_id: FromPath[int], uid: FromPath[str]) -> Response:
    page = await services.page_delete(
        user=_user(request), dossier_id=dossier_id, uid=uid, store=_store(request)
    )
    return await _after_action(request, dossier_id, page["component"])


async def _image(request: Request, dossier_id: int, uid: str, *, thumbnail: bool) -> Response:
    data, _ = await services.page_image(
        user=_user(request),
        dossier_id=dossier_id,
        uid=uid,
        thumbnail=thumbnail,
        store=_store(request),
        ip=_ip(request),
    )
    return Response(content=data, media_type="image/jpeg", headers=NO_STORE)


@get("/ho-so/{dossier_id:int}/trang/{uid:str}/anh.jpg", guards=STAFF)
async def page_image(request: Request, dossier_id: FromPath[int], uid: FromPath[str]) -> Response:
    return await _image(request, dossier_id, uid, thumbnail=False)


@get("/ho-so/{dossier_id:int}/trang/{uid:str}/anh-nho.jpg", guards=STAFF)
async def page_thumbnail(
    request: Request, dossier_id: FromPath[int], uid: FromPath[str]
) -> Response:
    return await _image(request, dossier_id, uid, thumbnail=True)


@get("/ho-so/{dossier_id:int}/giay-to/{component_id:int}/ban-scan.pdf", guards=STAFF)
async def component_pdf(
    request: Request, dossier_id: FromPath[int], component_id: FromPath[int]
) -> Response:
    data, filename = await services.component_pdf(
        user=_user(request),
        dossier_id=dossier_id,
        component_id=component_id,
        store=_store(request),
        settings=request.app.state.settings,
        ip=_ip(request),
    )
    return Response(
        content=data,
        media_type="application/pdf",
        headers={
            **NO_STORE,
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        },
    )


ROUTES = [
    capture_page,
    upload_page,
    rotate_page,
    move_page,
    keep_page,
    delete_page,
    page_image,
    page_thumbnail,
    component_pdf,
]
