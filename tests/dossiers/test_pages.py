"""The agent's dossier pages through the real app, checked as HTML."""

from __future__ import annotations

import re

from app.audit.tables import AuditEvent
from app.dossiers.tables import Dossier
from tests import factories

FORM = {
    "full_name": "Trần Văn Bình",
    "id_number": "001085004321",
    "date_of_birth": "1985-06-02",
    "sex": "male",
    "phone": "0987 654 321",
    "address": "Xóm Đình, xã Tây Đằng",
    "consent": "yes",
    "result_delivery": "pickup",
    "sets_count": "1",
    "action": "create",
}
QR = "001085004321|123456789|Trần Văn Bình|02061985|Nam|Xóm Đình, Tây Đằng, Ba Vì, Hà Nội|15082021"


async def _agent(client, username="daily.t"):
    point = await factories.point(code="DL-BV-7")
    uid = await factories.user(role="agent", username=username, point_id=point)
    await client.login(username)
    return uid, point


async def test_intake_form_creates_a_dossier(client):
    await _agent(client)
    procedure = await factories.procedure(name="Đăng ký khai sinh", components=2)
    page = await client.page(f"/ho-so/moi?thu_tuc={procedure}")
    assert "Đăng ký khai sinh" in page.text and "Đồng ý xử lý dữ liệu cá nhân" in page.text
    response = await client.submit("/ho-so/moi", {**FORM, "procedure": str(procedure)})
    assert response.status_code == 303
    dossier = await Dossier.objects().first()
    assert response.headers["location"] == f"/ho-so/{dossier.id}?msg=created"
    page = await client.page(response.headers["location"])
    assert "Đã tạo hồ sơ" in page.text
    assert "Trần Văn Bình" in page.text
    assert "0987654321" not in page.text and "321" in page.text  # phone masked


async def test_intake_errors_keep_what_was_typed(client):
    await _agent(client)
    procedure = await factories.procedure()
    bad = {**FORM, "procedure": str(procedure), "id_number": "0010850043", "consent": ""}
    response = await client.submit("/ho-so/moi", bad)
    assert response.status_code == 422
    assert "Số CCCD phải có 12 chữ số." in response.text
    assert 'value="Trần Văn Bình"' in response.text
    assert await Dossier.count() == 0


async def test_qr_prefill_fills_the_form(client):
    await _agent(client)
    procedure = await factories.procedure()
    response = await client.submit(
        "/ho-so/moi", {"procedure": str(procedure), "action": "prefill", "qr_payload": QR}
    )
    assert response.status_code == 200
    assert 'value="Trần Văn Bình"' in response.text
    assert 'value="001085004321"' in response.text and 'value="1985-06-02"' in response.text
    bad = await client.submit(
        "/ho-so/moi", {"procedure": str(procedure), "action": "prefill", "qr_payload": "abc|def"}
    )
    assert bad.status_code == 422
    assert await Dossier.count() == 0


async def test_agent_home_lists_todays_dossiers_with_search(client):
    uid, point = await _agent(client)
    await factories.dossier(agent_id=uid, full_name="Lê Thị Mai")
    await factories.dossier(agent_id=uid, full_name="Phạm Văn Nam")
    await factories.dossier(full_name="Người ở điểm khác")
    page = await client.page("/dai-ly")
    assert "Lê Thị Mai" in page.text and "Phạm Văn Nam" in page.text
    assert "Người ở điểm khác" not in page.text
    partial = await client.page("/dai-ly?q=Mai", htmx=True, headers={"HX-Target": "dossier-list"})
    assert "Lê Thị Mai" in partial.text and "Phạm Văn Nam" not in partial.text
    assert "<html" not in partial.response.text


async def test_dossier_of_another_point_is_not_found(client):
    await _agent(client)
    other = await factories.dossier()
    await client.page(f"/ho-so/{other}", status=404)


async def test_revealing_personal_data_is_audited(client):
    uid, _ = await _agent(client)
    dossier_id = await factories.dossier(agent_id=uid, phone="0912345678")
    page = await client.page(f"/ho-so/{dossier_id}")
    assert "0912345678" not in page.text
    response = await client.submit(f"/ho-so/{dossier_id}/thong-tin", htmx=True)
    assert response.status_code == 200 and "0912345678" in response.text
    assert await AuditEvent.count().where(AuditEvent.action == "personal_data_viewed") == 1


async def test_supervisor_sees_the_dossier_masked_and_cannot_reveal(client):
    dossier_id = await factories.dossier(phone="0912345678")
    await factories.user(role="supervisor", username="giamsat2")
    await client.login("giamsat2")
    page = await client.page(f"/ho-so/{dossier_id}")
    assert "0912345678" not in page.text
    response = await client.submit(f"/ho-so/{dossier_id}/thong-tin")
    assert response.status_code == 403


async def test_ready_then_manual_code_then_bad_code_message(client):
    uid, _ = await _agent(client)
    procedure = await factories.procedure(components=0)
    dossier_id = await factories.dossier(agent_id=uid, procedure_id=procedure)
    r = await client.submit(f"/ho-so/{dossier_id}/san-sang", {"version": "1"})
    assert r.status_code == 303
    r = await client.submit(f"/ho-so/{dossier_id}/ma-ho-so", {"version": "2", "portal_code": "abc"})
    assert r.status_code == 422 and "Mã hồ sơ" in r.text
    r = await client.submit(
        f"/ho-so/{dossier_id}/ma-ho-so",
        {"version": "2", "portal_code": "000.00.26.H26-251124-0042"},
    )
    assert r.status_code == 303
    page = await client.page(f"/ho-so/{dossier_id}")
    assert "000.00.26.H26-251124-0042" in page.text and "Đã gửi lên Cổng DVC" in page.text


async def test_stale_form_version_gets_a_clear_conflict_message(client):
    uid, _ = await _agent(client)
    dossier_id = await factories.dossier(
        agent_id=uid, procedure_id=await factories.procedure(components=0)
    )
    await client.submit(f"/ho-so/{dossier_id}/san-sang", {"version": "1"})
    r = await client.submit(f"/ho-so/{dossier_id}/huy", {"version": "1", "reason": "Nhầm"})
    assert r.status_code == 409
    assert "Có người vừa thay đổi hồ sơ này" in r.text


async def _ready_dossier(client):
    uid, _ = await _agent(client)
    procedure = await factories.procedure(components=2)
    return await factories.dossier(
        agent_id=uid, procedure_id=procedure, status="ready", with_components=True
    )


async def test_send_to_the_portal_then_the_portal_moves_it_along(client):
    from app.integrations.portal import portal_simulator_for
    from app.integrations.portal_sim import simulator_of

    dossier_id = await _ready_dossier(client)
    r = await client.submit(f"/ho-so/{dossier_id}/gui", {"version": "1"})
    assert r.status_code == 303
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "submitted" and row.submission_mode == "connector"
    page = await client.page(f"/ho-so/{dossier_id}?msg=submitted")
    assert row.portal_code in page.text
    assert "Hồ sơ đã được gửi lên Cổng Dịch vụ công quốc gia." in page.text
    await simulator_of(portal_simulator_for(client.app)).advance(row.portal_code)
    page = await client.page(f"/ho-so/{dossier_id}")
    assert "Đã được tiếp nhận" in page.text and "Cổng DVC quốc gia" in page.text


async def test_register_postal_delivery_from_the_dossier_page(client):
    dossier_id = await _ready_dossier(client)
    bad = await client.submit(
        f"/ho-so/{dossier_id}/buu-dien",
        {"recipient_name": "Lan", "recipient_phone": "12345", "recipient_address": ""},
    )
    assert bad.status_code == 422
    assert "Nhập địa chỉ nhận kết quả." in bad.text and 'value="Lan"' in bad.text
    ok = await client.submit(
        f"/ho-so/{dossier_id}/buu-dien",
        {
            "recipient_name": "Nguyễn Thị Lan",
            "recipient_phone": "0912345678",
            "recipient_address": "Thôn 3, xã Tây Đằng, Hà Nội",
            "fee_note": "Miễn cước",
        },
    )
    assert ok.status_code == 303
    page = await client.page(f"/ho-so/{dossier_id}")
    assert re.search(r"EB\d{9}VN", page.text)
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.result_delivery == "post" and row.version == 2
