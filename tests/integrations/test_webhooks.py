"""Our signed webhooks through the real app: signatures, payload checks, idempotency,
out-of-order delivery, and the portal simulator calling back into the app in-process."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx
import pytest

from app.dossiers import services
from app.dossiers.tables import Dossier, DossierEvent, InboundEvent
from app.integrations.portal import get_portal_connector, portal_simulator_for
from app.integrations.portal_sim import create_portal_simulator, simulator_of
from tests import factories
from tests.integrations.support import (
    PORTAL_SECRET,
    UNIT,
    adopt,
    portal_event,
    ready_dossier,
    signed_post,
)

CODE = f"{UNIT}-250205-0007"


async def _status(dossier_id: int) -> str:
    return (await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first())["status"]


async def _submitted(code: str = CODE) -> int:
    return await factories.dossier(status="submitted", portal_code=code)


async def test_a_signed_event_is_recorded_and_applied(client):
    dossier_id = await _submitted()
    response = await signed_post(client, "/webhooks/portal", portal_event(CODE, 1, 2))
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "applied"}
    assert response.headers["cache-control"] == "no-store"
    assert await _status(dossier_id) == "received"
    record = await InboundEvent.objects().get(InboundEvent.key == f"portal:evt-{CODE}-1")
    assert record.source == "portal" and record.applied and record.dossier == dossier_id
    payload = record.payload if isinstance(record.payload, dict) else json.loads(record.payload)
    assert payload["status_code"] == 2


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "mismatch"),  # signed with another secret (see below)
        ("", "missing"),
        ("t=1,v1", "malformed"),
    ],
)
async def test_untrusted_signatures_get_401_json_and_change_nothing(client, header, detail):
    dossier_id = await _submitted()
    event = portal_event(CODE, 1, 2)
    if header is None:
        response = await signed_post(client, "/webhooks/portal", event, secret="guess")
    else:
        response = await signed_post(client, "/webhooks/portal", event, header=header)
    assert response.status_code == 401
    assert response.json() == {"error": "signature", "detail": detail}
    assert await InboundEvent.count() == 0
    assert await _status(dossier_id) == "submitted"


async def test_no_signature_header_at_all_is_401(client):
    response = await client.post("/webhooks/portal", json=portal_event(CODE, 1, 2))
    assert response.status_code == 401
    assert response.json()["detail"] == "missing"


@pytest.mark.parametrize("skew", [-3600, 3600])
async def test_a_replayed_or_future_dated_request_is_refused(client, settings, skew):
    await _submitted()
    when = time.time() + skew
    response = await signed_post(client, "/webhooks/portal", portal_event(CODE, 1, 2), now=when)
    assert response.status_code == 401
    assert response.json()["detail"] == "timestamp"
    assert abs(skew) > settings.webhook_tolerance_seconds
    assert await InboundEvent.count() == 0


async def test_replaying_a_captured_request_later_is_refused(client, settings):
    """The same bytes and header, sent again once the window has passed."""
    dossier_id = await _submitted()
    body = json.dumps(portal_event(CODE, 1, 2)).encode()
    from app.integrations.signing import sign

    captured = sign(PORTAL_SECRET, body, now=time.time() - settings.webhook_tolerance_seconds - 1)
    response = await signed_post(client, "/webhooks/portal", body, header=captured)
    assert response.status_code == 401
    assert await _status(dossier_id) == "submitted"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b"",
        json.dumps({"event_id": "e1", "portal_code": CODE, "seq": 1}).encode(),  # no status
        json.dumps({**portal_event(CODE, 1, 2), "seq": "1"}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "seq": 0}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "status_code": 11}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "occurred_at": "2025-02-05T09:00:00"}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "occurred_at": "yesterday"}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "details": []}).encode(),
        json.dumps({**portal_event(CODE, 1, 2), "event_id": ""}).encode(),
    ],
)
async def test_malformed_events_get_400_json(client, body):
    await _submitted()
    response = await signed_post(client, "/webhooks/portal", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "payload" and response.json()["detail"]
    assert await InboundEvent.count() == 0


async def test_an_event_delivered_twice_is_applied_once(client):
    dossier_id = await _submitted()
    event = portal_event(CODE, 1, 2)
    first = await signed_post(client, "/webhooks/portal", event)
    events_after_first = await DossierEvent.count().where(DossierEvent.dossier == dossier_id)
    again = await signed_post(client, "/webhooks/portal", event)
    assert first.json() == {"status": "applied"}
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert await InboundEvent.count() == 1
    assert (
        await DossierEvent.count().where(DossierEvent.dossier == dossier_id) == events_after_first
    )


async def test_concurrent_deliveries_of_one_event_apply_it_once(client):
    dossier_id = await _submitted()
    event = portal_event(CODE, 1, 2)
    responses = await asyncio.gather(
        *(signed_post(client, "/webhooks/portal", event) for _ in range(4))
    )
    answers = sorted(r.json()["status"] for r in responses)
    assert answers == ["applied", "duplicate", "duplicate", "duplicate"], answers
    assert await InboundEvent.count() == 1
    transitions = await DossierEvent.select(DossierEvent.to_status).where(
        DossierEvent.dossier == dossier_id
    )
    assert [t["to_status"] for t in transitions].count("received") == 1


async def test_an_older_event_arriving_late_is_recorded_but_stale(client):
    dossier_id = await _submitted()
    newer = await signed_post(client, "/webhooks/portal", portal_event(CODE, 3, 4))
    older = await signed_post(client, "/webhooks/portal", portal_event(CODE, 2, 2))
    assert newer.json() == {"status": "applied"}
    assert older.json() == {"status": "stale"}
    assert await _status(dossier_id) == "processing"
    records = await InboundEvent.select(InboundEvent.key, InboundEvent.applied).order_by(
        InboundEvent.id
    )
    assert [(r["key"].rsplit("-", 1)[1], r["applied"]) for r in records] == [
        ("3", True),
        ("2", False),
    ]


async def test_an_impossible_step_is_recorded_as_illegal(client):
    dossier_id = await factories.dossier(status="not_accepted", portal_code=CODE)
    response = await signed_post(client, "/webhooks/portal", portal_event(CODE, 5, 4))
    assert response.json() == {"status": "illegal"}
    assert await _status(dossier_id) == "not_accepted"
    assert (await InboundEvent.objects().first()).applied is False


async def test_an_unknown_dossier_is_not_recorded_so_the_sender_retries(client):
    response = await signed_post(client, "/webhooks/portal", portal_event(CODE, 1, 2))
    assert response.status_code == 404
    assert response.json() == {
        "status": "unknown_dossier",
        "error": "unknown_dossier",
        "detail": CODE,
    }
    assert await InboundEvent.count() == 0
    dossier_id = await _submitted()  # e.g. the agent typed the code in the meantime
    retried = await signed_post(client, "/webhooks/portal", portal_event(CODE, 1, 2))
    assert retried.json() == {"status": "applied"}
    assert await _status(dossier_id) == "received"


async def test_the_webhook_is_not_subject_to_csrf_and_refuses_get(client):
    assert (await client.get("/webhooks/portal")).status_code == 405


# -- the simulator calling back into our app ------------------------------------------------


def callback_sim(client, **kw):
    return create_portal_simulator(
        unit_code=UNIT,
        secret=PORTAL_SECRET,
        callback_url="http://testserver.local/webhooks/portal",
        callback_transport=httpx.ASGITransport(app=client.app, raise_app_exceptions=False),
        retry_delays=kw.pop("retry_delays", ()),
        **kw,
    )


async def test_submit_then_the_portal_moves_the_dossier_along_the_happy_path(client):
    user, dossier_id = await ready_dossier()
    connector = get_portal_connector(client.app)  # "embedded": the simulator, in-process
    code = await services.dossier_submit(
        user=user, dossier_id=dossier_id, version=1, connector=connector
    )
    assert code.startswith(f"{UNIT}-") and await _status(dossier_id) == "submitted"
    sim = simulator_of(portal_simulator_for(client.app))
    assert sim.dossiers[code].applicant_name == "Nguyễn Văn An"
    seen = []
    for _ in range(4):
        response = await client.post(f"/mo-phong/cong-dvc/sim/dossiers/{code}/advance", json={})
        assert response.status_code == 200, response.text
        [delivery] = response.json()["deliveries"]
        assert delivery["ok"] and delivery["answer"] == "applied"
        seen.append(await _status(dossier_id))
    assert seen == ["received", "processing", "resolved", "result_returned"]
    finished = await client.post(f"/mo-phong/cong-dvc/sim/dossiers/{code}/advance", json={})
    assert finished.status_code == 409
    assert await InboundEvent.count().where(InboundEvent.applied.eq(True)) == 4


async def test_a_supplement_request_carries_the_portal_wording(client):
    dossier_id = await _submitted()
    app = callback_sim(client)
    sim = simulator_of(app)
    adopt(sim, CODE)
    await sim.advance(CODE)
    wording = "Bổ sung bản sao có chứng thực Giấy chứng nhận kết hôn."
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
        response = await c.post(
            f"/sim/dossiers/{CODE}/status", json={"status_code": 5, "reason": wording}
        )
    assert response.json()["deliveries"][0]["answer"] == "applied"
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "supplement_requested" and row.supplement_note == wording


async def test_simulator_redelivery_and_out_of_order_delivery(client):
    dossier_id = await _submitted()
    app = callback_sim(client)
    sim = simulator_of(app)
    adopt(sim, CODE)
    assert (await sim.advance(CODE)).answer == "applied"  # seq 1: received
    assert (await sim.redeliver(CODE)).answer == "duplicate"
    deliveries = await sim.deliver_out_of_order(CODE, [(4, ""), (5, "Bổ sung tờ khai.")])
    assert [(d.seq, d.answer) for d in deliveries] == [(3, "applied"), (2, "stale")]
    assert await _status(dossier_id) == "supplement_requested"
    assert await InboundEvent.count() == 3


async def test_the_simulator_retries_until_our_app_knows_the_dossier(client):
    app = callback_sim(client, retry_delays=(0.01, 0.01))
    sim = simulator_of(app)
    adopt(sim, CODE)
    delivery = await sim.advance(CODE)
    assert delivery.attempts == 3 and delivery.http_status == 404 and not delivery.ok


async def test_callback_failures_are_logged_not_raised(client):
    logged = Collect()
    logging.getLogger("app.integrations.simulator").addHandler(logged)
    app = create_portal_simulator(
        unit_code=UNIT,
        secret=PORTAL_SECRET,
        callback_url="http://127.0.0.1:9/webhooks/portal",
        retry_delays=(0.01,),
    )
    sim = simulator_of(app)
    adopt(sim, CODE)
    try:
        delivery = await sim.advance(CODE)
    finally:
        logging.getLogger("app.integrations.simulator").removeHandler(logged)
        await sim.sender.aclose()
    assert delivery.http_status is None and delivery.attempts == 2
    assert any("not accepted after 2 attempts" in m for m in logged.messages)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_an_oversized_body_is_refused_in_json(make_app):
    from tests.html_client import PageClient

    async with PageClient.for_app(make_app(upload_max_bytes=200)) as client:
        event = portal_event(CODE, 1, 2, reason="x" * 500)
        response = await signed_post(client, "/webhooks/portal", event)
    assert response.status_code == 413
    assert response.json() == {"error": "body"}
