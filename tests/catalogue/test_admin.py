"""The administrator's catalogue editor through the real app: guard, list, add, edit with
document rows, validation messages, retire and bring back with confirmation."""

from __future__ import annotations

import pytest

from app.catalogue.selectors import procedure_detail
from app.catalogue.tables import Procedure
from tests import factories
from tests.catalogue.support import component, procedure

FORM = {
    "code": "1.004222",
    "name": "Đăng ký thường trú",
    "field": "Đăng ký, quản lý cư trú",
    "authority_level": "commune",
    "service_level": "partly_online",
    "processing_days": "7",
    "fee_amount": "10.000",
    "fee_note": "20.000 ₫ tại quầy.",
    "agent_allowed": "on",
    "description": "",
    "rows": "2",
    "c-0-name": "Tờ khai thay đổi thông tin cư trú (CT01)",
    "c-0-copy_kind": "original",
    "c-0-count": "1",
    "c-0-position": "1",
    "c-0-mandatory": "on",
    "c-1-name": "",
    "c-1-copy_kind": "original",
    "c-1-count": "1",
    "c-1-position": "2",
    "c-1-mandatory": "on",
    "action": "save",
}


async def _admin(client) -> None:
    await factories.user(role="admin", username="quantri")
    await client.login("quantri")


@pytest.mark.parametrize("role", ["agent", "point_manager", "supervisor"])
async def test_only_administrators_reach_the_editor(client, role):
    pid = await procedure()
    await factories.user(role=role, username="khong.phai.admin")
    await client.login("khong.phai.admin")
    for url in ("/quan-tri/thu-tuc", "/quan-tri/thu-tuc/moi", f"/quan-tri/thu-tuc/{pid}/sua"):
        page = await client.page(url, status=403)
        assert "Bạn không có quyền truy cập trang này" in page.text
    response = await client.submit(f"/quan-tri/thu-tuc/{pid}/ngung-ap-dung")
    assert response.status_code == 403
    response = await client.submit("/quan-tri/thu-tuc/moi", FORM)
    assert response.status_code == 403
    assert not (await procedure_detail(pid))["is_retired"]
    assert await Procedure.count() == 1


async def test_list_shows_every_procedure_with_its_status(client):
    await procedure(name="Đăng ký khai sinh", code="1.001193")
    gone = await procedure(name="Thủ tục cũ", code="1.000001")
    await Procedure.update({Procedure.is_retired: True}).where(Procedure.id == gone)
    await _admin(client)
    page = await client.page("/quan-tri/thu-tuc")
    assert page.title.startswith("Danh mục thủ tục hành chính")
    assert "Đăng ký khai sinh" in page.text and "Thủ tục cũ" in page.text
    assert (
        "Đang áp dụng" in page.text and "Ngừng áp dụng" in page.text and "Áp dụng lại" in page.text
    )
    page = await client.page("/quan-tri/thu-tuc?trang_thai=retired")
    assert "Thủ tục cũ" in page.text and "Đăng ký khai sinh" not in page.text
    page = await client.page("/quan-tri/thu-tuc?q=KHAI+SINH&trang_thai=nonsense")
    assert "Đăng ký khai sinh" in page.text and "Thủ tục cũ" not in page.text


async def test_add_a_procedure_then_redirect_to_the_list(client):
    await _admin(client)
    page = await client.page("/quan-tri/thu-tuc/moi")
    assert page.title.startswith("Thêm thủ tục")
    assert page.by_id("f-c-0-name") is not None and page.by_id("f-c-2-name") is not None
    assert page.by_id("f-code").get("maxlength") == "40"
    response = await client.submit("/quan-tri/thu-tuc/moi", FORM)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/quan-tri/thu-tuc?xong=saved&id=")
    page = await client.page(response.headers["location"])
    assert "Đã lưu." in page.text and "1.004222 · Đăng ký thường trú" in page.text
    row = await Procedure.select().where(Procedure.code == "1.004222").first()
    assert row["fee_amount"] == 10000 and row["processing_days"] == 7 and row["agent_allowed"]
    detail = await procedure_detail(row["id"])
    assert [c["name"] for c in detail["components"]] == ["Tờ khai thay đổi thông tin cư trú (CT01)"]


async def test_a_failed_submit_explains_each_problem_and_keeps_what_was_typed(client):
    await _admin(client)
    bad = {
        **FORM,
        "code": "1004222",
        "name": "Đăng ký thường trú (bản nháp)",
        "processing_days": "bảy",
        "fee_amount": "-5",
        "authority_level": "province",
        "c-0-name": "",
        "c-0-note": "Ghi chú không có tên giấy tờ",
    }
    response = await client.submit("/quan-tri/thu-tuc/moi", bad)
    assert response.status_code == 422
    from tests.html_client import Page, check_html

    page = Page(response, check_html(response.text))
    summary = page.doc.find(".//div[@class='error-summary']")
    assert summary is not None
    text = page.text
    assert "Mã thủ tục phải có dạng 1.001193" in text
    assert "Nhập thời hạn giải quyết là số ngày làm việc, từ 0 đến 365." in text
    assert "Nhập lệ phí là số đồng" in text
    assert "Chọn cấp cơ quan giải quyết." in text
    assert "Giấy tờ 1: Nhập tên giấy tờ." in text
    assert page.by_id("f-name").text == "Đăng ký thường trú (bản nháp)"
    assert page.by_id("f-code").get("value") == "1004222"
    assert page.by_id("f-code").get("aria-invalid") == "true"
    assert page.by_id("f-c-0-note").text == "Ghi chú không có tên giấy tờ"
    anchors = [a.get("href") for a in summary.iter("a")]
    assert "#f-code" in anchors and "#f-c-0-name" in anchors
    for anchor in anchors:
        assert page.by_id(anchor[1:]) is not None, anchor
    assert await Procedure.count() == 0


async def test_no_500_for_missing_fields_wrong_types_or_huge_values(client):
    await _admin(client)
    for data in (
        {},
        {"code": "1.000001"},
        {**FORM, "name": "x" * 100_000, "c-0-name": "y" * 50_000},
        {**FORM, "processing_days": "9" * 400, "fee_amount": "1e9", "c-0-count": "-1"},
        {**FORM, "c-999-name": "Dòng lạ", "c-abc-name": "x", "rows": "không phải số"},
        {**FORM, "c-0-id": "99999999999999999999"},
    ):
        response = await client.submit("/quan-tri/thu-tuc/moi", data)
        assert response.status_code in (303, 422), (data.keys(), response.status_code)
        assert "Hệ thống gặp sự cố" not in response.text


async def test_duplicate_code_is_refused(client):
    await procedure(code="1.004222", name="Đăng ký thường trú")
    await _admin(client)
    response = await client.submit("/quan-tri/thu-tuc/moi", FORM)
    assert response.status_code == 422
    assert "Mã này đã được dùng cho một thủ tục khác." in response.text


async def test_add_row_works_without_javascript_and_with_htmx(client):
    await _admin(client)
    response = await client.submit("/quan-tri/thu-tuc/moi", {**FORM, "action": "add_row"})
    assert response.status_code == 200
    assert 'id="f-c-2-name"' in response.text and "Giấy tờ 3" in response.text
    assert "Tờ khai thay đổi thông tin cư trú (CT01)" in response.text
    assert await Procedure.count() == 0
    row = await client.page("/quan-tri/thu-tuc/dong-giay-to?rows=5", htmx=True)
    assert "<html" not in row.response.text
    assert row.by_id("f-c-5-name") is not None and "Giấy tờ 6" in row.text
    counter = row.by_id("component-rows")
    assert counter.get("hx-swap-oob") == "true" and counter.get("value") == "6"
    await client.page("/quan-tri/thu-tuc/dong-giay-to?rows=abc", htmx=True)


async def test_edit_renames_reorders_and_removes_documents(client):
    pid = await procedure(
        name="Đăng ký tạm trú",
        code="1.004194",
        components=[component("Tờ khai CT01"), component("Giấy tờ chỗ ở"), component("Thừa")],
    )
    ids = [c["id"] for c in (await procedure_detail(pid))["components"]]
    await _admin(client)
    page = await client.page(f"/quan-tri/thu-tuc/{pid}/sua")
    assert page.title.startswith("Sửa thủ tục")
    assert page.by_id("f-c-1-name").text == "Giấy tờ chỗ ở"
    assert not page.by_id("f-c-3-name").text  # one blank row to add a document
    form = {
        **FORM,
        "code": "1.004194",
        "name": "Đăng ký tạm trú",
        "rows": "4",
        "c-0-id": str(ids[0]),
        "c-0-name": "Tờ khai thay đổi thông tin cư trú (CT01)",
        "c-0-position": "2",
        "c-0-mandatory": "on",
        "c-1-id": str(ids[1]),
        "c-1-name": "Giấy tờ chứng minh chỗ ở hợp pháp",
        "c-1-copy_kind": "copy",
        "c-1-position": "1",
        "c-1-colour": "on",
        "c-2-id": str(ids[2]),
        "c-2-name": "Thừa",
        "c-2-copy_kind": "original",
        "c-2-count": "1",
        "c-2-position": "3",
        "c-2-remove": "on",
        "c-3-name": "",
        "c-3-copy_kind": "original",
        "c-3-count": "1",
        "c-3-position": "4",
    }
    response = await client.submit(f"/quan-tri/thu-tuc/{pid}/sua", form)
    assert response.status_code == 303, response.text[:500]
    detail = await procedure_detail(pid)
    assert [(c["name"], c["copy_kind"], c["is_greyscale"]) for c in detail["components"]] == [
        ("Giấy tờ chứng minh chỗ ở hợp pháp", "copy", False),
        ("Tờ khai thay đổi thông tin cư trú (CT01)", "original", True),
    ]
    assert [c["id"] for c in detail["components"]] == [ids[1], ids[0]]


async def test_retire_asks_first_then_agents_no_longer_find_it(client):
    pid = await procedure(name="Đăng ký khai sinh", code="1.001193")
    await _admin(client)
    page = await client.page(f"/quan-tri/thu-tuc/{pid}/ngung-ap-dung")
    assert page.title.startswith("Ngừng áp dụng thủ tục này?")
    assert "không chọn được khi tạo hồ sơ mới" in page.text
    assert "Các hồ sơ đã tạo với thủ tục này vẫn giữ nguyên" in page.text
    assert "Chưa có hồ sơ nào dùng thủ tục này." in page.text
    assert not (await procedure_detail(pid))["is_retired"]  # looking is not retiring
    response = await client.submit(f"/quan-tri/thu-tuc/{pid}/ngung-ap-dung")
    assert response.status_code == 303
    page = await client.page(response.headers["location"])
    assert "Đã ngừng áp dụng." in page.text
    assert (await procedure_detail(pid))["is_retired"]

    page = await client.page(f"/quan-tri/thu-tuc/{pid}/ap-dung-lai")
    assert page.title.startswith("Áp dụng lại thủ tục này?")
    response = await client.submit(f"/quan-tri/thu-tuc/{pid}/ap-dung-lai")
    assert response.status_code == 303
    assert not (await procedure_detail(pid))["is_retired"]


async def test_unknown_procedures_are_404_for_the_editor(client):
    await _admin(client)
    await client.page("/quan-tri/thu-tuc/424242/sua", status=404)
    await client.page("/quan-tri/thu-tuc/424242/ngung-ap-dung", status=404)
    response = await client.submit("/quan-tri/thu-tuc/424242/sua", FORM)
    assert response.status_code == 404
    response = await client.submit("/quan-tri/thu-tuc/424242/ap-dung-lai")
    assert response.status_code == 404
