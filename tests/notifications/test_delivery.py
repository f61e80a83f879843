"""The outbox and its worker against a local push service that verifies VAPID and decrypts."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from app.db import write_transaction
from app.dossiers.services import _apply_transition, _load_for_update, dossier_transition
from app.dossiers.states import EXPLANATIONS, LABELS, S
from app.dossiers.tables import Dossier
from app.notifications.tables import PushOutbox, PushSubscription
from app.notifications.worker import PushWorker, outbox_claim, utcnow
from app.web.i18n import translator
from tests import factories

vi = translator("vi").gettext
_codes = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset


async def _deliver(settings, clock=None, **options) -> int:
    async with PushWorker(settings, clock=clock or utcnow, **options) as worker:
        total = 0
        while claimed := await worker.deliver_once():
            total += claimed
        return total


async def _dossier(status: str = "submitted") -> tuple[int, str]:
    dossier_id = await factories.dossier(status=status, portal_code=f"H26.{next(_codes)}")
    row = await Dossier.select(Dossier.portal_code).where(Dossier.id == dossier_id).first()
    return dossier_id, row["portal_code"]


async def test_status_change_is_pushed_encrypted_and_signed(push_service, subscribe, settings):
    dossier_id, code = await _dossier()
    phone = await subscribe(dossier_id)
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    assert await _deliver(settings) == 1
    assert push_service.errors == []
    [received] = push_service.received
    token = (await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first())[
        "status_token"
    ]
    assert received.subscription == phone.name
    assert received.message == {
        "title": "Đã được tiếp nhận",
        "body": f"{code}: {vi(EXPLANATIONS[S.received])}",
        "url": f"/theo-doi/{token}",
        "tag": f"dossier-{dossier_id}",
        "kind": "status",
    }
    assert vi(EXPLANATIONS[S.received]) != EXPLANATIONS[S.received]  # Vietnamese
    assert received.headers["ttl"] == str(3 * 24 * 3600)
    assert received.headers["topic"] == f"dossier-{dossier_id}"
    assert received.headers["urgency"] == "normal"
    row = await PushOutbox.select().first()
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert await _deliver(settings) == 0  # nothing sent twice


async def test_supplement_request_is_urgent(push_service, subscribe, settings):
    dossier_id, _ = await _dossier("received")
    await subscribe(dossier_id)
    await dossier_transition(
        dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal", reason="Thiếu"
    )
    await _deliver(settings)
    [received] = push_service.received
    assert received.headers["urgency"] == "high"
    assert received.message["title"] == vi(LABELS[S.supplement_requested])


async def test_every_subscription_of_the_dossier_gets_it(push_service, subscribe, settings):
    dossier_id, _ = await _dossier()
    phones = [await subscribe(dossier_id) for _ in range(3)]
    other, _ = await _dossier()
    await subscribe(other)
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    await _deliver(settings)
    assert sorted(r.subscription for r in push_service.received) == sorted(p.name for p in phones)


async def test_a_rolled_back_change_sends_nothing(push_service, subscribe, settings):
    dossier_id, _ = await _dossier()
    await subscribe(dossier_id)
    with pytest.raises(RuntimeError):
        async with write_transaction(Dossier._meta.db):
            row = await _load_for_update(dossier_id)
            await _apply_transition(
                row, S.received, actor_kind="portal", actor_id=None, reason="", at=utcnow()
            )
            assert await PushOutbox.count() == 1  # written in the same transaction…
            raise RuntimeError("the rest of the change failed")
    assert await PushOutbox.count() == 0  # …and gone with it
    assert await _deliver(settings) == 0
    assert push_service.received == []


async def test_agent_side_steps_are_not_pushed(push_service, subscribe, settings):
    dossier_id, _ = await _dossier("draft")
    await subscribe(dossier_id)
    await dossier_transition(dossier_id=dossier_id, target=S.ready, actor_kind="user")
    assert await PushOutbox.count() == 0


async def test_a_newer_status_supersedes_an_unsent_one(push_service, subscribe, settings):
    dossier_id, _ = await _dossier()
    await subscribe(dossier_id)
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    await dossier_transition(dossier_id=dossier_id, target=S.processing, actor_kind="portal")
    await _deliver(settings)
    assert [m["title"] for m in push_service.messages()] == ["Đang xử lý"]
    statuses = sorted(r["status"] for r in await PushOutbox.select(PushOutbox.status))
    assert statuses == ["sent", "superseded"]


async def test_completion_invites_to_rate_later(push_service, subscribe, settings):
    dossier_id, _ = await _dossier("resolved")
    await subscribe(dossier_id)
    await dossier_transition(dossier_id=dossier_id, target=S.result_returned, actor_kind="portal")
    clock = Clock()
    await _deliver(settings, clock)
    assert [m["kind"] for m in push_service.messages()] == ["status"]
    clock.offset = dt.timedelta(minutes=31)
    await _deliver(settings, clock)
    kinds = [m["kind"] for m in push_service.messages()]
    assert kinds == ["status", "rating_invitation"]
    invitation = push_service.received[-1]
    assert invitation.headers["topic"] == f"rating-{dossier_id}"
    assert invitation.message["tag"] == f"rating-{dossier_id}"


@pytest.mark.parametrize("status", [404, 410])
async def test_gone_subscriptions_are_deleted(push_service, subscribe, settings, status):
    dossier_id, _ = await _dossier()
    phone = await subscribe(dossier_id)
    phone.responses.append((status, {}))
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    await _deliver(settings)
    assert await PushSubscription.count() == 0
    assert await PushOutbox.count() == 0
    await dossier_transition(dossier_id=dossier_id, target=S.processing, actor_kind="portal")
    assert await PushOutbox.count() == 0


async def test_429_retry_after_is_honoured(push_service, subscribe, settings):
    dossier_id, _ = await _dossier()
    phone = await subscribe(dossier_id)
    phone.responses.append((429, {"retry-after": "120"}))
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    clock = Clock()
    before = utcnow()
    await _deliver(settings, clock)
    row = await PushOutbox.select().first()
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_status_code"] == 429
    assert row["next_attempt_at"] >= before + dt.timedelta(seconds=120)
    clock.offset = dt.timedelta(seconds=100)
    assert await _deliver(settings, clock) == 0  # not before Retry-After
    clock.offset = dt.timedelta(seconds=125)
    assert await _deliver(settings, clock) == 1
    assert len(push_service.received) == 1
    assert push_service.refused == [(phone.name, 429)]


async def test_server_errors_back_off_then_quarantine(push_service, subscribe, settings, client):
    dossier_id, _ = await _dossier()
    phone = await subscribe(dossier_id)
    phone.responses.extend([(503, {})] * 8)
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    clock = Clock()
    for attempt in range(1, 9):
        assert await _deliver(settings, clock) == 1
        row = await PushOutbox.select().first()
        assert row["attempts"] == attempt
        clock.offset += dt.timedelta(hours=7)  # past the longest back-off
    assert row["status"] == "quarantined"
    assert await _deliver(settings, clock) == 0
    assert push_service.received == []
    await _admin_sees_quarantine(client, row)


async def _admin_sees_quarantine(client, row):
    await factories.user(role="admin", username="quantri1")
    await client.login("quantri1")
    page = await client.page("/quan-tri/thong-bao")
    assert "Thông báo không gửi được" in page.text
    assert str(row["last_status_code"]) in page.text


async def test_a_refused_message_is_quarantined_at_once(push_service, subscribe, settings):
    dossier_id, _ = await _dossier()
    phone = await subscribe(dossier_id)
    phone.responses.append((413, {}))
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    await _deliver(settings)
    row = await PushOutbox.select().first()
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("quarantined", 1, 413)


async def test_quarantine_page_is_for_admins_only(client):
    await factories.user(role="agent", username="daily1")
    await client.login("daily1")
    response = await client.get("/quan-tri/thong-bao")
    assert response.status_code in (302, 303, 403)


async def test_a_worker_killed_after_claiming_is_covered_by_lease_expiry(
    push_service, subscribe, settings
):
    dossier_id, _ = await _dossier()
    await subscribe(dossier_id)
    await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    # A worker claims the message, then dies before sending it.
    _, rows = await outbox_claim(limit=10, lease=dt.timedelta(minutes=2), now=utcnow())
    assert len(rows) == 1
    clock = Clock()
    assert await _deliver(settings, clock) == 0  # leased: nobody else takes it
    clock.offset = dt.timedelta(minutes=2, seconds=1)
    assert await _deliver(settings, clock) == 1  # lease expired: the restarted worker sends it
    assert len(push_service.received) == 1
    row = await PushOutbox.select().first()
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert await _deliver(settings, clock) == 0


async def test_two_workers_send_each_message_once(push_service, subscribe, settings):
    agent = await factories.user(role="agent")
    ids = []
    for _ in range(60):
        dossier_id = await factories.dossier(agent_id=agent, status="submitted")
        await subscribe(dossier_id)
        ids.append(dossier_id)
    for dossier_id in ids:
        await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
    sent = await asyncio.gather(
        _deliver(settings, batch_size=7, concurrency=4),
        _deliver(settings, batch_size=7, concurrency=4),
    )
    assert sum(sent) == 60
    tags = [m["tag"] for m in push_service.messages()]
    assert sorted(tags) == sorted(f"dossier-{i}" for i in ids)
    assert await PushOutbox.count().where(PushOutbox.status == "sent") == 60
