"""The push invitation to rate: written with the status change that completes the dossier,
once per dossier, opening the status page's rating form marked as coming from the push."""

from __future__ import annotations

import datetime as dt
import json

from app.dossiers.services import dossier_transition
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from app.feedback.tables import SatisfactionRating
from app.notifications.services import outbox_enqueue_status, subscription_create
from app.notifications.tables import PushOutbox
from tests.feedback.conftest import TOKEN

KEY = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
URL = f"/theo-doi/{TOKEN}?nguon=thong-bao#danh-gia"


async def _subscribe(settings, device: str = "abc") -> None:
    await subscription_create(
        token=TOKEN,
        subscription={
            "endpoint": f"https://fcm.googleapis.com/fcm/send/{device}",
            "keys": {"p256dh": KEY, "auth": "tBHItJI5svbpez7KI4CCXg"},
        },
        settings=settings,
    )


async def _invitations() -> list[dict]:
    rows = await PushOutbox.select().where(PushOutbox.kind == "rating_invitation")
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


async def test_returning_the_result_invites_to_rate_once_with_the_marked_link(
    make_dossier, settings
):
    dossier_id = await make_dossier("resolved")
    await _subscribe(settings)
    before = dt.datetime.now(dt.UTC)
    await dossier_transition(dossier_id=dossier_id, target=S.result_returned, actor_kind="portal")
    [invitation] = await _invitations()
    assert invitation["payload"]["url"] == URL
    assert invitation["payload"]["title"] == "Bạn thấy dịch vụ thế nào?"
    assert invitation["dossier"] == dossier_id and invitation["status"] == "pending"
    assert invitation["next_attempt_at"] >= before + dt.timedelta(minutes=29)
    # Whatever tells the outbox again about a completed dossier, no second invitation.
    await outbox_enqueue_status(dossier_id=dossier_id, status=S.result_delivered)
    await outbox_enqueue_status(dossier_id=dossier_id, status=S.result_returned)
    assert len(await _invitations()) == 1
    statuses = await PushOutbox.count().where(PushOutbox.kind == "status")
    assert statuses >= 2  # the status messages themselves still go


async def test_delivery_by_post_invites_at_delivery_not_at_dispatch(make_dossier, settings):
    dossier_id = await make_dossier("resolved")
    await _subscribe(settings)
    await dossier_transition(dossier_id=dossier_id, target=S.result_dispatched, actor_kind="postal")
    assert await _invitations() == []
    await dossier_transition(dossier_id=dossier_id, target=S.result_delivered, actor_kind="postal")
    [invitation] = await _invitations()
    assert invitation["payload"]["url"] == URL


async def test_each_device_following_the_dossier_gets_the_one_invitation(make_dossier, settings):
    dossier_id = await make_dossier("resolved")
    await _subscribe(settings, "phone")
    await _subscribe(settings, "tablet")
    await dossier_transition(dossier_id=dossier_id, target=S.result_returned, actor_kind="user")
    invitations = await _invitations()
    assert len(invitations) == 2
    assert len({r["subscription"] for r in invitations}) == 2


async def test_rating_before_the_invitation_goes_cancels_it(client, make_dossier, settings):
    dossier_id = await make_dossier("resolved")
    await _subscribe(settings)
    await dossier_transition(dossier_id=dossier_id, target=S.result_returned, actor_kind="portal")
    page = await client.page(URL.split("#")[0])
    source = [i for i in page.by_id("danh-gia").iter("input") if i.get("name") == "source"]
    assert source[0].get("value") == "push"
    response = await client.submit(f"/theo-doi/{TOKEN}/danh-gia", {"level": "satisfied"})
    assert response.status_code == 303
    [invitation] = await _invitations()
    assert invitation["status"] == "superseded"


async def test_an_already_rated_dossier_is_not_invited(make_dossier, settings, world):
    dossier_id = await make_dossier("resolved")
    await _subscribe(settings)
    await SatisfactionRating.insert(
        SatisfactionRating(
            dossier=dossier_id,
            point=world["point"],
            agent=world["agent"],
            level="satisfied",
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    await Dossier.update({Dossier.status: "result_returned"}).where(Dossier.id == dossier_id)
    await outbox_enqueue_status(dossier_id=dossier_id, status=S.result_returned)
    assert await _invitations() == []
