"""A point's lifecycle: proposal, review against the criteria, approval, activation,
suspension, closing; every step an event with actor, time and reason, and an audit entry."""

from __future__ import annotations

import pytest

from app.audit.tables import AuditEvent
from app.errors import PermissionDeniedError, ValidationError
from app.points import services
from app.points.services import CriteriaNotMet, TransitionRefused
from app.points.tables import AgentPoint, PointEvent
from tests import factories
from tests.points.support import ALL_CRITERIA, POINT_FORM, actor, passed_training, seeded, tick_all


async def _status(point_id: int) -> str:
    row = await AgentPoint.select(AgentPoint.status).where(AgentPoint.id == point_id).first()
    return row["status"]


async def _events(point_id: int) -> list[dict]:
    return (
        await PointEvent.select(
            PointEvent.from_status, PointEvent.to_status, PointEvent.actor, PointEvent.reason
        )
        .where(PointEvent.point == point_id)
        .order_by(PointEvent.id)
    )


async def test_approval_is_refused_until_every_criterion_is_met_then_accepted():
    supervisor = await actor("supervisor")
    point_id = await factories.point(status="under_review")
    agent_id = await factories.user(role="agent", point_id=point_id)

    with pytest.raises(CriteriaNotMet) as refused:
        await services.point_transition(point_id=point_id, target="approved", actor=supervisor)
    assert refused.value.missing == [
        "premises",
        "computer",
        "scanner",
        "printer",
        "internet",
        "trained_staff",
    ]
    assert await _status(point_id) == "under_review"

    await services.point_review(
        point_id=point_id,
        criteria={
            "premises": True,
            "computer": True,
            "scanner": True,
            "printer": False,
            "internet": True,
        },
        note="Máy in chưa lắp.",
        actor=supervisor,
    )
    with pytest.raises(CriteriaNotMet) as refused:
        await services.point_transition(point_id=point_id, target="approved", actor=supervisor)
    assert refused.value.missing == ["printer", "trained_staff"]

    await tick_all(point_id)
    await passed_training(agent_id, result="failed")  # failing does not count
    with pytest.raises(CriteriaNotMet) as refused:
        await services.point_transition(point_id=point_id, target="approved", actor=supervisor)
    assert refused.value.missing == ["trained_staff"]

    await passed_training(agent_id)
    await services.point_transition(point_id=point_id, target="approved", actor=supervisor)
    assert await _status(point_id) == "approved"


async def test_the_minimum_of_trained_staff_is_a_setting():
    supervisor = await actor("supervisor")
    point_id = await factories.point(status="under_review")
    await tick_all(point_id)
    first = await factories.user(role="agent", point_id=point_id)
    second = await factories.user(role="agent", point_id=point_id)
    await passed_training(first)
    with pytest.raises(CriteriaNotMet) as refused:
        await services.point_transition(
            point_id=point_id, target="approved", actor=supervisor, min_trained=2
        )
    assert (refused.value.trained, refused.value.required) == (1, 2)
    await passed_training(second)
    await services.point_transition(
        point_id=point_id, target="approved", actor=supervisor, min_trained=2
    )
    assert await _status(point_id) == "approved"


async def test_every_step_is_an_event_with_reviewer_and_reason_and_is_audited():
    await seeded()
    manager = await actor("point_manager")
    supervisor = await actor("supervisor")
    point_id = await services.point_create(values=POINT_FORM, actor=manager)
    await factories.user(role="agent", point_id=point_id)
    agent = (await _staff(point_id))[0]
    await passed_training(agent)

    steps = [
        ("under_review", ""),
        ("proposed", "Thiếu ảnh mặt bằng"),
        ("under_review", ""),
        ("approved", ""),
        ("active", ""),
        ("suspended", "Máy in hỏng"),
        ("active", ""),
        ("closed", "Tổ chức xin dừng"),
    ]
    await AgentPoint.update(ALL_CRITERIA).where(AgentPoint.id == point_id)
    for target, reason in steps:
        await services.point_transition(
            point_id=point_id, target=target, actor=supervisor, reason=reason
        )

    events = await _events(point_id)
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("", "proposed"),
        ("proposed", "under_review"),
        ("under_review", "proposed"),
        ("proposed", "under_review"),
        ("under_review", "approved"),
        ("approved", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "closed"),
    ]
    assert events[0]["actor"] == manager.id
    assert {e["actor"] for e in events[1:]} == {supervisor.id}
    assert [e["reason"] for e in events if e["reason"]] == [
        "Thiếu ảnh mặt bằng",
        "Máy in hỏng",
        "Tổ chức xin dừng",
    ]

    audited = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.actor, AuditEvent.details)
        .where((AuditEvent.object_type == "agent_point") & (AuditEvent.object_id == str(point_id)))
        .order_by(AuditEvent.seq)
    )
    changes = [a for a in audited if a["action"] == "point_status_changed"]
    assert len(changes) == len(steps)
    assert all(a["actor"] == supervisor.id for a in changes)
    assert '"to_status":"closed"' in changes[-1]["details"]
    assert "Tổ chức xin dừng" in changes[-1]["details"]
    assert audited[0]["action"] == "point_proposed" and audited[0]["actor"] == manager.id


async def _staff(point_id: int) -> list[int]:
    from app.accounts.tables import User

    return [r["id"] for r in await User.select(User.id).where(User.point == point_id)]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("proposed", "approved"),
        ("proposed", "active"),
        ("under_review", "active"),
        ("approved", "suspended"),
        ("active", "approved"),
        ("suspended", "approved"),
        ("closed", "active"),
        ("closed", "proposed"),
        ("active", "active"),
        ("active", "nonsense"),
    ],
)
async def test_illegal_transitions_are_refused_and_leave_nothing(start, target):
    supervisor = await actor("supervisor")
    point_id = await factories.point(status=start)
    await tick_all(point_id)
    with pytest.raises(TransitionRefused):
        await services.point_transition(
            point_id=point_id, target=target, actor=supervisor, reason="Thử"
        )
    assert await _status(point_id) == start
    assert await PointEvent.count().where(PointEvent.point == point_id) == 0


@pytest.mark.parametrize(
    ("start", "target"),
    [("active", "suspended"), ("approved", "closed"), ("under_review", "proposed")],
)
async def test_a_reason_is_required_to_suspend_close_or_send_back(start, target):
    supervisor = await actor("supervisor")
    point_id = await factories.point(status=start)
    with pytest.raises(ValidationError) as refused:
        await services.point_transition(
            point_id=point_id, target=target, actor=supervisor, reason="  "
        )
    assert "reason" in refused.value.errors
    assert await _status(point_id) == start


async def test_a_stale_form_is_refused():
    supervisor = await actor("supervisor")
    point_id = await factories.point(status="suspended")
    with pytest.raises(TransitionRefused):
        await services.point_transition(
            point_id=point_id, target="active", actor=supervisor, expected_status="active"
        )


async def test_only_the_centre_moves_points():
    manager = await actor("point_manager")
    point_id = await factories.point(organisation_id=manager.organisation_id, status="proposed")
    with pytest.raises(PermissionDeniedError):
        await services.point_transition(point_id=point_id, target="under_review", actor=manager)


async def test_a_manager_proposes_for_their_organisation_and_edits_only_while_proposed():
    await seeded()
    manager = await actor("point_manager")
    supervisor = await actor("supervisor")
    other_org = await factories.organisation()
    point_id = await services.point_create(
        values={**POINT_FORM, "organisation": str(other_org)}, actor=manager
    )
    row = await AgentPoint.select().where(AgentPoint.id == point_id).first()
    assert row["organisation"] == manager.organisation_id  # not the one sent
    assert row["status"] == "proposed"
    assert (row["district"], row["commune"], row["is_outer_district"]) == (
        "Gia Lâm",
        "Xã Gia Lâm",
        True,
    )
    assert (row["latitude"], row["longitude"], row["phone"]) == (21.018, 105.939, "02438765432")

    await services.point_edit(
        point_id=point_id, values={**POINT_FORM, "name": "Điểm mới"}, actor=manager
    )
    await services.point_transition(point_id=point_id, target="under_review", actor=supervisor)
    with pytest.raises(TransitionRefused):
        await services.point_edit(point_id=point_id, values=POINT_FORM, actor=manager)
    await services.point_edit(
        point_id=point_id,
        values={**POINT_FORM, "name": "Điểm do Trung tâm sửa", "organisation": str(other_org)},
        actor=supervisor,
    )
    assert (await AgentPoint.select(AgentPoint.name).where(AgentPoint.id == point_id).first())[
        "name"
    ] == "Điểm do Trung tâm sửa"
    moved = await AgentPoint.select(AgentPoint.organisation).where(AgentPoint.id == point_id)
    assert moved[0]["organisation"] == other_org  # the Centre may move a point


async def test_point_fields_are_checked():
    await seeded()
    manager = await actor("point_manager")
    bad = {
        **POINT_FORM,
        "code": "dl bv",
        "district_code": "00565",  # a commune, not a district
        "commune_code": "271",  # a district, not a commune
        "latitude": "10.77",
        "longitude": "",
        "phone": "12345",
        "phase": "3",
    }
    with pytest.raises(ValidationError) as refused:
        await services.point_create(values=bad, actor=manager)
    assert set(refused.value.errors) == {
        "code",
        "district_code",
        "commune_code",
        "latitude",
        "longitude",
        "phone",
        "phase",
    }
    assert await AgentPoint.count() == 0
