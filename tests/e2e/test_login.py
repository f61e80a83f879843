"""A phone-sized browser: the demo agent signs in and lands on the agent home."""

from __future__ import annotations

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import screenshot_path


async def test_demo_agent_signs_in_on_a_phone(live_server, phone):
    response = await phone.goto(f"{live_server}/dang-nhap")
    assert response.status == 200
    assert await phone.title() == "Đăng nhập cho cán bộ, nhân viên · Đại lý dịch vụ công"

    await phone.get_by_label("Tên đăng nhập").fill("daily.bavi")
    await phone.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    await phone.get_by_role("button", name="Đăng nhập").click()

    await phone.wait_for_url(f"{live_server}/dai-ly")
    heading = phone.get_by_role("heading", level=1)
    assert await heading.inner_text() == "Điểm Bưu điện Ba Vì"
    assert await phone.get_by_text("Nguyễn Thị Hoa").is_visible()
    # Readable at 360 px: nothing overflows sideways.
    overflow = await phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # htmx loaded (vendored, same origin) and the CSP let everything run.
    assert await phone.evaluate("typeof window.htmx === 'object' && htmx.version") == "2.0.11"
    assert phone.console_errors == []
    await phone.screenshot(path=screenshot_path("agent-home-phone"), full_page=True)


async def test_wrong_password_shows_a_vietnamese_message(live_server, phone):
    await phone.goto(f"{live_server}/dang-nhap")
    await phone.get_by_label("Tên đăng nhập").fill("daily.bavi")
    await phone.get_by_label("Mật khẩu").fill("khong-dung")
    await phone.get_by_role("button", name="Đăng nhập").click()
    alert = phone.get_by_role("alert")
    await alert.wait_for()
    assert "Sai tên đăng nhập hoặc mật khẩu." in await alert.inner_text()
    assert await phone.get_by_label("Tên đăng nhập").input_value() == "daily.bavi"
