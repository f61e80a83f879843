"""Pages, errors, security headers and language through the real app."""

from __future__ import annotations

from tests import factories


async def test_security_headers_on_pages_and_errors(client):
    for url, status in (("/dang-nhap", 200), ("/khong-co-trang-nay", 404)):
        response = await client.get(url)
        assert response.status_code == status
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "camera=(self)" in response.headers["permissions-policy"]
        assert response.headers["x-frame-options"] == "DENY"


async def test_pages_have_no_inline_scripts_or_styles(client):
    page = await client.page("/dang-nhap")
    for script in page.doc.iter("script"):
        assert script.get("src"), "inline <script> would need unsafe-inline"
    assert not list(page.doc.iter("style"))
    assert not [el for el in page.doc.iter() if el.get("style")]


async def test_404_is_a_localised_page(client):
    page = await client.page("/khong-co-trang-nay", status=404)
    assert page.title.startswith("Không tìm thấy trang")
    assert "Kiểm tra lại địa chỉ" in page.text


async def test_htmx_error_is_a_fragment_for_the_message_area(client):
    response = await client.get("/khong-co-trang-nay", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    assert "<html" not in response.text
    assert "Không tìm thấy trang" in response.text


async def test_unexpected_errors_render_a_localised_500(make_app):
    from litestar import get

    from tests.html_client import PageClient, check_html

    app = make_app()

    @get("/__boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("kaboom")

    app.register(boom)
    async with PageClient.for_app(app) as client:
        response = await client.get("/__boom")
    assert response.status_code == 500
    check_html(response.text)
    assert "Hệ thống gặp sự cố" in response.text
    assert "kaboom" not in response.text


async def test_language_switch_to_english_and_back(client):
    response = await client.submit("/ngon-ngu", {"lang": "en", "next": "/dang-nhap"})
    assert response.status_code == 303 and response.headers["location"] == "/dang-nhap"
    page = await client.page("/dang-nhap")
    assert page.title.startswith("Staff sign-in")
    assert page.lang == "en"
    await client.submit("/ngon-ngu", {"lang": "vi", "next": "https://evil.example/"})
    page = await client.page("/")
    assert "Đại lý dịch vụ công trực tuyến Hà Nội" in page.text


async def test_home_redirects_staff_to_their_home(client):
    await factories.user(role="supervisor", username="giamsat1")
    await client.login("giamsat1")
    response = await client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/giam-sat"


async def test_supervisor_home_lists_points_with_status_words(client):
    await factories.point(code="DL-X-1")
    await factories.user(role="supervisor", username="giamsat1")
    await client.login("giamsat1")
    page = await client.page("/giam-sat")
    assert "DL-X-1" in page.text and "Đang hoạt động" in page.text


async def test_html_is_compressed_for_clients_that_accept_gzip(client):
    response = await client.get("/dang-nhap", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
