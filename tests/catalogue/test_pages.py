"""The agents' catalogue pages through the real app: search with and without JavaScript,
the HTMX results fragment, the procedure page."""

from __future__ import annotations

from app.catalogue.services import procedure_retire
from tests import factories
from tests.catalogue.support import component, procedure


async def _agent(client) -> None:
    await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")


async def _sample() -> dict[str, int]:
    return {
        "birth": await procedure(
            name="Đăng ký khai sinh",
            code="1.001193",
            components=[
                component("Tờ khai đăng ký khai sinh"),
                component("Giấy chứng sinh", is_greyscale=False, note="Bản chính"),
            ],
        ),
        "stay": await procedure(
            name="Đăng ký tạm trú",
            code="1.004194",
            field="Đăng ký, quản lý cư trú",
            processing_days=3,
            fee_amount=7000,
        ),
        "signature": await procedure(
            name="Chứng thực chữ ký",
            code="2.000884",
            field="Chứng thực",
            fee_amount=10000,
            agent_allowed=False,
        ),
    }


async def test_search_page_lists_procedures_with_time_and_fee(client):
    await _sample()
    await _agent(client)
    page = await client.page("/thu-tuc")
    assert page.title.startswith("Tra cứu thủ tục")
    assert "Không cần gõ dấu" in page.text
    results = page.text_of("catalogue-results")
    assert "Đăng ký khai sinh" in results and "Đăng ký tạm trú" in results
    assert "3 ngày làm việc" in results and "7.000 ₫" in results and "Trong ngày" in results
    box = page.by_id("f-q")
    assert box.get("hx-get") == "/thu-tuc/tim"
    assert box.get("hx-trigger") == "input changed delay:250ms, search"
    assert page.by_id("catalogue-results").get("aria-live") == "polite"


async def test_search_works_without_javascript(client):
    ids = await _sample()
    await _agent(client)
    page = await client.page("/thu-tuc?q=KHAI+SINH")
    assert page.by_id("f-q").get("value") == "KHAI SINH"
    results = page.text_of("catalogue-results")
    assert "Tìm thấy 1 thủ tục" in results
    assert "Đăng ký khai sinh" in results and "Đăng ký tạm trú" not in results
    links = [a.get("href") for a in page.select_all("a")]
    assert f"/ho-so/moi?thu_tuc={ids['birth']}" in links
    assert f"/thu-tuc/{ids['birth']}" in links


async def test_htmx_gets_only_the_results_fragment(client):
    await _sample()
    await _agent(client)
    page = await client.page("/thu-tuc/tim?q=dang+ky+khai+sinh", htmx=True)
    assert "<html" not in page.response.text and "<body" not in page.response.text
    assert "Đăng ký khai sinh" in page.text and "Tạo hồ sơ" in page.text
    assert "HX-Request" in page.headers["vary"]
    assert page.headers["hx-replace-url"] == "/thu-tuc?q=dang+ky+khai+sinh"
    page = await client.page("/thu-tuc/tim?q=1.004194", htmx=True)
    assert "Đăng ký tạm trú" in page.text and "Đăng ký khai sinh" not in page.text


async def test_the_fragment_url_without_htmx_goes_to_the_full_page(client):
    await _agent(client)
    response = await client.get("/thu-tuc/tim?q=tạm trú", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/thu-tuc?q=t%E1%BA%A1m+tr%C3%BA"
    assert "HX-Request" in response.headers["vary"]


async def test_no_match_says_what_to_try(client):
    await _sample()
    await _agent(client)
    page = await client.page("/thu-tuc/tim?q=ho+chieu", htmx=True)
    assert "Không tìm thấy thủ tục nào khớp với “ho chieu”." in page.text
    assert "gõ mã thủ tục" in page.text


async def test_procedures_not_done_at_agent_points_have_no_create_button(client):
    ids = await _sample()
    await _agent(client)
    page = await client.page("/thu-tuc/tim?q=chung+thuc", htmx=True)
    assert "Không làm tại điểm đại lý" in page.text
    assert f"/ho-so/moi?thu_tuc={ids['signature']}" not in page.response.text


async def test_retired_procedures_are_not_found_but_stay_readable(client):
    ids = await _sample()
    await procedure_retire(procedure_id=ids["birth"])
    await _agent(client)
    page = await client.page("/thu-tuc?q=khai+sinh")
    assert "Đăng ký khai sinh" not in page.text_of("catalogue-results")
    page = await client.page(f"/thu-tuc/{ids['birth']}")
    assert "Thủ tục này đã ngừng áp dụng." in page.text
    assert "/ho-so/moi" not in page.response.text


async def test_procedure_page_lists_the_documents(client):
    ids = await _sample()
    await _agent(client)
    page = await client.page(f"/thu-tuc/{ids['birth']}")
    assert page.title.startswith("Đăng ký khai sinh")
    assert "1.001193" in page.text and "Hộ tịch" in page.text and "Cấp xã" in page.text
    assert "Trực tuyến toàn trình" in page.text
    assert "Tờ khai đăng ký khai sinh" in page.text and "Giấy chứng sinh" in page.text
    assert "1 × Bản chính" in page.text and "Bắt buộc" in page.text
    assert "Chụp màu" in page.text
    create = page.select_all("a", href=f"/ho-so/moi?thu_tuc={ids['birth']}")
    assert create and "Tạo hồ sơ" in "".join(create[0].itertext())


async def test_unknown_or_absurd_ids_are_404(client):
    await _agent(client)
    for url in ("/thu-tuc/999999", "/thu-tuc/99999999999999999999999"):
        page = await client.page(url, status=404)
        assert "Không tìm thấy" in page.text


async def test_huge_and_odd_queries_do_not_break_the_page(client):
    await _sample()
    await _agent(client)
    for query in ("x" * 5000, "%25%25%25", "' OR 1=1 --", "\u0000", "😀 khai sinh"):
        await client.page("/thu-tuc", params={"q": query})
        await client.page("/thu-tuc/tim", params={"q": query}, htmx=True)


async def test_every_staff_role_may_search_and_anonymous_is_sent_to_login(client):
    await _sample()
    response = await client.get("/thu-tuc", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")
    await factories.user(role="supervisor", username="giamsat1")
    await client.login("giamsat1")
    page = await client.page("/thu-tuc?q=tam+tru")
    assert "Đăng ký tạm trú" in page.text
    assert "/ho-so/moi" not in page.response.text  # only agents open dossiers


async def test_english_interface(client):
    await _sample()
    await _agent(client)
    await client.submit("/ngon-ngu", {"lang": "en", "next": "/thu-tuc"})
    page = await client.page("/thu-tuc?q=tam+tru")
    assert page.title.startswith("Find a procedure")
    assert "1 procedure found" in page.text and "3 working days" in page.text
