"""One test per defect the fuzzers found, with the smallest input that showed it."""

from __future__ import annotations

import pytest

from app.dossiers.tables import Dossier
from tests import factories


async def _agent_with_dossier(client) -> int:
    point_id = await factories.point()
    agent_id = await factories.user(role="agent", username="reg.agent", point_id=point_id)
    await client.login("reg.agent")
    return await factories.dossier(agent_id=agent_id, with_components=True)


async def test_superscript_digit_version_is_a_stale_form_not_a_500(client):
    # "²".isdigit() is True but int("²") raises: the version check crashed.
    dossier_id = await _agent_with_dossier(client)
    for action in ("san-sang", "huy", "giay-to"):
        response = await client.submit(
            f"/ho-so/{dossier_id}/{action}", {"version": "²", "reason": "x", "received": "①"}
        )
        assert response.status_code == 409, (action, response.status_code)
        assert "tải lại" in response.text.lower() or "Tải lại" in response.text


@pytest.mark.parametrize("field", ["procedure", "sets_count", "received"])
async def test_intake_with_unicode_digits_is_refused_cleanly(client, field):
    await _agent_with_dossier(client)
    procedure_id = await factories.procedure()
    form = {"procedure": str(procedure_id), "action": "save", field: "²"}
    response = await client.submit("/ho-so/moi", form)
    assert response.status_code in (303, 422), response.status_code


async def test_a_row_received_with_a_huge_id_is_ignored(client):
    dossier_id = await _agent_with_dossier(client)
    version = (await Dossier.select(Dossier.version).where(Dossier.id == dossier_id).first())[
        "version"
    ]
    response = await client.submit(
        f"/ho-so/{dossier_id}/giay-to", {"version": str(version), "received": "9" * 30}
    )
    assert response.status_code == 303


@pytest.mark.parametrize("big", [2**31, 2**63, -(2**63) - 1])
async def test_an_id_no_column_can_hold_is_not_found(client, big):
    await _agent_with_dossier(client)
    for url in (f"/ho-so/{big}/huy", f"/ho-so/{big}/trang/x/xoa"):
        response = await client.submit(url, {"version": "1", "reason": "x"})
        assert response.status_code == 404, (url, response.status_code)
    assert (await client.get(f"/ho-so/{big}")).status_code == 404


async def test_a_malformed_page_id_in_the_address_is_not_found(client):
    dossier_id = await _agent_with_dossier(client)
    response = await client.submit(f"/ho-so/{dossier_id}/trang/0/xoa")
    assert response.status_code == 404
    assert "Trang này không tồn tại" in response.text or "không tồn tại" in response.text


async def test_capture_component_in_unicode_digits_is_a_field_message(client):
    dossier_id = await _agent_with_dossier(client)
    response = await client.post(
        f"/ho-so/{dossier_id}/trang",
        data={"component": "²", "page_id": "5f0e7a52-1d2b-4c55-9d61-0c4b7e1d2f3a"},
        files={"file": ("a.jpg", b"not a photo", "image/jpeg")},
        headers={"x-csrftoken": await client.csrf_token()},
    )
    assert response.status_code == 422
    assert "error-message" in response.text


@pytest.mark.parametrize("header", ["t=²,v1=00", "t=١٢٣,v1=00"])
async def test_webhook_signature_time_in_unicode_digits_is_refused(client, header):
    response = await client.post(
        "/webhooks/portal", content=b"{}", headers={"X-Signature": header.encode()}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "signature", "detail": "malformed"}


def test_push_retry_after_in_unicode_digits_is_ignored():
    from app.notifications.worker import _retry_after_seconds

    assert _retry_after_seconds("²", now=0.0) == 0.0
    assert _retry_after_seconds("120", now=0.0) == 120.0


async def test_webhook_for_an_unknown_dossier_says_what_is_wrong(client, settings):
    """Found by `make fuzz`: a signed portal event naming no dossier answered 404 with only
    {"status": ...}; a refusal names its error like every other one."""
    from tests.integrations.support import portal_event, signed_post

    response = await signed_post(
        client, "/webhooks/portal", portal_event("000.00.26.H26-251123-9999", 1, 2)
    )
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_dossier"
