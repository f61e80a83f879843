"""On a tablet: the demo supervisor opens the dashboard, narrows it to a district (htmx swaps
the figures in place and the address follows), and downloads the quarter's XLSX, whose
figures are the ones on the screen."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from app.demo import DEMO_PASSWORD
from app.reports.figures import HANDLING_COLUMNS
from app.reports.pages import fmt
from tests.e2e.conftest import CHROMIUM_FLAGS, browser, chromium_path, live_server  # noqa: F401
from tests.reports.support import browser_figure_cells

pytestmark = pytest.mark.e2e

TABLET = {
    "viewport": {"width": 820, "height": 1180},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "accept_downloads": True,
}


async def _cells(page, table_id: str, row_label: str) -> dict[str, str]:
    return await browser_figure_cells(page, table_id, row_label)


async def test_a_supervisor_on_a_tablet_downloads_the_quarter_as_shown(browser, live_server):  # noqa: F811
    context = await browser.new_context(**TABLET)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        await page.goto(f"{live_server}/dang-nhap")
        await page.get_by_label("Tên đăng nhập").fill("giamsat")
        await page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.wait_for_url(f"{live_server}/giam-sat")
        await page.get_by_role("link", name="Tổng quan", exact=True).click()
        await page.wait_for_url(f"{live_server}/giam-sat/tong-quan")
        await page.get_by_text("Số liệu chính").wait_for()
        assert await page.locator("svg.chart").count() == 3

        await page.evaluate("() => { window.notReloaded = true; }")
        await page.get_by_label("Quận, huyện", exact=True).select_option("Ba Vì")
        await page.wait_for_function("() => location.search.includes('huyen=')")
        await page.locator("#report-figures .report-status", has_text="Ba Vì").wait_for()
        assert await page.evaluate("() => window.notReloaded === true")  # swapped, not reloaded
        district = await _cells(page, "table-districts", "Ba Vì")
        total_received = await page.locator("dd[data-figure=received]").inner_text()
        assert district["received"] == total_received.strip()

        async with page.expect_download() as info:
            await page.get_by_role("link", name="Tải báo cáo XLSX").click()
        download = await info.value
        assert download.suggested_filename.startswith("bao-cao-dai-ly-")
        workbook = load_workbook(io.BytesIO((await download.path()).read_bytes()))
        sheet = workbook["Theo quận, huyện"]
        assert sheet["B8"].value == "Ba Vì"
        in_file = {
            column.key: fmt(sheet.cell(row=8, column=4 + k).value, column.kind)
            for k, column in enumerate(HANDLING_COLUMNS)
        }
        assert in_file == district
        assert not errors
    finally:
        await context.close()
