"""The printed receipt: what it says, its QR code, and who may open it."""

from __future__ import annotations

import datetime as dt
import re

import segno

from app.tracking.receipt import qr_svg
from tests import factories
from tests.tracking.support import TOKEN, set_dossier


def _path_of(svg: str) -> str:
    """The dark modules (the last path; a light background, when drawn, comes first)."""
    return re.findall(r' d="([^"]+)"', svg)[-1]


async def test_receipt_says_what_the_citizen_needs_in_vietnamese(client, submitted, settings):
    await client.login("daily.a")
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan")
    text = page.text
    assert page.title.startswith("Giấy tiếp nhận")
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in text
    assert "Điểm đại lý dịch vụ công trực tuyến" in text and "DL-BV-001" in text
    code = page.doc.find(".//p[@class='receipt-code']")
    assert code is not None and code.text == "000.00.26.H26-251123-0001"
    assert "Nguyễn Văn An" in text
    assert "0xx xxx x678" in text and "0912345678" not in text
    assert "xxx xxx xxx 345" in text and "001090012345" not in text
    assert "Đăng ký khai sinh" in text
    assert "3 ngày làm việc" in text
    assert "8.000 ₫" in text
    assert "Số bộ hồ sơ" in text
    # Only the documents ticked as received, with their kind and count.
    rows = [
        [re.sub(r"\s+", " ", "".join(td.itertext())).strip() for td in tr.iter("td")]
        for tr in page.doc.iter("tr")
        if list(tr.iter("td"))
    ]
    assert [r[1] for r in rows] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert "Giấy tờ không mang theo" not in text
    assert "Sẽ có khi cơ quan tiếp nhận hồ sơ" in text  # no appointment date yet
    assert "Tại cơ quan giải quyết hoặc điểm đại lý" in text
    assert "MIỄN PHÍ" in text and "Trung tâm Phục vụ hành chính công" in text
    assert "Nhận thông báo" in text and "iPhone" in text
    assert "Người nộp hồ sơ" in text and "Người tiếp nhận" in text
    assert f"{settings.public_base_url}/tra-cuu" in text


async def test_receipt_qr_code_links_to_the_status_page_by_token_only(client, submitted, settings):
    await client.login("daily.a")
    response = await client.get(f"/ho-so/{submitted}/giay-tiep-nhan")
    svg = re.search(r"<svg[^>]*receipt-qr-code.*?</svg>", response.text, re.S).group(0)
    expected = segno.make(f"{settings.public_base_url}/theo-doi/{TOKEN}", error="m", micro=False)
    # Same modules as a QR code made for the status URL: the code encodes exactly that link.
    assert _path_of(svg) == _path_of(expected.svg_inline(border=4, omitsize=True))
    assert "000.00.26.H26" not in svg and "0912345678" not in response.text
    assert 'role="img"' in svg and "<title>Mã QR để theo dõi hồ sơ này</title>" in svg
    assert "style=" not in svg  # the CSP forbids style attributes; CSS sizes the code


def test_qr_code_svg_has_no_fixed_size():
    svg = str(qr_svg("https://example.vn/theo-doi/abc", title="QR <x>"))
    assert 'width="' not in svg.split(">")[0] and "viewBox" in svg
    assert "<title>QR &lt;x&gt;</title>" in svg


async def test_receipt_shows_the_appointment_and_delivery_by_post(client, submitted):
    await set_dossier(
        submitted,
        status="received",
        due_date=dt.date(2025, 12, 3),
        received_at=dt.datetime(2025, 11, 28, 2, 15, tzinfo=dt.UTC),
        result_delivery="post",
    )
    await client.login("daily.a")
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan")
    assert "03/12/2025" in page.text
    assert "09:15 28/11/2025" in page.text
    assert "Gửi qua dịch vụ bưu chính công ích" in page.text


async def test_receipt_before_submission_shows_the_agent_reference(client, point_agent):
    _, agent_id = point_agent
    dossier_id = await factories.dossier(agent_id=agent_id, status="draft")
    await client.login("daily.a")
    page = await client.page(f"/ho-so/{dossier_id}/giay-tiep-nhan")
    code = page.doc.find(".//p[@class='receipt-code']").text
    assert code.startswith("DL-T-")
    assert "Hồ sơ chưa được gửi lên Cổng dịch vụ công" in page.text
    assert "Chưa ghi nhận giấy tờ nào." in page.text


async def test_receipt_prints_on_a4_or_a5(client, submitted):
    await client.login("daily.a")
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan")
    assert page.doc.find(".//article").get("class") == "receipt receipt-a4"
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan?kho=a5")
    assert page.doc.find(".//article").get("class") == "receipt receipt-a5"
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan?kho=<b>")
    assert page.doc.find(".//article").get("class") == "receipt receipt-a4"
    # The print button is shown by an external script only; no inline script or style.
    button = page.doc.find(".//button[@data-print]")
    assert button is not None and button.get("hidden") is not None
    assert all(s.get("src") for s in page.doc.iter("script"))
    assert any("js/print." in s.get("src") for s in page.doc.iter("script"))
    assert not [el for el in page.doc.iter() if el.get("style")]
    assert page.headers["cache-control"] == "no-store"


async def test_a_boosted_click_loads_the_receipt_as_a_whole_page(client, submitted):
    await client.login("daily.a")
    response = await client.get(
        f"/ho-so/{submitted}/giay-tiep-nhan?kho=a5",
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/ho-so/{submitted}/giay-tiep-nhan?kho=a5"
    assert response.text == ""


async def test_another_points_agent_gets_404(client, submitted):
    await factories.user(role="agent", username="daily.b")
    await client.login("daily.b")
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan", status=404)
    assert "Nguyễn Văn An" not in page.text


async def test_point_manager_sees_only_their_organisations_receipts(client, submitted, point_agent):
    from app.points.tables import AgentPoint

    point_id, _ = point_agent
    org = (
        await AgentPoint.select(AgentPoint.organisation).where(AgentPoint.id == point_id).first()
    )["organisation"]
    await factories.user(role="point_manager", username="ql.a", organisation_id=org)
    await factories.user(role="point_manager", username="ql.b")
    await client.login("ql.b")
    await client.page(f"/ho-so/{submitted}/giay-tiep-nhan", status=404)
    await client.login("ql.a")
    await client.page(f"/ho-so/{submitted}/giay-tiep-nhan")


async def test_supervisor_may_open_any_receipt(client, submitted):
    await factories.user(role="supervisor", username="gs.a")
    await client.login("gs.a")
    page = await client.page(f"/ho-so/{submitted}/giay-tiep-nhan")
    assert "000.00.26.H26-251123-0001" in page.text


async def test_anonymous_visitor_is_sent_to_sign_in(client, submitted):
    response = await client.get(f"/ho-so/{submitted}/giay-tiep-nhan", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dang-nhap?next=/ho-so/{submitted}/giay-tiep-nhan"


async def test_unknown_dossier_is_404(client, point_agent):
    await client.login("daily.a")
    await client.page("/ho-so/999999/giay-tiep-nhan", status=404)
