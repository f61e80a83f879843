"""The registry, point and organisation pages as supervisors, managers and agents see them."""

from __future__ import annotations

from app.points.tables import AgentPoint, Organisation, PointEvent
from tests import factories
from tests.points.support import POINT_FORM, passed_training, seeded, tick_all


async def _sign_in(client, role: str, **kw) -> int:
    username = f"{role.replace('_', '')}.{kw.pop('tag', 'x')}"
    user_id = await factories.user(role=role, username=username, **kw)
    await client.login(username)
    return user_id


async def test_a_manager_sees_only_their_organisation_and_an_agent_gets_403(client):
    org_a = await factories.organisation(name="Bưu điện A")
    org_b = await factories.organisation(name="Công ty B")
    a1 = await factories.point(organisation_id=org_a, code="DL-A-001", status="proposed")
    await factories.point(organisation_id=org_a, code="DL-A-002")
    b1 = await factories.point(organisation_id=org_b, code="DL-B-001")
    await _sign_in(client, "point_manager", organisation_id=org_a, tag="a")

    page = await client.page("/giam-sat/diem")
    assert "DL-A-001" in page.text and "DL-A-002" in page.text and "DL-B-001" not in page.text
    assert "2 điểm" in page.text
    await client.page(f"/giam-sat/diem/{a1}")
    await client.page(f"/giam-sat/diem/{b1}", status=404)
    await client.page(f"/giam-sat/to-chuc/{org_b}", status=404)
    own = await client.page(f"/giam-sat/to-chuc/{org_a}")
    assert "Bưu điện A" in own.text and "Sửa thông tin tổ chức" not in own.text  # read-only
    organisations = await client.page("/giam-sat/to-chuc")
    assert "Bưu điện A" in organisations.text and "Công ty B" not in organisations.text
    await client.page(f"/giam-sat/to-chuc/{org_a}/sua", status=403)
    await client.page("/giam-sat/to-chuc/moi", status=403)

    client.cookies.clear()
    await _sign_in(client, "agent", point_id=a1, tag="a")
    denied = await client.page("/giam-sat/diem", status=403)
    assert "Bạn không có quyền" in denied.text
    await client.page(f"/giam-sat/diem/{a1}", status=403)
    await client.page("/giam-sat/to-chuc", status=403)


async def test_registry_filters_by_status_district_and_organisation(client):
    org_a = await factories.organisation(name="Bưu điện A")
    org_b = await factories.organisation(name="Công ty B")
    await factories.point(organisation_id=org_a, code="DL-BV-101", district_code="271")
    await factories.point(
        organisation_id=org_a,
        code="DL-SS-101",
        district="Sóc Sơn",
        district_code="016",
        status="suspended",
    )
    await factories.point(organisation_id=org_b, code="DL-SS-201", district_code="016")
    await seeded()
    await _sign_in(client, "supervisor")

    def codes(page):
        return {c for c in ("DL-BV-101", "DL-SS-101", "DL-SS-201") if c in page.text}

    assert codes(await client.page("/giam-sat/diem")) == {"DL-BV-101", "DL-SS-101", "DL-SS-201"}
    assert codes(await client.page("/giam-sat/diem?quan=016")) == {"DL-SS-101", "DL-SS-201"}
    assert codes(await client.page("/giam-sat/diem?trang_thai=suspended")) == {"DL-SS-101"}
    assert codes(await client.page(f"/giam-sat/diem?to_chuc={org_b}")) == {"DL-SS-201"}
    assert codes(await client.page("/giam-sat/diem?trang_thai=junk&to_chuc=²")) == {
        "DL-BV-101",
        "DL-SS-101",
        "DL-SS-201",
    }
    fragment = await client.page(
        "/giam-sat/diem?quan=271", htmx=True, headers={"HX-Target": "point-list"}
    )
    assert codes(fragment) == {"DL-BV-101"}
    assert fragment.by_id("point-list") is not None and fragment.doc.find(".//h1") is None


async def test_the_supervisor_home_links_each_point_to_its_page(client):
    point_id = await factories.point(code="DL-HOME-1")
    await _sign_in(client, "supervisor")
    page = await client.page("/giam-sat")
    links = {a.get("href") for a in page.select_all("a")}
    assert f"/giam-sat/diem/{point_id}" in links and "/giam-sat/diem" in links


async def test_approval_refused_on_the_page_names_what_is_missing_then_succeeds(client):
    point_id = await factories.point(status="under_review", name="Điểm Gia Lâm")
    agent_id = await factories.user(role="agent", point_id=point_id)
    await _sign_in(client, "supervisor")
    await client.submit(
        f"/giam-sat/diem/{point_id}/tieu-chi",
        {
            "premises": "on",
            "computer": "on",
            "scanner": "on",
            "internet": "on",
            "review_note": "Chưa có máy in",
        },
    )

    response = await client.submit(
        f"/giam-sat/diem/{point_id}/trang-thai", {"to": "approved", "from": "under_review"}
    )
    assert response.status_code == 422
    from tests.html_client import Page, check_html

    page = Page(response, check_html(response.text))
    refused = page.text_of("approval-refused")
    assert "Chưa thể phê duyệt điểm" in refused
    assert "Máy in" in refused
    assert "Nhân viên đã được đào tạo: có 0 người đã được đào tạo, cần ít nhất 1" in refused
    assert "Mặt bằng" not in refused and "Máy tính" not in refused
    assert await PointEvent.count().where(PointEvent.point == point_id) == 0

    await tick_all(point_id)
    await passed_training(agent_id)
    response = await client.submit(
        f"/giam-sat/diem/{point_id}/trang-thai", {"to": "approved", "from": "under_review"}
    )
    assert response.status_code == 303
    page = await client.page(response.headers["location"])
    assert "Trạng thái của điểm hiện là: Đã phê duyệt" in page.text
    history = page.text_of("h-history") and page.text
    assert "Đang thẩm định → Đã phê duyệt" in history


async def test_a_reason_is_asked_for_next_to_the_field(client):
    point_id = await factories.point(status="active")
    await _sign_in(client, "admin")
    response = await client.submit(
        f"/giam-sat/diem/{point_id}/trang-thai", {"to": "suspended", "reason": " "}
    )
    assert response.status_code == 422
    assert 'id="f-reason-suspended-error"' in response.text
    assert "Nhập lý do" in response.text
    response = await client.submit(
        f"/giam-sat/diem/{point_id}/trang-thai", {"to": "suspended", "reason": "Mất điện kéo dài"}
    )
    assert response.status_code == 303
    page = await client.page(f"/giam-sat/diem/{point_id}")
    assert "Lý do: Mất điện kéo dài" in page.text
    illegal = await client.submit(f"/giam-sat/diem/{point_id}/trang-thai", {"to": "approved"})
    assert illegal.status_code == 409 and "không thể chuyển" in illegal.text


async def test_a_manager_proposes_a_point_through_the_form(client):
    await seeded()
    org = await factories.organisation(name="Bưu điện Gia Lâm")
    await _sign_in(client, "point_manager", organisation_id=org)
    form = await client.page("/giam-sat/diem/moi")
    assert "Bưu điện Gia Lâm" in form.text and form.by_id("f-organisation") is None

    bad = await client.submit("/giam-sat/diem/moi", {**POINT_FORM, "latitude": "48.85"})
    assert bad.status_code == 422
    assert "Vĩ độ phải là số từ 20.53 đến 21.39" in bad.text
    assert 'value="Điểm Bưu điện Trâu Quỳ"' in bad.text  # nothing typed is lost
    assert await AgentPoint.count() == 0

    done = await client.submit("/giam-sat/diem/moi", POINT_FORM)
    assert done.status_code == 303
    page = await client.page(done.headers["location"])
    assert "Đã đề xuất điểm" in page.text and "Đề xuất" in page.text
    assert "Số 9 phố Ngô Xuân Quảng, Xã Gia Lâm, Gia Lâm" in page.text
    hrefs = {a.get("href") for a in page.select_all("a")}
    osm = (
        "https://www.openstreetmap.org/?mlat=21.018000&mlon=105.939000#map=17/21.018000/105.939000"
    )
    assert osm in hrefs
    assert page.by_id("h-steps") is None  # no lifecycle buttons for a manager
    assert "Sửa thông tin điểm" in page.text


async def test_organisations_are_created_and_edited_with_a_valid_tax_code(client):
    await _sign_in(client, "supervisor")
    fields = {
        "name": "Công ty TNHH Dịch vụ số Hòa Lạc",
        "kind": "it_company",
        "tax_code": "0100109107",
        "contact_name": "Trần Thị Hà",
        "contact_phone": "0912 000 111",
        "contact_email": "ha@hoalac.vn",
        "address": "Khu công nghệ cao Hòa Lạc",
        "licence_number": "30/GP",
        "licence_date": "2025-02-01",
    }
    bad = await client.submit("/giam-sat/to-chuc/moi", fields)
    assert bad.status_code == 422 and "Mã số thuế không hợp lệ" in bad.text
    assert await Organisation.count() == 0

    done = await client.submit("/giam-sat/to-chuc/moi", {**fields, "tax_code": "0100109106-002"})
    assert done.status_code == 303
    page = await client.page(done.headers["location"])
    assert "0100109106-002" in page.text and "0912000111" in page.text
    assert "Doanh nghiệp công nghệ thông tin" in page.text and "01/02/2025" in page.text
    org_id = (await Organisation.select(Organisation.id).first())["id"]

    other = await client.submit("/giam-sat/to-chuc/moi", {**fields, "tax_code": "0100109106"})
    assert other.status_code == 303
    taken = await client.submit(
        f"/giam-sat/to-chuc/{org_id}/sua", {**fields, "tax_code": "0100109106"}
    )
    assert taken.status_code == 422 and "Đã có tổ chức khác dùng mã số thuế này" in taken.text
    edited = await client.submit(
        f"/giam-sat/to-chuc/{org_id}/sua",
        {**fields, "tax_code": "0100109106-002", "kind": "postal"},
    )
    assert edited.status_code == 303
    assert "Doanh nghiệp bưu chính" in (await client.page(f"/giam-sat/to-chuc/{org_id}")).text
