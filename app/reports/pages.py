"""Builds the report pages for the controllers: the filters read from the query string, and
the figures, charts and words the templates show."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from litestar import Request

from app.reports import charts, selectors
from app.reports.figures import (
    COUNT,
    DEFINITIONS,
    HANDLING_COLUMNS,
    ONLINE_TARGET,
    PERCENT,
    QUALITY_COLUMNS,
    Column,
    Figures,
)
from app.reports.periods import (
    MSG_POINTS,
    QUARTER,
    FilterForm,
    Filters,
    quarters_offered,
    read_filters,
    today_local,
)
from app.reports.selectors import Report
from app.reports.wording import REPORT_TITLE, dates_text, period_title, scope_text
from app.web.i18n import N_, Translator, format_number, request_locale, translator
from app.web.sessions import CurrentUser

DASHBOARD = "/giam-sat/tong-quan"
XLSX = DASHBOARD + "/bao-cao.xlsx"
PRINT = DASHBOARD + "/in"
CHOOSE_POINTS = DASHBOARD + "/chon-diem"
DEFINITIONS_PAGE = DASHBOARD + "/cach-tinh"
OVERDUE_PAGE = DASHBOARD + "/qua-han"
FIGURES_ID = "report-figures"
POINT_TABLE_LIMIT = 60  # more points than this: the dashboard asks for a district first
# The phase-1 evaluation of the pilot points (implementation plan: 1 Feb – 31 Mar 2025).
PHASE_ONE = {"loai": "khoang", "tu": "2025-02-01", "den": "2025-03-31", "giai_doan": "1"}


@dataclass
class ReportRequest:
    user: CurrentUser
    visible: list[dict]
    form: FilterForm
    filters: Filters | None


async def read_request(request: Request) -> ReportRequest:
    """The reader, the points they may see, and the report the query string asks for."""
    user = request.scope["user"]
    visible = await selectors.points_in_scope(user)
    params = request.query_params
    form, filters = read_filters(
        {key: params.get(key) for key in params},
        params.getall("diem", []),
        districts=sorted({p["district"] for p in visible}),
        phases=sorted({p["phase"] for p in visible}),
        today=today_local(),
    )
    if filters and not set(filters.point_ids) <= {p["id"] for p in visible}:
        form.errors["diem"] = MSG_POINTS
        filters = None
    return ReportRequest(user=user, visible=visible, form=form, filters=filters)


def is_figures_swap(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-target") == FIGURES_ID
        and headers.get("hx-boosted") != "true"
    )


def fmt(value: int | float | None, kind: str = COUNT) -> str:
    """A figure as the tables show it (Vietnamese separators; – when it cannot be computed)."""
    if value is None:
        return "–"
    if kind == PERCENT:
        return f"{format_number(value * 100, 1)}%"
    if kind == COUNT:
        return format_number(value)
    return format_number(value, 1)


def cell(figures: Figures, column: Column) -> str:
    return fmt(figures.value(column.key), column.kind)


def header_groups(columns: tuple[Column, ...]) -> list[tuple[str, int]]:
    """(group msgid, how many columns) in order; a column without a group stands alone
    ("" and 1), its own name spanning both header rows."""
    groups: list[tuple[str, int]] = []
    for column in columns:
        if column.group and groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1] + 1)
        else:
            groups.append((column.group, 1))
    return groups


def _chart_rows(report: Report) -> list[tuple[str, Figures]]:
    """Districts when there are several, else the points of the one district."""
    if len(report.districts) > 1:
        return [(d.name, d.figures) for d in report.districts]
    return [(p.code, p.figures) for p in report.points]


def _charts(report: Report, t: Translator) -> dict:
    rows = _chart_rows(report)
    by = t.gettext(N_("by district")) if len(report.districts) > 1 else t.gettext(N_("by point"))
    period = period_title(report.period, t)
    online = charts.share_bars(
        "chart-online",
        [charts.Bar(label, f.online_share) for label, f in rows],
        title=t.gettext(N_("Share submitted online %(by)s, %(period)s"))
        % {"by": by, "period": period},
        desc=t.gettext(N_("The dashed line is the 80% target; ✓ marks the bars that reach it.")),
        target=ONLINE_TARGET,
        target_label=t.gettext(N_("Target 80%")),
    )
    segments = (
        charts.Segment(t.gettext(N_("Early")), charts.GREEN),
        charts.Segment(t.gettext(N_("On time")), charts.BLUE),
        charts.Segment(t.gettext(N_("Late")), charts.RED),
    )
    resolved = charts.stacked_bars(
        "chart-resolved",
        [
            charts.Stack(label, (f.resolved_early, f.resolved_on_time, f.resolved_late))
            for label, f in rows
        ],
        segments,
        title=t.gettext(N_("Dossiers resolved early, on time and late %(by)s, %(period)s"))
        % {"by": by, "period": period},
        desc=t.gettext(N_("Each bar is 100% of the dossiers resolved; the number is at the end.")),
    )
    months = charts.month_bars(
        "chart-months",
        [(f"{m.first_day:%m/%y}", m.received, m.received_online) for m in report.months],
        title=t.gettext(N_("Dossiers received per month, the last 12 months")),
        desc=t.gettext(N_("The dark part of each bar was submitted online.")),
        online_name=t.gettext(N_("Online")),
        other_name=t.gettext(N_("In person or postal")),
    )
    return {"online": online, "resolved": resolved, "months": months}


def _overdue_days(report: Report) -> list[dict]:
    for row in report.overdue:
        row["days_overdue"] = (report.overdue_before - row["due_date"]).days
    return report.overdue


def report_context(request: Request, report: Report) -> dict:
    t = translator(request_locale(request))
    filters = report.filters
    return {
        "report": report,
        "title": t.gettext(REPORT_TITLE),
        "period_title": period_title(report.period, t),
        "period_dates": dates_text(report.period, t),
        "scope": scope_text(filters, len(report.points), t),
        "query": urlencode(filters.query()),
        "handling_columns": HANDLING_COLUMNS,
        "handling_groups": header_groups(HANDLING_COLUMNS),
        "quality_groups": header_groups(QUALITY_COLUMNS),
        "quality_columns": QUALITY_COLUMNS,
        "definitions": DEFINITIONS,
        "definitions_url": DEFINITIONS_PAGE,
        "cell": cell,
        "fmt": fmt,
        "show_points": bool(filters.district or filters.point_ids)
        or len(report.points) <= POINT_TABLE_LIMIT,
        "overdue": _overdue_days(report),
        "overdue_url": f"{OVERDUE_PAGE}?{urlencode(filters.query())}",
        "district_rows": [((d.name, d.points), d.figures) for d in report.districts],
        "point_rows": [((f"{p.code} {p.name}", p.district), p.figures) for p in report.points],
    }


def overdue_context(request: Request, report: Report) -> dict:
    """The overdue list alone: swapped into the dashboard, or a page without JavaScript."""
    t = translator(request_locale(request))
    return {
        "overdue": _overdue_days(report),
        "period_title": period_title(report.period, t),
        "period_dates": dates_text(report.period, t),
        "scope": scope_text(report.filters, len(report.points), t),
        "dashboard_url": f"{DASHBOARD}?{urlencode(report.filters.query())}",
    }


def dashboard_context(request: Request, rr: ReportRequest, report: Report | None) -> dict:
    t = translator(request_locale(request))
    today = today_local()
    quarters = quarters_offered(today)
    if rr.filters and rr.filters.period.kind == QUARTER and rr.filters.period not in quarters:
        quarters.append(rr.filters.period)  # an older quarter named in the address
    context = {
        "values": rr.form.values,
        "errors": rr.form.errors,
        "chosen_points": rr.form.point_ids,
        "quarters": [(p.key, period_title(p, t)) for p in quarters],
        "districts": sorted({p["district"] for p in rr.visible}),
        "phases": sorted({p["phase"] for p in rr.visible}),
        "phase_one_url": f"{DASHBOARD}?{urlencode(PHASE_ONE)}",
        "figures_id": FIGURES_ID,
        "max_day": today.isoformat(),
        "report": None,
    }
    if report is not None:
        context.update(report_context(request, report))
        context["charts"] = _charts(report, t)
    return context


def choose_points_context(rr: ReportRequest) -> dict:
    chosen = {str(i) for i in rr.form.point_ids}
    keep = {k: v for k, v in rr.form.values.items() if v and k != "diem"}
    return {
        "points": rr.visible,
        "chosen": chosen,
        "keep": keep,
        "values": rr.form.values,
    }
