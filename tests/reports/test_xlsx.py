"""The XLSX a supervisor downloads: opened with openpyxl and read cell by cell against the
hand-computed network, and compared figure by figure with the dashboard."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from app.audit.tables import AuditEvent
from app.reports.figures import HANDLING_COLUMNS, QUALITY_COLUMNS
from app.reports.pages import fmt
from tests import factories
from tests.reports.support import build_network, figure_rows

Q3 = {"loai": "quy", "quy": "2025-Q3"}
XLSX = "/giam-sat/tong-quan/bao-cao.xlsx"


async def _download(client, role: str, **kw):
    username = f"x.{role}.{next(factories._seq)}"
    await factories.user(role=role, username=username, **kw)
    await client.login(username)
    response = await client.get(f"{XLSX}?{urlencode(Q3)}")
    assert response.status_code == 200, response.text[:500]
    return response, load_workbook(io.BytesIO(response.content))


async def test_the_workbook_cell_by_cell(client):
    await build_network()
    response, wb = await _download(client, "supervisor")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "bao-cao-dai-ly-2025-Q3.xlsx" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    assert wb.sheetnames == [
        "Theo điểm",
        "Theo quận, huyện",
        "Hài lòng, kiểm tra",
        "Theo tháng",
        "Cách tính",
    ]

    ws = wb["Theo điểm"]
    assert ws["A1"].value == (
        "Tình hình, kết quả giải quyết thủ tục hành chính tại các điểm đại lý dịch vụ công "
        "trực tuyến"
    )
    assert ws["A2"].value == "Kỳ báo cáo: Quý III/2025 (01/07/2025 đến 30/09/2025)"
    assert ws["A3"].value == "Tất cả các điểm bạn theo dõi · 3 điểm"
    assert ws["A4"].value.startswith("Lập lúc ")
    # the header: groups over their columns, as in the periodic report
    assert [ws.cell(row=6, column=c).value for c in range(1, 6)] == [
        "STT",
        "Mã điểm",
        "Điểm đại lý",
        "Quận, huyện",
        "Tổ chức",
    ]
    assert ws["F6"].value == "Số hồ sơ tiếp nhận" and "F6:H6" in ws.merged_cells
    assert [ws[f"{c}7"].value for c in "FGH"] == [
        "Tổng số",
        "Từ kỳ trước chuyển qua",
        "Mới tiếp nhận trong kỳ",
    ]
    assert ws["I6"].value == "Số hồ sơ đã giải quyết"
    assert [ws[f"{c}7"].value for c in "IJKL"] == ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn"]
    assert ws["M6"].value == "Số hồ sơ đang giải quyết"
    assert [ws[f"{c}7"].value for c in "MNO"] == ["Tổng số", "Trong hạn", "Quá hạn"]
    assert [ws[f"{c}7"].value for c in "PQR"] == [
        "Trực tuyến",
        "Trực tiếp, bưu chính",
        "Tỷ lệ trực tuyến",
    ]
    assert [ws[f"{c}6"].value for c in "STU"] == [
        "Rút hoặc dừng xử lý",
        "Số ngày làm việc bình quân",
        "Lượt tư vấn",
    ]
    assert ws.freeze_panes == "F8"
    # P1, row 8: every figure worked out by hand in tests/reports/support.py
    assert [ws.cell(row=8, column=c).value for c in range(1, 5)] == [
        1,
        "DL-R-P1",
        ws["C8"].value,
        "Ba Vì",
    ]
    assert ws["E8"].value == "Bưu điện Hà Nội (thử)"
    assert [ws[f"{c}8"].value for c in "FGHIJKLMNOPQS"] == [9, 2, 7, 4, 1, 2, 1, 4, 2, 2, 6, 1, 1]
    assert ws["R8"].value == pytest.approx(6 / 7)
    assert ws["T8"].value == pytest.approx(2.5)
    assert ws["U8"].value == 2
    assert ws["F8"].number_format == "#,##0"
    assert ws["R8"].number_format == "0.0%"
    assert ws["T8"].number_format == "0.0"
    # P2 and P3
    assert ws["B9"].value == "DL-R-P2" and ws["B10"].value == "DL-R-P3"
    assert [ws[f"{c}9"].value for c in "FHIJKLMPQ"] == [2, 2, 2, 1, 1, 0, 0, 1, 1]
    assert ws["R9"].value == pytest.approx(0.5)
    assert [ws[f"{c}10"].value for c in "GHIJMO"] == [1, 1, 1, 1, 1, 1]
    assert ws["T10"].value == 0
    # the total
    assert ws["C11"].value == "Tổng cộng" and ws["C11"].font.bold
    assert [ws[f"{c}11"].value for c in "FGHIJKLMNOPQSU"] == [
        13, 3, 10, 7, 3, 3, 1, 5, 2, 3, 8, 2, 1, 3,
    ]  # fmt: skip
    assert ws["R11"].value == pytest.approx(0.8)
    assert ws["T11"].value == pytest.approx(15 / 7)
    assert ws["A12"].value is None

    ws = wb["Theo quận, huyện"]
    assert [ws[f"{c}6"].value for c in "ABC"] == ["STT", "Quận, huyện", "Số điểm"]
    assert ws.freeze_panes == "D8"
    assert [ws[f"{c}8"].value for c in "ABCDEF"] == [1, "Ba Vì", 2, 11, 2, 9]
    assert [ws[f"{c}9"].value for c in "ABCDEF"] == [2, "Sóc Sơn", 1, 2, 1, 1]
    assert [ws[f"{c}10"].value for c in "BCD"] == ["Tổng cộng", 3, 13]

    ws = wb["Hài lòng, kiểm tra"]
    assert [ws[f"{c}7"].value for c in "DEFGH"] == [
        "Lượt đánh giá",
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
        "Tỷ lệ hài lòng",
    ]
    assert [ws[f"{c}7"].value for c in "IJ"] == ["Số lượt kiểm tra", "Điểm bình quân (0–100)"]
    assert [ws[f"{c}8"].value for c in "BDEFGIJ"] == ["Ba Vì", 3, 1, 1, 1, 3, 80]
    assert ws["H8"].value == pytest.approx(2 / 3)
    assert [ws[f"{c}9"].value for c in "BDFH"] == ["Sóc Sơn", 1, 1, 1]
    assert ws["J9"].value is None  # no check: nothing to average, not a zero
    assert ws["B10"].value == "Tổng cộng" and ws["H10"].value == pytest.approx(0.75)
    assert ws["A12"].value == "Theo điểm"
    assert ws["B14"].value.startswith("DL-R-P1") and ws["J14"].value == 85
    assert ws["B15"].value.startswith("DL-R-P2") and ws["J15"].value == 70

    ws = wb["Theo tháng"]
    assert ws["A8"].value == "10/2024" and ws["A19"].value == "09/2025"
    assert [ws[f"{c}17"].value for c in "AB"] == ["07/2025", 3]
    assert [ws[f"{c}19"].value for c in "BC"] == [5, 4]

    ws = wb["Cách tính"]
    assert ws["A3"].value == "Kỳ báo cáo"
    assert "Mục tiêu là 80%, đạt khi" in " ".join(str(c.value) for c in ws["B"])


async def test_the_download_is_audited(client):
    await build_network()
    before = await AuditEvent.count()
    await _download(client, "supervisor")
    events = await AuditEvent.select().where(AuditEvent.action == "report_exported")
    assert len(events) == 1 and events[0]["seq"] > before
    event = events[0]
    assert event["object_type"] == "report" and event["object_id"] == "2025-Q3"
    details = (
        event["details"] if isinstance(event["details"], dict) else json.loads(event["details"])
    )
    assert details["format"] == "xlsx" and details["points"] == 3 and details["received"] == 10


async def test_a_point_manager_downloads_only_their_points(client):
    net = await build_network()
    _, wb = await _download(client, "point_manager", organisation_id=net.org_a)
    ws = wb["Theo điểm"]
    assert [ws["B8"].value, ws["B9"].value, ws["C10"].value] == ["DL-R-P1", "DL-R-P3", "Tổng cộng"]
    assert ws["H10"].value == 8
    names = " ".join(str(c.value) for sheet in wb for row in sheet.iter_rows() for c in row)
    assert "DL-R-P2" not in names and "Công ty Số" not in names


async def test_the_workbook_says_what_the_dashboard_says(client):
    """Every handling and quality figure of every district, point and the total, as the
    dashboard prints it and as the XLSX stores it."""
    await build_network()
    _, wb = await _download(client, "supervisor")
    page = await client.page(f"/giam-sat/tong-quan?{urlencode(Q3)}")

    def dashboard(table_id: str, columns) -> dict[str, dict[str, str]]:
        """The table's rows, the given columns only (the dashboard shows handling, satisfaction
        and spot checks in one table; the workbook on separate sheets)."""
        keys = {c.key for c in columns}
        return {
            label: {key: text for key, text in cells.items() if key in keys}
            for label, cells in figure_rows(page.by_id(table_id)).items()
        }

    def workbook(sheet: str, label_col: int, first: int, columns, label=lambda v: v):
        ws = wb[sheet]
        rows = {}
        for r in range(8, ws.max_row + 1):
            name = ws.cell(row=r, column=label_col).value
            if not name:
                break
            rows[label(r, ws)] = {
                c.key: fmt(ws.cell(row=r, column=first + k).value, c.kind)
                for k, c in enumerate(columns)
            }
        return rows

    def point_label(r, ws):
        if ws.cell(row=r, column=2).value is None:
            return ws.cell(row=r, column=3).value  # the total
        return f"{ws.cell(row=r, column=2).value} {ws.cell(row=r, column=3).value}"

    by_point = workbook("Theo điểm", 3, 6, HANDLING_COLUMNS, point_label)
    assert by_point == dashboard("table-points", HANDLING_COLUMNS)
    by_district = workbook(
        "Theo quận, huyện", 2, 4, HANDLING_COLUMNS, lambda r, ws: ws[f"B{r}"].value
    )
    assert by_district == dashboard("table-districts", HANDLING_COLUMNS)
    assert len(by_district) == 3 and len(by_point) == 4
    quality_sheet = workbook(
        "Hài lòng, kiểm tra", 2, 4, QUALITY_COLUMNS, lambda r, ws: ws[f"B{r}"].value
    )
    quality_page = dashboard("table-quality", QUALITY_COLUMNS)
    assert quality_sheet["Tổng cộng"] == quality_page["Tổng cộng"]
    ws = wb["Hài lòng, kiểm tra"]
    for r in range(14, 17):
        label = ws[f"B{r}"].value
        assert {
            c.key: fmt(ws.cell(row=r, column=4 + k).value, c.kind)
            for k, c in enumerate(QUALITY_COLUMNS)
        } == quality_page[label]
