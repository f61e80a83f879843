"""Routes of the supervision report: the dashboard (whole page, or its figures for an HTMX
swap), the XLSX download, the printable report and the point picker. Supervisors and admins
see every point, point managers their organisation's; agents are refused."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, get
from litestar.response import Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.reports import pages, services
from app.reports.xlsx import MEDIA_TYPE
from app.web.i18n import request_locale

READERS = [requires_role(Role.point_manager.value, Role.supervisor.value, Role.admin.value)]
VARY = {"Vary": "HX-Request, HX-Target"}
NO_STORE = {"Cache-Control": "no-store"}


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _refused(request: Request, rr: pages.ReportRequest, *, swap: bool = False) -> Template:
    """The dashboard again with what was typed and what is wrong; for the dashboard's own
    HTMX swap, its figures block with the message (htmx does not swap a 422)."""
    return Template(
        template_name="reports/partials/_figures.html" if swap else "reports/dashboard.html",
        context=pages.dashboard_context(request, rr, None),
        status_code=200 if swap else 422,
        headers=VARY,
    )


@get(pages.DASHBOARD, guards=READERS)
async def dashboard(request: Request) -> Response:
    rr = await pages.read_request(request)
    swap = pages.is_figures_swap(request)
    if rr.filters is None:
        return _refused(request, rr, swap=swap)
    report = await services.report_for(rr.user, rr.filters, rr.visible)
    return Template(
        template_name="reports/partials/_figures.html" if swap else "reports/dashboard.html",
        context=pages.dashboard_context(request, rr, report),
        headers=VARY,
    )


@get(pages.XLSX, guards=READERS)
async def report_xlsx(request: Request) -> Response:
    rr = await pages.read_request(request)
    if rr.filters is None:
        return _refused(request, rr)
    report, data = await services.report_export_xlsx(
        user=rr.user,
        filters=rr.filters,
        visible=rr.visible,
        locale=request_locale(request),
        ip=_ip(request),
    )
    filename = quote(f"bao-cao-dai-ly-{report.period.key}.xlsx")
    disposition = f"attachment; filename*=UTF-8''{filename}"
    return Response(
        content=data,
        media_type=MEDIA_TYPE,
        headers={**NO_STORE, "Content-Disposition": disposition},
    )


@get(pages.PRINT, guards=READERS)
async def report_printable(request: Request) -> Response:
    rr = await pages.read_request(request)
    if rr.filters is None:
        return _refused(request, rr)
    report = await services.report_print(
        user=rr.user, filters=rr.filters, visible=rr.visible, ip=_ip(request)
    )
    return Template(
        template_name="reports/print.html",
        context=pages.report_context(request, report),
        headers=NO_STORE,
    )


@get(pages.CHOOSE_POINTS, guards=READERS)
async def choose_points(request: Request) -> Response:
    rr = await pages.read_request(request)
    return Template(
        template_name="reports/choose_points.html", context=pages.choose_points_context(rr)
    )


@get(pages.OVERDUE_PAGE, guards=READERS)
async def overdue(request: Request) -> Response:
    """The dashboard's overdue list (loaded when scrolled to), or a page of its own."""
    rr = await pages.read_request(request)
    if rr.filters is None:
        return _refused(request, rr)
    report = await services.overdue_for(rr.user, rr.filters, rr.visible)
    swap = request.headers.get("hx-request") == "true"
    return Template(
        template_name="reports/partials/_overdue.html" if swap else "reports/overdue.html",
        context=pages.overdue_context(request, report),
        headers=VARY,
    )


@get(pages.DEFINITIONS_PAGE, guards=READERS)
async def definitions(request: Request) -> Response:
    """How every figure is counted: the dashboard's footnotes (loaded into it when opened, or
    a page of their own without JavaScript)."""
    swap = request.headers.get("hx-request") == "true"
    return Template(
        template_name="reports/partials/_definitions.html" if swap else "reports/definitions.html",
        context={"definitions": pages.DEFINITIONS, "dashboard_url": pages.DASHBOARD},
        headers=VARY,
    )


ROUTES = [dashboard, report_xlsx, report_printable, choose_points, overdue, definitions]
