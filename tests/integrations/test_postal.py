"""Result delivery by post (BCCI): waybill codes, the connector's errors, and the postal
simulator's events reaching the dossier through our signed webhook."""

from __future__ import annotations

import re

import httpx
import pytest

from app.accounts.selectors import current_user_by_id
from app.dossiers import services
from app.dossiers.tables import Dossier, InboundEvent, PostalDelivery
from app.integrations.postal import (
    HttpPostalConnector,
    PostalOrder,
    PostalRejected,
    PostalUnavailable,
    get_postal_connector,
    postal_simulator_for,
    s10_check_digit,
    waybill_code,
)
from app.integrations.postal_sim import create_postal_simulator, simulator_of
from tests import factories
from tests.integrations.support import PORTAL_SECRET, POSTAL_SECRET, UNIT, signed_post

WAYBILL = re.compile(r"^EB(\d{8})(\d)VN$")
CODE = f"{UNIT}-250205-0031"
FORM = {
    "recipient_name": "Nguyễn Thị Lan",
    "recipient_phone": "0912345678",
    "recipient_address": "Thôn 3, xã Tây Đằng, Hà Nội",
    "fee_note": "Bưu phí do thành phố chi trả",
}


def order(number: str = CODE, **kw) -> PostalOrder:
    values = {"recipient_name": "Lan", "phone": "0912345678", "address": "Ba Vì", **kw}
    return PostalOrder(order_number=number, **values)


def sim_app():
    return create_postal_simulator(
        secret=POSTAL_SECRET, callback_url="http://127.0.0.1:9/webhooks/buu-dien", retry_delays=()
    )


def test_waybills_are_upu_s10_codes():
    assert waybill_code(12345678) == "EB123456785VN"  # the UPU worked example's check digit
    assert s10_check_digit("00000000") == 5 and s10_check_digit("00000001") == 4


async def test_registering_returns_a_waybill_and_is_idempotent():
    app = sim_app()
    connector = HttpPostalConnector(app, secret=POSTAL_SECRET)
    code = await connector.register(order())
    match = WAYBILL.match(code)
    assert match and int(match[2]) == s10_check_digit(match[1])
    assert await connector.register(order()) == code
    assert len(simulator_of(app).orders) == 1
    assert await connector.register(order("other")) != code


async def test_the_post_refuses_a_bad_phone_with_its_reason():
    with pytest.raises(PostalRejected) as info:
        await HttpPostalConnector(sim_app(), secret=POSTAL_SECRET).register(order(phone="12"))
    assert info.value.reason == "Số điện thoại người nhận không hợp lệ."


async def test_postal_outages_are_unavailable():
    app = sim_app()
    simulator_of(app).faults.fail_next(503)
    connector = HttpPostalConnector(app, secret=POSTAL_SECRET)
    with pytest.raises(PostalUnavailable):
        await connector.register(order())
    simulator_of(app).faults.delay_next(5)
    with pytest.raises(PostalUnavailable):
        await HttpPostalConnector(app, secret=POSTAL_SECRET, timeout=0.05).register(order())
    with pytest.raises(PostalUnavailable):
        await HttpPostalConnector("http://127.0.0.1:9", secret=POSTAL_SECRET).register(order())


async def _resolved_dossier_with_post(client):
    point_id = await factories.point()
    user = await current_user_by_id(await factories.user(role="agent", point_id=point_id))
    dossier_id = await factories.dossier(
        point_id=point_id, agent_id=user.id, status="resolved", portal_code=CODE
    )
    waybill = await services.postal_delivery_register(
        user=user, dossier_id=dossier_id, form=FORM, connector=get_postal_connector(client.app)
    )
    return dossier_id, waybill


async def _state(dossier_id):
    dossier = await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first()
    delivery = (
        await PostalDelivery.select(PostalDelivery.status)
        .where(PostalDelivery.dossier == dossier_id)
        .first()
    )
    return dossier["status"], delivery["status"]


async def test_the_post_reports_dispatch_and_delivery(client):
    dossier_id, waybill = await _resolved_dossier_with_post(client)
    assert WAYBILL.match(waybill)
    sim = simulator_of(postal_simulator_for(client.app))
    assert sim.orders[waybill].order_number == CODE
    assert sim.orders[waybill].fee_note == FORM["fee_note"]
    for expected in [("result_dispatched", "dispatched"), ("result_delivered", "delivered")]:
        response = await client.post(f"/mo-phong/buu-dien/sim/orders/{waybill}/advance", json={})
        assert response.json()["deliveries"][0]["answer"] == "applied", response.text
        assert await _state(dossier_id) == expected
    done = await client.post(f"/mo-phong/buu-dien/sim/orders/{waybill}/advance", json={})
    assert done.status_code == 409
    keys = await InboundEvent.select(InboundEvent.key, InboundEvent.source)
    assert {k["source"] for k in keys} == {"postal"}
    assert all(k["key"].startswith("postal:") for k in keys)


async def test_a_failed_delivery_and_a_second_attempt(client):
    dossier_id, waybill = await _resolved_dossier_with_post(client)
    base = f"/mo-phong/buu-dien/sim/orders/{waybill}"
    await client.post(f"{base}/advance", json={})
    failed = await client.post(
        f"{base}/event", json={"event": "failed", "reason": "Người nhận vắng nhà."}
    )
    assert failed.json()["deliveries"][0]["answer"] == "applied"
    assert await _state(dossier_id) == ("delivery_failed", "failed")
    again = await client.post(f"{base}/advance", json={})  # failed -> dispatched again
    assert again.json()["deliveries"][0]["answer"] == "applied"
    assert await _state(dossier_id) == ("result_dispatched", "dispatched")
    assert (await client.post(f"{base}/redeliver", json={})).json()["deliveries"][0][
        "answer"
    ] == "duplicate"


async def test_postal_events_out_of_order(client):
    dossier_id, waybill = await _resolved_dossier_with_post(client)
    sim = simulator_of(postal_simulator_for(client.app))
    deliveries = await sim.deliver_out_of_order(waybill, [("dispatched", ""), ("delivered", "")])
    assert [(d.seq, d.answer) for d in deliveries] == [(2, "applied"), (1, "stale")]
    assert await _state(dossier_id) == ("result_delivered", "delivered")


@pytest.mark.parametrize(
    "payload",
    [
        {
            "event_id": "e",
            "waybill_code": "EB123456785VN",
            "seq": 1,
            "event": "lost",
            "occurred_at": "2025-02-05T02:00:00Z",
        },
        {"event_id": "e", "waybill_code": "EB123456785VN", "seq": 1, "event": "delivered"},
    ],
)
async def test_malformed_postal_events_get_400(client, payload):
    response = await signed_post(client, "/webhooks/buu-dien", payload, secret=POSTAL_SECRET)
    assert response.status_code == 400 and response.json()["error"] == "payload"


async def test_the_postal_webhook_wants_the_postal_secret(client):
    payload = {
        "event_id": "e",
        "waybill_code": "EB123456785VN",
        "seq": 1,
        "event": "delivered",
        "occurred_at": "2025-02-05T02:00:00Z",
    }
    response = await signed_post(client, "/webhooks/buu-dien", payload, secret=PORTAL_SECRET)
    assert response.status_code == 401
    unknown = await signed_post(client, "/webhooks/buu-dien", payload, secret=POSTAL_SECRET)
    assert unknown.status_code == 404


async def test_the_postal_simulator_api_refuses_unsigned_orders():
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app()), base_url="http://postal.sim"
    ) as client:
        response = await client.post("/api/v1/orders", json={"order_number": "x"})
    assert response.status_code == 401
