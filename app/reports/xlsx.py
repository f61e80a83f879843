"""The report as an XLSX workbook: a header block, one sheet per breakdown (by point, by
district, satisfaction and spot checks, monthly trend) and the definitions, with number
formats and frozen headers. Every figure comes from the `Report` the dashboard shows."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.figures import (
    COUNT,
    DEFINITIONS,
    HANDLING_COLUMNS,
    PERCENT,
    QUALITY_COLUMNS,
    Column,
    Figures,
)
from app.reports.selectors import Report
from app.reports.wording import REPORT_TITLE, dates_text, period_title, scope_text
from app.web.i18n import N_, Translator, format_datetime, translator

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {COUNT: "#,##0", PERCENT: "0.0%", "decimal": "0.0"}
GROUP_ROW, HEADER_ROW, FIRST_ROW = 6, 7, 8  # rows 1-4: the header block

SHEET_POINTS = N_("By point")
SHEET_DISTRICTS = N_("By district")
SHEET_QUALITY = N_("Satisfaction, checks")
SHEET_MONTHS = N_("Monthly trend")
SHEET_DEFINITIONS = N_("Definitions")

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE6EE")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A0A8B0")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _header_block(ws: Worksheet, report: Report, t: Translator, author: str, points: int) -> None:
    period = report.period
    ws["A1"] = t.gettext(REPORT_TITLE)
    ws["A1"].font = Font(bold=True, size=14)
    line = f"{t.gettext(N_('Period'))}: {period_title(period, t)} ({dates_text(period, t)})"
    if report.is_running:
        line += " · " + t.gettext(N_("counted up to %(day)s")) % {
            "day": report.counted_until.strftime("%d/%m/%Y")
        }
    ws["A2"] = line
    ws["A3"] = scope_text(report.filters, points, t)
    ws["A4"] = t.gettext(N_("Made at %(time)s by %(name)s")) % {
        "time": format_datetime(report.generated_at),
        "name": author,
    }


def _table_header(ws: Worksheet, labels: Sequence[str], columns: Sequence[Column], t) -> None:
    """Row 7: the labels then each column's name; row 6: the group above its columns."""
    first = len(labels) + 1
    for i, label in enumerate(labels, start=1):
        ws.merge_cells(start_row=GROUP_ROW, start_column=i, end_row=HEADER_ROW, end_column=i)
        ws.cell(row=GROUP_ROW, column=i, value=label)
    start = 0
    while start < len(columns):
        end = start
        while (
            columns[start].group
            and end + 1 < len(columns)
            and columns[end + 1].group == columns[start].group
        ):
            end += 1
        col = first + start
        if columns[start].group:
            ws.cell(row=GROUP_ROW, column=col, value=t.gettext(columns[start].group))
            if end > start:
                ws.merge_cells(
                    start_row=GROUP_ROW, start_column=col, end_row=GROUP_ROW, end_column=first + end
                )
            for k in range(start, end + 1):
                ws.cell(row=HEADER_ROW, column=first + k, value=t.gettext(columns[k].label))
        else:
            ws.merge_cells(
                start_row=GROUP_ROW, start_column=col, end_row=HEADER_ROW, end_column=col
            )
            ws.cell(row=GROUP_ROW, column=col, value=t.gettext(columns[start].label))
        start = end + 1
    for row in (GROUP_ROW, HEADER_ROW):
        for col in range(1, first + len(columns)):
            cell = ws.cell(row=row, column=col)
            cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, WRAP, BOX
    ws.row_dimensions[HEADER_ROW].height = 45


def _write_row(
    ws: Worksheet, row: int, labels: Sequence, figures: Figures, columns, *, total=False
) -> None:
    # Only the number format per cell: openpyxl hashes every border or font it is given, which
    # for a whole network's rows costs more than the report's queries (the sheet keeps the
    # grid lines instead).
    for col, value in enumerate(labels, start=1):
        ws.cell(row=row, column=col, value=value)
    first = len(labels) + 1
    for k, column in enumerate(columns):
        cell = ws.cell(row=row, column=first + k, value=figures.value(column.key))
        cell.number_format = FORMATS[column.kind]
    if total:
        for col in range(1, first + len(columns)):
            ws.cell(row=row, column=col).font = BOLD
            ws.cell(row=row, column=col).fill = TOTAL_FILL


def _sheet(
    wb: Workbook,
    title: str,
    report: Report,
    t: Translator,
    author: str,
    *,
    labels: Sequence[str],
    rows: Sequence[tuple[Sequence, Figures]],
    columns: Sequence[Column],
    widths: Sequence[int],
    total_label: Sequence,
) -> Worksheet:
    ws = wb.create_sheet(t.gettext(title)[:31])
    _header_block(ws, report, t, author, len(report.points))
    _table_header(ws, [t.gettext(label) for label in labels], columns, t)
    row = FIRST_ROW
    for values, figures in rows:
        _write_row(ws, row, values, figures, columns)
        row += 1
    _write_row(ws, row, total_label, report.total, columns, total=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for k in range(len(columns)):
        ws.column_dimensions[get_column_letter(len(labels) + 1 + k)].width = 12
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=len(labels) + 1)
    ws.print_options.gridLines = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    return ws


def _months_sheet(wb: Workbook, report: Report, t: Translator, author: str) -> None:
    ws = wb.create_sheet(t.gettext(SHEET_MONTHS)[:31])
    _header_block(ws, report, t, author, len(report.points))
    heads = (N_("Month"), N_("Received"), N_("Online"), N_("Online share"))
    for col, label in enumerate(heads, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=t.gettext(label))
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, WRAP, BOX
    for i, month in enumerate(report.months):
        row = FIRST_ROW + i
        ws.cell(row=row, column=1, value=f"{month.first_day:%m/%Y}")
        for col, value, kind in (
            (2, month.received, COUNT),
            (3, month.received_online, COUNT),
            (4, month.online_share, PERCENT),
        ):
            ws.cell(row=row, column=col, value=value).number_format = FORMATS[kind]
    for col, width in zip("ABCD", (12, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{FIRST_ROW}"


def _definitions_sheet(wb: Workbook, t: Translator) -> None:
    ws = wb.create_sheet(t.gettext(SHEET_DEFINITIONS)[:31])
    ws["A1"] = t.gettext(N_("How the figures are counted"))
    ws["A1"].font = Font(bold=True, size=14)
    for i, (name, text) in enumerate(DEFINITIONS, start=3):
        ws.cell(row=i, column=1, value=t.gettext(name)).font = BOLD
        ws.cell(row=i, column=2, value=t.gettext(text)).alignment = Alignment(wrap_text=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100


def report_workbook(report: Report, *, locale: str, author: str) -> bytes:
    t = translator(locale)
    wb = Workbook()
    wb.remove(wb.active)
    total = t.gettext(N_("Grand total"))
    _sheet(
        wb,
        SHEET_POINTS,
        report,
        t,
        author,
        labels=(N_("No."), N_("Code"), N_("Agent point"), N_("District"), N_("Organisation")),
        rows=[
            ((i, p.code, p.name, p.district, p.organisation), p.figures)
            for i, p in enumerate(report.points, start=1)
        ],
        columns=HANDLING_COLUMNS,
        widths=(6, 14, 32, 16, 28),
        total_label=("", "", total, "", ""),
    )
    _sheet(
        wb,
        SHEET_DISTRICTS,
        report,
        t,
        author,
        labels=(N_("No."), N_("District"), N_("Points")),
        rows=[((i, d.name, d.points), d.figures) for i, d in enumerate(report.districts, start=1)],
        columns=HANDLING_COLUMNS,
        widths=(6, 22, 9),
        total_label=("", total, len(report.points)),
    )
    quality = _sheet(
        wb,
        SHEET_QUALITY,
        report,
        t,
        author,
        labels=(N_("No."), N_("District"), N_("Points")),
        rows=[((i, d.name, d.points), d.figures) for i, d in enumerate(report.districts, start=1)],
        columns=QUALITY_COLUMNS,
        widths=(6, 22, 9),
        total_label=("", total, len(report.points)),
    )
    _quality_by_point(quality, report, t)
    _months_sheet(wb, report, t, author)
    _definitions_sheet(wb, t)
    wb.properties.title = t.gettext(REPORT_TITLE)
    wb.properties.creator = author
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _quality_by_point(ws: Worksheet, report: Report, t: Translator) -> None:
    """Below the districts and the total, the same columns point by point."""
    start = FIRST_ROW + len(report.districts) + 3
    ws.cell(row=start - 1, column=1, value=t.gettext(N_("By point"))).font = BOLD
    heads = [t.gettext(N_("No.")), t.gettext(N_("Agent point")), t.gettext(N_("District"))]
    heads += [t.gettext(c.label) for c in QUALITY_COLUMNS]
    for col, label in enumerate(heads, start=1):
        cell = ws.cell(row=start, column=col, value=label)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, WRAP, BOX
    for i, p in enumerate(report.points, start=1):
        _write_row(ws, start + i, (i, f"{p.code} {p.name}", p.district), p.figures, QUALITY_COLUMNS)
