"""Dossier services without HTTP: creation, transitions, concurrency, external events."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from app.accounts.selectors import current_user_by_id
from app.audit.tables import AuditEvent
from app.dossiers import services
from app.dossiers.states import S
from app.dossiers.tables import Dossier, DossierComponent, DossierEvent, PostalDelivery
from app.errors import NotFoundError, ValidationError
from tests import factories

APPLICANT = {
    "full_name": "  Nguyễn   Thị Lan ",
    "id_number": "001190012345",  # Hà Nội, female born 1990
    "date_of_birth": "1990-03-14",
    "sex": "female",
    "phone": "+84 912 345 678",
    "email": "",
    "address": "Thôn 3, xã Tây Đằng",
}
TODAY = dt.date(2025, 11, 24)


async def _agent():
    point = await factories.point(code="DL-BV-9")
    return await current_user_by_id(await factories.user(role="agent", point_id=point))


async def _create(user, procedure_id, **kw):
    applicant = services.applicant_from_form(kw.pop("form", APPLICANT), today=TODAY)
    return await services.dossier_create(
        user=user,
        procedure_id=procedure_id,
        applicant=applicant,
        consent=kw.pop("consent", True),
        consent_version="2025-01",
        **kw,
    )


async def test_create_copies_the_checklist_and_records_consent():
    user = await _agent()
    procedure = await factories.procedure(components=3)
    dossier_id = await _create(user, procedure)
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "draft" and row.version == 1
    assert row.reference.startswith("DL-BV-9-") and row.reference.endswith("-0001")
    assert row.consent_version == "2025-01" and row.consent_by == user.id
    assert len(row.status_token) >= 32
    assert len(await DossierComponent.select().where(DossierComponent.dossier == dossier_id)) == 3
    applicant = await row.get_related(Dossier.applicant)
    assert applicant.full_name == "Nguyễn Thị Lan" and applicant.phone == "0912345678"
    assert await AuditEvent.count().where(AuditEvent.action == "dossier_created") == 1
    second = await _create(user, procedure)
    assert (await Dossier.objects().get(Dossier.id == second)).reference.endswith("-0002")


async def test_applicant_errors_name_every_bad_field():
    with pytest.raises(ValidationError) as info:
        services.applicant_from_form(
            {
                "full_name": "",
                "id_number": "12",
                "date_of_birth": "31/02/1990",
                "sex": "x",
                "phone": "0123",
                "address": "",
            },
            today=TODAY,
        )
    assert set(info.value.errors) >= {
        "full_name",
        "id_number",
        "date_of_birth",
        "sex",
        "phone",
        "address",
    }


async def test_cccd_must_match_birth_year_and_sex():
    with pytest.raises(ValidationError) as info:
        services.applicant_from_form({**APPLICANT, "sex": "male"}, today=TODAY)
    assert "id_number" in info.value.errors


async def test_consent_and_procedure_are_required_and_nothing_is_written():
    user = await _agent()
    procedure = await factories.procedure()
    with pytest.raises(ValidationError) as info:
        await _create(user, procedure, consent=False)
    assert "consent" in info.value.errors
    with pytest.raises(ValidationError) as info:
        await _create(user, 999999)
    assert "procedure" in info.value.errors
    assert await Dossier.count() == 0


async def test_transitions_are_recorded_and_illegal_ones_refused():
    user = await _agent()
    dossier_id = await _create(user, await factories.procedure(components=0))
    version = await services.dossier_mark_ready(user=user, dossier_id=dossier_id, version=1)
    assert version == 2
    with pytest.raises(services.TransitionRefused):
        await services.dossier_transition(
            dossier_id=dossier_id, target=S.resolved, actor_kind="user", actor_id=user.id
        )
    events = (
        await DossierEvent.select(DossierEvent.to_status)
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.id)
    )
    assert [e["to_status"] for e in events] == ["draft", "ready"]


async def test_ready_needs_every_mandatory_document_ticked():
    user = await _agent()
    dossier_id = await _create(user, await factories.procedure(components=2))
    with pytest.raises(services.DomainError) as info:
        await services.dossier_mark_ready(user=user, dossier_id=dossier_id, version=1)
    assert info.value.params == {"count": 2}
    ids = {c["id"] for c in await DossierComponent.select(DossierComponent.id)}
    await services.dossier_set_components(user=user, dossier_id=dossier_id, version=1, received=ids)
    assert await services.dossier_mark_ready(user=user, dossier_id=dossier_id, version=2) == 3


async def test_a_stale_version_loses_no_update():
    user = await _agent()
    dossier_id = await _create(user, await factories.procedure(components=0))
    results = await asyncio.gather(
        services.dossier_mark_ready(user=user, dossier_id=dossier_id, version=1),
        services.dossier_cancel(user=user, dossier_id=dossier_id, version=1, reason="Nhầm thủ tục"),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1
    assert isinstance(failures[0], (services.ConcurrentUpdate, services.TransitionRefused))
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.version == 2
    assert await DossierEvent.count().where(DossierEvent.dossier == dossier_id) == 2


async def test_another_points_agent_cannot_touch_the_dossier():
    user = await _agent()
    dossier_id = await _create(user, await factories.procedure(components=0))
    other = await current_user_by_id(await factories.user(role="agent"))
    with pytest.raises(NotFoundError):
        await services.dossier_mark_ready(user=other, dossier_id=dossier_id, version=1)


async def test_manual_portal_code_is_validated_and_unique():
    user = await _agent()
    procedure = await factories.procedure(components=0)
    first = await _create(user, procedure)
    second = await _create(user, procedure)
    for d in (first, second):
        await services.dossier_mark_ready(user=user, dossier_id=d, version=1)
    with pytest.raises(ValidationError):
        await services.dossier_record_portal_code(
            user=user, dossier_id=first, version=2, portal_code="not-a-code"
        )
    await services.dossier_record_portal_code(
        user=user, dossier_id=first, version=2, portal_code="000.00.26.h26-251124-0001"
    )
    row = await Dossier.objects().get(Dossier.id == first)
    assert row.status == "submitted" and row.portal_code == "000.00.26.H26-251124-0001"
    assert row.submission_mode == "manual"
    with pytest.raises(ValidationError) as info:
        await services.dossier_record_portal_code(
            user=user, dossier_id=second, version=2, portal_code="000.00.26.H26-251124-0001"
        )
    assert info.value.errors["portal_code"] == "Another dossier already has this code."


async def _submitted(code: str) -> int:
    return await factories.dossier(status="submitted", portal_code=code)


async def _apply(code, seq, target, at=None, reason=""):
    return await services.dossier_apply_external_event(
        source="portal",
        portal_code=code,
        waybill_code=None,
        seq=seq,
        target=target,
        reason=reason,
        occurred_at=at or dt.datetime(2025, 11, 24, 2, 0, tzinfo=dt.UTC),
        details={},
    )


async def test_portal_events_apply_in_order_and_set_the_due_date():
    code = "000.00.26.H26-251124-0007"
    dossier_id = await _submitted(code)
    assert await _apply(code, 1, S.received) == "applied"
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "received" and row.portal_seq == 1
    assert row.due_date is not None and row.due_date > dt.date(2025, 11, 24)
    assert (
        await _apply(code, 2, S.supplement_requested, reason="Bổ sung bản sao sổ hộ khẩu")
        == "applied"
    )
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.supplement_note == "Bổ sung bản sao sổ hộ khẩu"
    assert await _apply("000.00.26.H26-251124-9999", 1, S.received) == "unknown_dossier"


async def test_out_of_order_events_fast_forward_and_the_late_one_is_stale():
    code = "000.00.26.H26-251124-0008"
    dossier_id = await _submitted(code)
    later = dt.datetime(2025, 11, 25, 3, 0, tzinfo=dt.UTC)
    earlier = dt.datetime(2025, 11, 24, 2, 0, tzinfo=dt.UTC)
    assert await _apply(code, 2, S.processing, at=later) == "applied"
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "processing" and row.received_at == later
    assert await _apply(code, 1, S.received, at=earlier) == "stale"
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "processing" and row.received_at == earlier  # corrected
    events = (
        await DossierEvent.select(DossierEvent.to_status, DossierEvent.details)
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.id)
    )
    assert [e["to_status"] for e in events] == ["submitted", "received", "processing"]
    assert json.loads(events[1]["details"]) == {"inferred": True}


async def test_events_after_a_final_state_are_not_applied():
    code = "000.00.26.H26-251124-0009"
    dossier_id = await _submitted(code)
    assert await _apply(code, 1, S.not_accepted, reason="Sai thẩm quyền") == "applied"
    assert await _apply(code, 2, S.processing) == "illegal"
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "not_accepted" and row.portal_seq == 2 and row.finished_at is not None


async def test_postal_events_move_the_dossier_and_the_delivery():
    dossier_id = await factories.dossier(status="resolved", portal_code="000.00.26.H26-251124-0010")
    now = dt.datetime.now(dt.UTC)
    await PostalDelivery(
        dossier=dossier_id,
        recipient_name="Lan",
        phone="0912345678",
        address="Ba Vì",
        waybill_code="BCCI000000001",
        registered_at=now,
        updated_at=now,
    ).save()

    async def postal(seq, target):
        return await services.dossier_apply_external_event(
            source="postal",
            portal_code=None,
            waybill_code="BCCI000000001",
            seq=seq,
            target=target,
            reason="",
            occurred_at=now,
            details={},
        )

    assert await postal(1, S.result_dispatched) == "applied"
    assert await postal(2, S.result_delivered) == "applied"
    delivery = await PostalDelivery.objects().get(PostalDelivery.dossier == dossier_id)
    assert delivery.status == "delivered"
    assert (await Dossier.objects().get(Dossier.id == dossier_id)).status == "result_delivered"
