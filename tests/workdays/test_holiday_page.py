"""The administrators' holiday page through the real app."""

from __future__ import annotations

import datetime as dt

from app.workdays.seed import holidays_seed
from app.workdays.tables import Holiday
from tests import factories

PAGE = "/quan-tri/ngay-nghi"


async def login_admin(client) -> int:
    admin = await factories.user(role="admin", username="quantri1")
    await client.login("quantri1")
    return admin


async def test_only_administrators_see_the_page(client):
    response = await client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")
    await factories.user(role="supervisor", username="giamsat1")
    await client.login("giamsat1")
    await client.page(PAGE, status=403)
    response = await client.submit(PAGE, {"day": "2026-03-04", "name": "X", "kind": "holiday"})
    assert response.status_code == 403
    assert await Holiday.count() == 0


async def test_the_page_lists_a_year_in_vietnamese(client):
    await login_admin(client)
    await holidays_seed()
    page = await client.page(f"{PAGE}?nam=2026")
    assert page.title.startswith("Ngày nghỉ và ngày làm bù")
    assert "Năm 2026" in page.text
    assert "Thứ Bảy, 10/01/2026" in page.text
    assert "Ngày làm bù" in page.text and "Ngày nghỉ bù" in page.text
    assert "Thứ Hai, 27/04/2026" in page.text
    assert "2025" in page.text and "2027" in page.text  # the year links
    removes = [
        f for f in page.select_all("form", method="post") if f.get("action").endswith("/xoa")
    ]
    assert len(removes) == 16  # one per day of 2026
    assert page.select_all("form", method="post", action=PAGE)


async def test_a_nonsense_year_falls_back_to_this_year(client):
    await login_admin(client)
    this_year = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year
    for raw in ("abc", "99999", "1800", ""):
        page = await client.page(f"{PAGE}?nam={raw}")
        assert f"Năm {this_year}" in page.text


async def test_adding_a_day_redirects_to_its_year_with_a_notice(client):
    admin = await login_admin(client)
    response = await client.submit(
        PAGE, {"day": "2026-11-24", "name": "Ngày Văn hóa Việt Nam", "kind": "holiday"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?nam=2026&da=luu&ngay=2026-11-24"
    page = await client.page(response.headers["location"])
    assert "Đã lưu: 24/11/2026." in page.text
    assert "Thứ Ba, 24/11/2026" in page.text
    row = await Holiday.select().where(Holiday.day == dt.date(2026, 11, 24)).first()
    assert row["name"] == "Ngày Văn hóa Việt Nam"
    assert not row["is_compensatory"] and not row["is_working_weekend"]
    assert admin


async def test_typed_dates_and_the_three_kinds(client):
    await login_admin(client)
    for day, kind in (("7/3/2026", "working_weekend"), ("09/03/2026", "compensatory")):
        response = await client.submit(PAGE, {"day": day, "name": "Thử", "kind": kind})
        assert response.status_code == 303, response.text[:500]
    rows = {r["day"]: r for r in await Holiday.select()}
    assert rows[dt.date(2026, 3, 7)]["is_working_weekend"] is True
    assert rows[dt.date(2026, 3, 9)]["is_compensatory"] is True


async def test_mistakes_are_shown_next_to_the_fields(client):
    await login_admin(client)
    response = await client.submit(PAGE, {"day": "31/02/2026", "name": " ", "kind": "party"})
    assert response.status_code == 422
    assert "Nhập ngày theo dạng ngày/tháng/năm" in response.text
    assert "Chọn loại ngày." in response.text
    response = await client.submit(
        PAGE, {"day": "2026-03-04", "name": "", "kind": "working_weekend"}
    )
    assert response.status_code == 422
    assert "Chỉ có thể đặt thứ Bảy hoặc Chủ nhật làm ngày làm bù." in response.text
    assert "Nhập tên ngày nghỉ." in response.text
    assert 'value="2026-03-04"' in response.text  # what was typed is kept
    assert await Holiday.count() == 0


async def test_the_error_page_is_valid_html(client):
    from tests.html_client import check_html

    await login_admin(client)
    response = await client.submit(PAGE, {"day": "", "name": "", "kind": ""})
    assert response.status_code == 422
    doc = check_html(response.text)
    assert doc.find(".//div[@class='error-summary']") is not None


async def test_removing_a_day(client):
    await login_admin(client)
    await holidays_seed()
    row = await Holiday.select(Holiday.id).where(Holiday.day == dt.date(2026, 1, 10)).first()
    response = await client.submit(f"{PAGE}/{row['id']}/xoa")
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?nam=2026&da=xoa&ngay=2026-01-10"
    page = await client.page(response.headers["location"])
    assert "Đã xóa: 10/01/2026." in page.text
    assert not await Holiday.exists().where(Holiday.day == dt.date(2026, 1, 10))
    response = await client.submit(f"{PAGE}/{row['id']}/xoa")
    assert response.status_code == 404
