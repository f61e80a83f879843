"""A phone-sized browser: the citizen opens the push invitation's link to a returned dossier
and rates the service; htmx swaps the thank-you in place."""

from __future__ import annotations

from app.feedback.demo import OPEN_TOKEN
from tests.e2e.conftest import screenshot_path


async def test_citizen_rates_from_the_invitation_link(live_server, phone):
    response = await phone.goto(f"{live_server}/theo-doi/{OPEN_TOKEN}?nguon=thong-bao#danh-gia")
    assert response.status == 200
    section = phone.locator("#danh-gia")
    assert await section.get_by_role("heading", level=2).inner_text() == (
        "Đánh giá chất lượng phục vụ"
    )
    overflow = await phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # Sent without a level (the browser's own check taken away): the server explains, in place.
    await phone.evaluate(
        "() => document.querySelectorAll('#danh-gia [required]')"
        ".forEach((e) => e.removeAttribute('required'))"
    )
    await phone.get_by_label("Nhận xét").fill("Phải chờ khá lâu.")
    await phone.get_by_role("button", name="Gửi đánh giá").click()
    summary = section.locator(".error-summary")
    await summary.wait_for()
    assert "Hãy chọn mức độ hài lòng" in await summary.inner_text()
    assert await phone.get_by_label("Nhận xét").input_value() == "Phải chờ khá lâu."
    # A big card is a tap target of its own.
    await section.locator("label.rating-card", has_text="Không hài lòng").click()
    await (
        section.get_by_role("group", name="Thời gian bạn phải chờ (không bắt buộc)")
        .get_by_label("Chưa tốt")
        .check()
    )
    await phone.get_by_role("button", name="Gửi đánh giá").click()
    await section.locator(".rating-summary").wait_for()
    text = await section.inner_text()
    assert "Cảm ơn bạn đã đánh giá" in text and "Không hài lòng" in text
    assert "Phải chờ khá lâu." in text
    assert await section.locator("form").count() == 0
    assert phone.url.endswith(f"/theo-doi/{OPEN_TOKEN}?nguon=thong-bao#danh-gia")
    assert phone.console_errors == []
    await phone.screenshot(path=screenshot_path("rating-thanks-phone"), full_page=True)
    # Reloading shows the recorded rating, not the form.
    await phone.reload()
    assert await phone.locator("#danh-gia form").count() == 0
    assert "Không hài lòng" in await phone.locator("#danh-gia").inner_text()
