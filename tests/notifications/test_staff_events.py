"""Staff events end to end: the portal asking for documents reaches the dossier's agent (and
the point managers of its organisation), written in the transaction of the change; a point's
overdue dossiers reaching the threshold reaches the Centre once per crossing, checked by the
push worker's loop, once even when several workers check at the same moment."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from app.accounts.tables import User
from app.db import write_transaction
from app.dossiers.services import _apply_transition, _load_for_update, dossier_transition
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from app.notifications.services import overdue_alerts_check
from app.notifications.tables import OverdueAlert, PushOutbox
from app.notifications.worker import PushWorker, utcnow
from app.points.tables import AgentPoint
from app.settings import SettingsError, settings_from_env
from app.web.i18n import VN_TZ
from tests import factories
from tests.integrations.support import portal_event, signed_post

_codes = itertools.count(1)
NOTE = "Bổ sung bản sao có chứng thực Giấy chứng nhận kết hôn."
TODAY = dt.date(2025, 3, 12)


async def _deliver(settings, **options) -> int:
    async with PushWorker(settings, **options) as worker:
        total = 0
        while claimed := await worker.deliver_once():
            total += claimed
        return total


async def _agent_dossier(status: str = "processing", **kw) -> tuple[int, int, str]:
    """(dossier, its agent, its portal code)."""
    code = f"000.00.26.H26-250312-{next(_codes):04d}"
    point_id = kw.pop("point_id", None) or await factories.point()
    agent = await factories.user(role="agent", point_id=point_id)
    dossier_id = await factories.dossier(
        point_id=point_id, agent_id=agent, status=status, portal_code=code
    )
    return dossier_id, agent, code


async def _point_of(dossier_id: int) -> int:
    return (await Dossier.select(Dossier.point).where(Dossier.id == dossier_id).first())["point"]


# ---------------------------------------------------------------------------
# The portal asks for documents


async def test_the_agent_gets_the_supplement_request_decrypted_with_its_note(
    push_service, subscribe_staff, settings
):
    dossier_id, agent, code = await _agent_dossier()
    phone = await subscribe_staff(agent)
    await dossier_transition(
        dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal", reason=NOTE
    )
    [row] = await PushOutbox.select()
    assert (row["kind"], row["dossier"], row["status"]) == (
        "supplement_requested",
        dossier_id,
        "pending",
    )
    assert await _deliver(settings) == 1
    assert push_service.errors == []
    [received] = push_service.received
    assert received.subscription == phone.name
    assert received.message == {
        "title": f"Cổng DVC yêu cầu bổ sung hồ sơ {code}",
        "body": NOTE,
        "url": f"/ho-so/{dossier_id}",
        "tag": f"supplement-{dossier_id}",
        "kind": "supplement_requested",
    }
    assert received.headers["urgency"] == "high"
    assert received.headers["topic"] == f"supplement-{dossier_id}"


async def test_through_the_portal_webhook_too(client, push_service, subscribe_staff, settings):
    dossier_id, agent, code = await _agent_dossier("submitted")
    await subscribe_staff(agent)
    # Sequence 1 says "supplement requested" straight away: the app infers "received" first.
    response = await signed_post(client, "/webhooks/portal", portal_event(code, 1, 5, reason=NOTE))
    assert response.status_code == 200, response.text
    assert await _deliver(settings) == 1
    [message] = push_service.messages()
    assert message["title"].endswith(code) and message["body"] == NOTE


async def test_a_rolled_back_supplement_request_writes_nothing(push_service, subscribe_staff):
    dossier_id, agent, _ = await _agent_dossier()
    await subscribe_staff(agent)
    with pytest.raises(RuntimeError):
        async with write_transaction(Dossier._meta.db):
            row = await _load_for_update(dossier_id)
            await _apply_transition(
                row,
                S.supplement_requested,
                actor_kind="portal",
                actor_id=None,
                reason=NOTE,
                at=utcnow(),
            )
            assert await PushOutbox.count() == 1  # written in the same transaction…
            raise RuntimeError("the rest of the change failed")
    assert await PushOutbox.count() == 0  # …and gone with it
    status = await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first()
    assert status["status"] == "processing"


async def test_without_a_note_the_message_says_to_open_the_dossier(
    push_service, subscribe_staff, settings
):
    dossier_id, agent, _ = await _agent_dossier()
    await subscribe_staff(agent)
    await dossier_transition(
        dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal"
    )
    await _deliver(settings)
    assert push_service.messages()[0]["body"] == "Mở hồ sơ để xem cần bổ sung giấy tờ gì."


async def test_other_status_changes_tell_staff_nothing(push_service, subscribe_staff):
    dossier_id, agent, _ = await _agent_dossier("submitted")
    await subscribe_staff(agent)
    for target in (S.received, S.processing, S.financial_obligation, S.resolved):
        await dossier_transition(dossier_id=dossier_id, target=target, actor_kind="portal")
    assert await PushOutbox.count() == 0


async def test_only_the_agent_of_the_dossier_and_its_organisations_managers_hear_of_it(
    push_service, subscribe_staff, settings
):
    organisation = await factories.organisation()
    point_id = await factories.point(organisation_id=organisation)
    dossier_id, agent, _ = await _agent_dossier(point_id=point_id)
    listeners = {
        "agent": agent,
        "colleague at the same point": await factories.user(role="agent", point_id=point_id),
        "agent of another point": await factories.user(role="agent"),
        "manager of the organisation": await factories.user(
            role="point_manager", organisation_id=organisation
        ),
        "manager of another organisation": await factories.user(role="point_manager"),
        "supervisor": await factories.user(role="supervisor"),
        "admin": await factories.user(role="admin"),
    }
    phones = {who: await subscribe_staff(user_id) for who, user_id in listeners.items()}
    # Another point's dossier, at another point's agent's request: not ours either.
    other_dossier, other_agent, _ = await _agent_dossier()
    await dossier_transition(
        dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal", reason=NOTE
    )
    await dossier_transition(
        dossier_id=other_dossier, target=S.supplement_requested, actor_kind="portal"
    )
    await _deliver(settings)
    reached = sorted(who for who, p in phones.items() if push_service.messages(p.name))
    assert reached == ["agent", "manager of the organisation"]
    assert {m["url"] for m in push_service.messages()} == {f"/ho-so/{dossier_id}"}


async def test_an_agent_who_left_the_point_or_was_deactivated_hears_nothing(
    push_service, subscribe_staff
):
    moved, moved_agent, _ = await _agent_dossier()
    gone, gone_agent, _ = await _agent_dossier()
    await subscribe_staff(moved_agent)
    await subscribe_staff(gone_agent)
    await User.update({User.point: await factories.point()}).where(User.id == moved_agent)
    await User.update({User.is_active: False}).where(User.id == gone_agent)
    for dossier_id in (moved, gone):
        await dossier_transition(
            dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal"
        )
    assert await PushOutbox.count() == 0


async def test_the_citizen_and_the_agent_each_get_their_own_message(
    push_service, subscribe, subscribe_staff, settings
):
    dossier_id, agent, _ = await _agent_dossier()
    citizen = await subscribe(dossier_id)
    staff = await subscribe_staff(agent)
    await dossier_transition(
        dossier_id=dossier_id, target=S.supplement_requested, actor_kind="portal", reason=NOTE
    )
    await _deliver(settings)
    assert [m["kind"] for m in push_service.messages(citizen.name)] == ["status"]
    assert push_service.messages(citizen.name)[0]["url"].startswith("/theo-doi/")
    assert [m["kind"] for m in push_service.messages(staff.name)] == ["supplement_requested"]


# ---------------------------------------------------------------------------
# A point's overdue dossiers reach the threshold


async def _overdue(point_id: int, n: int, *, due: dt.date = TODAY - dt.timedelta(days=1)):
    ids = []
    agent = await factories.user(role="agent", point_id=point_id)
    for _ in range(n):
        dossier_id = await factories.dossier(point_id=point_id, agent_id=agent, status="processing")
        await Dossier.update({Dossier.due_date: due}).where(Dossier.id == dossier_id)
        ids.append(dossier_id)
    return ids


async def _resolve(dossier_ids: list[int]) -> None:
    for dossier_id in dossier_ids:
        await dossier_transition(dossier_id=dossier_id, target=S.resolved, actor_kind="portal")


async def _check(today: dt.date = TODAY, threshold: int = 3) -> list[int]:
    return await overdue_alerts_check(today=today, threshold=threshold)


async def _centre(subscribe_staff) -> list:
    supervisor = await factories.user(role="supervisor")
    admin = await factories.user(role="admin")
    return [await subscribe_staff(supervisor), await subscribe_staff(admin)]


async def test_crossing_the_threshold_alerts_the_centre_once(
    push_service, subscribe_staff, settings
):
    point_id = await factories.point()
    centre = await _centre(subscribe_staff)
    agent_phone = await subscribe_staff(await factories.user(role="agent", point_id=point_id))
    await _overdue(point_id, 2)
    assert await _check() == []
    await _overdue(point_id, 1)
    assert await _check() == [point_id]
    assert await _check() == []  # no repeat while it stays above
    await _overdue(point_id, 1)
    assert await _check() == []  # 4 is the same crossing
    assert await _deliver(settings) == 2
    name = (await AgentPoint.select(AgentPoint.name).where(AgentPoint.id == point_id).first())[
        "name"
    ]
    assert name.startswith("Điểm ")
    for phone in centre:
        assert push_service.messages(phone.name) == [
            {
                "title": f"{name} có 3 hồ sơ quá hạn",  # "Điểm <name>", not "Điểm Điểm …"
                "body": "Cảnh báo được gửi khi một điểm có từ 3 hồ sơ quá hạn. "
                "Mở trang giám sát để xem điểm này.",
                "url": f"/giam-sat#diem-{point_id}",
                "tag": f"overdue-{point_id}",
                "kind": "overdue_threshold",
            }
        ]
    assert push_service.messages(agent_phone.name) == []
    [row] = await OverdueAlert.select().where(OverdueAlert.point == point_id)
    assert (row["alerted"], row["overdue_count"]) == (True, 3)


async def test_falling_below_re_arms_and_the_next_crossing_alerts_again(subscribe_staff):
    point_id = await factories.point()
    await _centre(subscribe_staff)
    dossiers = await _overdue(point_id, 3)
    assert await _check() == [point_id]
    await _resolve(dossiers[:1])  # 2 left: below the threshold
    assert await _check() == []
    assert (await OverdueAlert.select().first())["alerted"] is False
    assert await PushOutbox.count() == 2  # re-arming says nothing
    await _overdue(point_id, 1)
    assert await _check() == [point_id]
    assert await PushOutbox.count() == 4


async def test_dossiers_become_overdue_as_days_pass(subscribe_staff):
    point_id = await factories.point()
    await _centre(subscribe_staff)
    await _overdue(point_id, 3, due=TODAY)
    assert await _check(TODAY) == []  # due today is not late yet
    assert await _check(TODAY + dt.timedelta(days=1)) == [point_id]


async def test_only_dossiers_the_office_holds_count(subscribe_staff):
    point_id = await factories.point()
    await _centre(subscribe_staff)
    dossiers = await _overdue(point_id, 3)
    await dossier_transition(
        dossier_id=dossiers[0], target=S.supplement_requested, actor_kind="portal"
    )  # waiting for the citizen: not the office's delay
    assert await _check() == []


async def test_several_points_in_one_check_and_each_on_its_own(push_service, subscribe_staff):
    first, second, calm = [await factories.point() for _ in range(3)]
    await _centre(subscribe_staff)
    await _overdue(first, 3)
    await _overdue(second, 4)
    await _overdue(calm, 2)
    assert await _check() == sorted([first, second])
    topics = sorted(r["topic"] for r in await PushOutbox.select(PushOutbox.topic))
    assert topics == sorted([f"overdue-{first}"] * 2 + [f"overdue-{second}"] * 2)


async def test_no_subscriber_still_counts_as_the_crossing():
    point_id = await factories.point()
    await _overdue(point_id, 3)
    assert await _check() == [point_id]
    assert await PushOutbox.count() == 0
    assert await _check() == []


async def test_threshold_zero_turns_the_alert_off(subscribe_staff):
    point_id = await factories.point()
    await _centre(subscribe_staff)
    await _overdue(point_id, 3)
    assert await _check(threshold=0) == []
    assert await OverdueAlert.count() == 0


async def test_concurrent_checks_alert_once(subscribe_staff):
    points = [await factories.point() for _ in range(3)]
    await _centre(subscribe_staff)
    for point_id in points:
        await _overdue(point_id, 3)
    results = await asyncio.gather(*(_check() for _ in range(6)))
    alerted = sorted(p for result in results for p in result)
    assert alerted == sorted(points)  # each point once, whoever won it
    assert await PushOutbox.count() == 2 * len(points)
    assert await OverdueAlert.count() == len(points)


async def test_concurrent_checks_through_the_conditional_update_alone(monkeypatch, subscribe_staff):
    """Without the PostgreSQL advisory lock, the conditional update still lets one win."""
    from app.notifications import services

    monkeypatch.setattr(services, "is_sqlite", lambda engine: True)  # skip the lock
    point_id = await factories.point()
    await _centre(subscribe_staff)
    await _overdue(point_id, 3)
    results = await asyncio.gather(*(_check() for _ in range(6)))
    assert sorted(p for result in results for p in result) == [point_id]
    assert await PushOutbox.count() == 2


async def test_the_worker_counts_days_in_hanoi(subscribe_staff, settings):
    point_id = await factories.point()
    await _centre(subscribe_staff)
    await _overdue(point_id, 5, due=dt.date(2025, 2, 5))
    evening = dt.datetime(2025, 2, 5, 16, 30, tzinfo=dt.UTC)  # 23:30 in Hanoi
    after_midnight = dt.datetime(2025, 2, 5, 17, 30, tzinfo=dt.UTC)  # 00:30 on 6/2 in Hanoi
    assert after_midnight.astimezone(VN_TZ).date() == dt.date(2025, 2, 6)
    async with PushWorker(settings, clock=lambda: evening) as worker:
        assert await worker.check_overdue() == []
    async with PushWorker(settings, clock=lambda: after_midnight) as worker:
        assert await worker.check_overdue() == [point_id]  # threshold 5 from the settings
    row = await OverdueAlert.select().first()
    assert row["changed_at"] == after_midnight


async def test_the_worker_loop_checks_and_delivers(push_service, subscribe_staff, settings):
    point_id = await factories.point()
    centre = await _centre(subscribe_staff)
    await _overdue(point_id, 5, due=dt.date.today() - dt.timedelta(days=3))
    stop = asyncio.Event()
    async with PushWorker(settings, poll_seconds=0.05) as worker:
        task = asyncio.create_task(worker.run(stop))
        for _ in range(200):
            if len(push_service.received) == len(centre):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await task
    assert sorted(r.subscription for r in push_service.received) == sorted(p.name for p in centre)
    assert {r.message["kind"] for r in push_service.received} == {"overdue_threshold"}


async def test_the_supervision_page_shows_the_point_the_alert_links_to(client):
    point_id = await factories.point()
    await _overdue(point_id, 2, due=dt.date.today() - dt.timedelta(days=3))
    await factories.user(role="supervisor", username="giamsat-x")
    await client.login("giamsat-x")
    page = await client.page("/giam-sat")
    assert "2 hồ sơ quá hạn" in page.text_of(f"diem-{point_id}")


def test_the_threshold_setting():
    assert settings_from_env({}).push_overdue_threshold == 5
    assert settings_from_env({"PUSH_OVERDUE_THRESHOLD": "12"}).push_overdue_threshold == 12
    assert settings_from_env({"PUSH_OVERDUE_THRESHOLD": "0"}).push_overdue_threshold == 0
    with pytest.raises(SettingsError, match="PUSH_OVERDUE_THRESHOLD"):
        settings_from_env({"PUSH_OVERDUE_THRESHOLD": "-1"})
    with pytest.raises(SettingsError, match="PUSH_OVERDUE_THRESHOLD"):
        settings_from_env({"PUSH_OVERDUE_THRESHOLD": "many"})


async def test_a_quarantined_alert_without_a_dossier_is_listed_by_what_it_said(
    client, push_service, subscribe_staff, settings
):
    point_id = await factories.point()
    [phone, _] = await _centre(subscribe_staff)
    phone.responses.append((413, {}))
    await _overdue(point_id, 3)
    await _check()
    await _deliver(settings)
    await factories.user(role="admin", username="quantri-x")
    await client.login("quantri-x")
    page = await client.page("/quan-tri/thong-bao")
    assert "có 3 hồ sơ quá hạn" in page.text
    assert "Cán bộ: điểm có nhiều hồ sơ quá hạn" in page.text
    assert "None" not in page.text
