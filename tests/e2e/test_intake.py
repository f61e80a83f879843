"""The whole intake on a phone: find a procedure typed without diacritics, fill the applicant
from the CCCD QR, submit through the portal simulator, print the receipt; then a citizen's
phone scans the receipt's QR code and watches the status change as the portal advances."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, screenshot_path

QR = "001190012345|012345678|Nguyễn Thị Lan|14031990|Nữ|Thôn 3, xã Tây Đằng, Ba Vì, Hà Nội|20042021"
CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")


async def test_intake_receipt_and_citizen_status(live_server, browser, phone):
    agent = phone
    await agent.goto(f"{live_server}/dang-nhap")
    await agent.get_by_label("Tên đăng nhập").fill("daily.bavi")
    await agent.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    await agent.get_by_role("button", name="Đăng nhập").click()
    await agent.wait_for_url(f"{live_server}/dai-ly")

    # Find the procedure by typing without diacritics; results arrive as the agent types.
    await agent.get_by_role("link", name="Tạo hồ sơ mới").click()
    await agent.wait_for_url(f"{live_server}/thu-tuc")
    await agent.get_by_role("searchbox").press_sequentially("dang ky khai sinh", delay=20)
    create = agent.get_by_role("link", name="Tạo hồ sơ: Đăng ký khai sinh", exact=True)
    await create.wait_for()
    await create.click()
    await agent.wait_for_url(re.compile(r"/ho-so/moi\?thu_tuc=\d+"))

    # The applicant comes from the CCCD's QR text; only the phone is typed.
    await agent.get_by_label("Nội dung mã QR").fill(QR)
    await agent.get_by_role("button", name="Điền từ mã QR").click()
    await agent.wait_for_load_state()
    assert await agent.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Lan"
    assert await agent.get_by_label("Số CCCD").input_value() == "001190012345"
    await agent.get_by_label("Số điện thoại di động").fill("0912 345 678")
    for box in await agent.locator("input[name=received]").all():
        await box.check()
    await agent.get_by_label("Người nộp hồ sơ đã đọc và đồng ý").check()
    await agent.get_by_role("button", name="Tạo hồ sơ").click()
    await agent.get_by_text("Đã tạo hồ sơ.").wait_for()

    await agent.get_by_role("button", name="Đã nhận đủ giấy tờ: sẵn sàng nộp").click()
    await agent.get_by_text("Hồ sơ đã sẵn sàng gửi lên Cổng DVC.").wait_for()
    await agent.get_by_role("button", name="Gửi lên Cổng DVC quốc gia").click()
    await agent.get_by_text("Hồ sơ đã được gửi lên Cổng Dịch vụ công quốc gia.").wait_for()
    code = (await agent.get_by_role("heading", level=1).inner_text()).strip()
    assert CODE.match(code), code
    await agent.screenshot(path=screenshot_path("dossier-submitted-phone"), full_page=True)

    # The receipt: printable, and its QR code scans to the citizen's status page.
    await agent.get_by_role("link", name="Giấy tiếp nhận có mã QR").click()
    await agent.wait_for_url(re.compile(r"/giay-tiep-nhan"))
    assert code in await agent.locator("main").inner_text()
    qr = agent.locator("svg.receipt-qr-code")
    await qr.scroll_into_view_if_needed()
    # The whole page, as a phone camera sees the printout: an element screenshot can be cut
    # off when the layout shifts after its box was measured (the push card appearing).
    shot = await agent.screenshot(path=screenshot_path("receipt-qr"), full_page=True)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(decoded) == 1
    status_url = decoded[0].text
    assert status_url.startswith(f"{live_server}/theo-doi/") and code not in status_url
    await agent.emulate_media(media="print")
    pdf = await agent.pdf(path=str(screenshot_path("receipt").with_suffix(".pdf")), format="A4")
    assert pdf.startswith(b"%PDF")
    await agent.emulate_media(media="screen")

    # A citizen's own phone opens the QR link: no account, masked data, the current step.
    citizen_context = await browser.new_context(**PHONE)
    citizen = await citizen_context.new_page()
    await citizen.goto(status_url)
    body = citizen.locator("main")
    assert "Đã gửi lên Cổng DVC" in await body.inner_text()
    assert "0912345678" not in await body.inner_text()

    # The portal accepts the dossier (its simulator is a developer's tool, used at a desk);
    # the citizen's open status page shows the change without a reload.
    desk = await browser.new_context(viewport={"width": 1280, "height": 800})
    portal = await desk.new_page()
    await portal.goto(f"{live_server}/mo-phong/cong-dvc/sim/")
    row = portal.locator("tr", has_text=code)
    await row.get_by_role("button", name=re.compile("^Chuyển sang")).click()
    await portal.wait_for_load_state()
    await desk.close()
    await citizen.get_by_text("Đã được tiếp nhận").first.wait_for(timeout=15_000)
    assert "Ngày hẹn trả kết quả" in await body.inner_text() or "hẹn" in await body.inner_text()
    await citizen.screenshot(path=screenshot_path("citizen-status-phone"), full_page=True)
    assert agent.console_errors == []
    await citizen_context.close()
