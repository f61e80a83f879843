"""A supervisor's spot check on a tablet-sized Chromium (800 x 1280): the point picker with
the tablet's location, every item answered with big buttons and saved at once, an answer
kept on the tablet while the network is down and saved when it returns, one photo of a
failed item, completion, the page that shows the score, and the score on the dashboard."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

from tests.e2e.conftest import screenshot_path
from tests.reports.support import browser_figure_cells

TABLET = {
    "viewport": {"width": 800, "height": 1280},
    "device_scale_factor": 1.5,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


def notice_board_photo(path) -> str:
    image = Image.new("RGB", (1600, 1200), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 150, 900, 800), fill=(245, 245, 240))
    for y in range(200, 760, 40):
        draw.line((250, y, 850, y), fill=(40, 40, 40), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return str(path)


async def test_supervisor_does_a_spot_check_on_a_tablet(browser, live_server, tmp_path):
    from app.demo import DEMO_PASSWORD

    context = await browser.new_context(
        **TABLET,
        permissions=["geolocation"],
        geolocation={"latitude": 21.2547, "longitude": 105.8453, "accuracy": 18},
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{live_server}/dang-nhap")
    await page.get_by_label("Tên đăng nhập").fill("giamsat")
    await page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{live_server}/giam-sat")

    await page.get_by_role("link", name="Kiểm tra điểm").click()
    await page.wait_for_url(f"{live_server}/giam-sat/kiem-tra")
    await page.get_by_role("link", name="Bắt đầu kiểm tra").click()
    await page.get_by_text("Đã xác định vị trí (± 18 m).").wait_for()
    await page.get_by_role("button", name="Kiểm tra Điểm Bưu điện Sóc Sơn").click()
    await page.wait_for_url(re.compile(r"/giam-sat/kiem-tra/\d+$"))
    check_url = page.url
    await page.locator("html.inspections-ready").wait_for(state="attached")
    assert "21.25470, 105.84530" in await page.locator("dl.facts").inner_text()

    items = page.locator("li.check-item")
    assert await items.count() == 8
    first = items.nth(0)  # opening hours posted: a photo is needed when it fails
    await first.locator("label.result-fail").click()
    await first.get_by_label("Ghi chú").fill("Không thấy bảng giờ làm việc ở cửa.")
    await first.locator(".save-state .saved").wait_for()
    assert await first.locator(".action-fields").is_visible()
    await first.locator("input[data-photo-input]").set_input_files(
        notice_board_photo(tmp_path / "board.jpg")
    )
    await first.locator(".item-photos img.thumb").wait_for()
    for i in range(1, 8):
        await items.nth(i).locator("label.result-pass").click()
    await page.wait_for_function(
        "() => document.getElementById('check-status').dataset.waiting === '0'"
    )
    for i in range(8):
        await items.nth(i).locator(".save-state .saved").wait_for()

    # The network drops: the answer waits on the tablet, then is saved when it returns.
    second = items.nth(1)
    await context.set_offline(True)
    await second.locator("label.result-na").click()
    await second.get_by_text("Chưa lưu: đang chờ kết nối").wait_for()
    assert "1 thay đổi chưa được lưu" in await page.locator("#check-status").inner_text()
    await context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await second.locator(".save-state .saved").wait_for()
    await page.screenshot(path=screenshot_path("spot-check-tablet"), full_page=True)

    # Nothing saved is lost on reload.
    await page.reload()
    assert await page.locator("li.check-item").nth(1).locator("input[value=na]").is_checked()
    assert await page.locator("li.check-item").nth(0).locator("input[value=fail]").is_checked()
    assert "Đã trả lời 8/8 mục." in await page.locator("#answered-count").inner_text()

    await page.locator("html.inspections-ready").wait_for(state="attached")
    await page.get_by_role("button", name="Hoàn thành kiểm tra").click()
    await page.wait_for_url(f"{check_url}?da=xong")
    # Weights: 17 in all, staff badge (1) not applicable, opening hours (2) failed: 14/16.
    score = await page.locator("#check-score").text_content()
    assert " ".join(score.split()) == "Điểm 87,5/100"
    assert "Đã hoàn thành kiểm tra." in await page.locator("main").inner_text()
    assert await page.locator("img.thumb").count() == 1
    await page.screenshot(path=screenshot_path("spot-check-score"), full_page=True)

    # The dashboard (this quarter, the default period) counts the check against the point.
    await page.get_by_role("link", name="Tổng quan").click()
    await page.wait_for_url(f"{live_server}/giam-sat/tong-quan")
    cells = await browser_figure_cells(page, "table-quality", "Điểm Bưu điện Sóc Sơn")
    assert cells["spot_check_score"] == "87,5"
    await page.screenshot(path=screenshot_path("spot-check-dashboard"), full_page=True)
    assert not errors, errors
    await context.close()
