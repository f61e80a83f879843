"""A citizen's phone finds the nearest agent points: the browser gives its location and the
server sorts the demo's active points by distance."""

from __future__ import annotations

from tests.e2e.conftest import PHONE, screenshot_path

HOAN_KIEM = {"latitude": 21.0285, "longitude": 105.8542}


async def test_nearest_points_first_from_the_phones_location(live_server, browser):
    context = await browser.new_context(**PHONE, geolocation=HOAN_KIEM, permissions=["geolocation"])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        await page.goto(f"{live_server}/")
        await page.get_by_role("link", name="Tìm điểm đại lý").first.click()
        await page.wait_for_url(f"{live_server}/diem-dai-ly")
        await page.get_by_role("button", name="Gần tôi nhất").click()
        await page.wait_for_url("**/diem-dai-ly?*lat=21.02850*")
        titles = await page.locator(".finder-list .list-title").all_inner_texts()
        assert titles[0] == "Điểm Công nghệ Số Đông Anh"  # ~12 km from Hoàn Kiếm
        assert titles[-1] == "Điểm Bưu điện Ba Vì"  # ~49 km
        assert "Điểm Bưu điện Gia Lâm" not in titles  # under review, not open to the public
        assert await page.get_by_text("Cách khoảng 12,0 km").count() == 1
        await page.screenshot(path=screenshot_path("finder-nearest"), full_page=True)
        assert not errors, errors
    finally:
        await context.close()


async def test_the_district_filter_works_without_javascript(live_server, browser):
    context = await browser.new_context(**PHONE, java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/diem-dai-ly")
        assert not await page.get_by_role("button", name="Gần tôi nhất").is_visible()
        await page.get_by_label("Quận, huyện").select_option(label="Sóc Sơn (1)")
        await page.get_by_role("button", name="Xem các điểm").click()
        await page.wait_for_url("**/diem-dai-ly?quan=016*")
        titles = await page.locator(".finder-list .list-title").all_inner_texts()
        assert titles == ["Điểm Bưu điện Sóc Sơn"]
    finally:
        await context.close()
