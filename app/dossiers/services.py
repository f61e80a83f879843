"""Writes about dossiers. Every change of status goes through `dossier_transition`, which
checks the state machine, bumps the version (optimistic concurrency) and records an event,
all in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any

from app.audit.services import AuditAction, audit_record
from app.catalogue.tables import Procedure, ProcedureComponent
from app.db import write_transaction
from app.dossiers import validation
from app.dossiers.states import FINAL, TRANSITIONS, IllegalTransition, S, check_transition
from app.dossiers.tables import (
    Applicant,
    Dossier,
    DossierComponent,
    DossierEvent,
    PostalDelivery,
    ResultDelivery,
)
from app.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from app.notifications.services import outbox_enqueue_status
from app.points.tables import AgentPoint
from app.web.i18n import N_, VN_TZ
from app.web.sessions import CurrentUser

MAX_NAME = 255
MAX_ADDRESS = 500


class ConcurrentUpdate(DomainError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            N_("Someone else changed this dossier a moment ago. Reload the page and try again.")
        )


class TransitionRefused(DomainError):
    status_code = 409

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            N_("This step is not possible now: the dossier is “%(current)s”."),
            current=current,
            target=target,
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine():
    return Dossier._meta.db


# ---------------------------------------------------------------------------
# Applicant data


@dataclass(frozen=True)
class ApplicantInput:
    full_name: str
    id_number: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str
    commune_code: str
    address: str
    old_id_number: str = ""
    id_issue_date: dt.date | None = None


def _parse_date(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d%m%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def applicant_from_form(form: dict[str, str], *, today: dt.date) -> ApplicantInput:
    """Validates every applicant field at once; raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    full_name = " ".join((form.get("full_name") or "").split())
    if not full_name:
        errors["full_name"] = N_("Enter the applicant's full name.")
    elif len(full_name) > MAX_NAME:
        errors["full_name"] = N_("The name is too long.")
    dob = _parse_date(form.get("date_of_birth", ""))
    if dob is None:
        errors["date_of_birth"] = N_("Enter the date of birth as dd/mm/yyyy.")
    elif dob > today or dob.year < 1900:
        errors["date_of_birth"] = N_("The date of birth is not possible.")
    sex = form.get("sex", "")
    if sex not in ("male", "female"):
        errors["sex"] = N_("Choose the sex as on the identity card.")
    id_number = ""
    try:
        id_number = validation.validate_cccd(
            form.get("id_number", ""),
            date_of_birth=dob if "date_of_birth" not in errors else None,
            sex=sex if "sex" not in errors else None,
        )
    except ValidationError as exc:
        errors["id_number"] = exc.message
    phone = ""
    try:
        phone = validation.normalise_phone(form.get("phone", ""))
    except ValidationError as exc:
        errors["phone"] = exc.message
    email = ""
    try:
        email = validation.validate_email(form.get("email", ""))
    except ValidationError as exc:
        errors["email"] = exc.message
    address = " ".join((form.get("address") or "").split())
    if not address:
        errors["address"] = N_("Enter the address.")
    elif len(address) > MAX_ADDRESS:
        errors["address"] = N_("The address is too long.")
    old_id = (form.get("old_id_number") or "").strip()
    if old_id and not (old_id.isdigit() and len(old_id) == 9):
        errors["old_id_number"] = N_("The old ID number has 9 digits.")
    if errors:
        raise ValidationError(errors)
    return ApplicantInput(
        full_name=full_name,
        id_number=id_number,
        date_of_birth=dob,
        sex=sex,
        phone=phone,
        email=email,
        commune_code=(form.get("commune_code") or "").strip()[:16],
        address=address,
        old_id_number=old_id,
        id_issue_date=_parse_date(form.get("id_issue_date", "")),
    )


# ---------------------------------------------------------------------------
# Creation


async def _next_reference(point_code: str, today_local: dt.date) -> str:
    prefix = f"{point_code}-{today_local:%y%m%d}-"
    last = (
        await Dossier.select(Dossier.reference)
        .where(Dossier.reference.like(f"{prefix}%"))
        .order_by(Dossier.reference, ascending=False)
        .first()
    )
    number = int(last["reference"].rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


async def dossier_create(
    *,
    user: CurrentUser,
    procedure_id: int,
    applicant: ApplicantInput,
    consent: bool,
    consent_version: str,
    result_delivery: str = ResultDelivery.pickup.value,
    received_components: set[int] | None = None,
    sets_count: int = 1,
    notes: str = "",
) -> int:
    """An agent opens a dossier at their point for a catalogued procedure."""
    if user.point_id is None:
        raise PermissionDeniedError(N_("Only an agent of a point can receive dossiers."))
    errors: dict[str, str] = {}
    procedure = (
        await Procedure.select(Procedure.id, Procedure.agent_allowed, Procedure.is_retired)
        .where(Procedure.id == procedure_id)
        .first()
    )
    if procedure is None or procedure["is_retired"] or not procedure["agent_allowed"]:
        errors["procedure"] = N_("Choose a procedure from the catalogue that agents may handle.")
    if not consent:
        errors["consent"] = N_(
            "The applicant must agree to the processing of their personal data before you continue."
        )
    if result_delivery not in {r.value for r in ResultDelivery}:
        errors["result_delivery"] = N_("Choose how the result is returned.")
    if not 1 <= sets_count <= 20:
        errors["sets_count"] = N_("The number of sets must be between 1 and 20.")
    if errors:
        raise ValidationError(errors)
    point = await AgentPoint.select(AgentPoint.code).where(AgentPoint.id == user.point_id).first()
    components = (
        await ProcedureComponent.select()
        .where(ProcedureComponent.procedure == procedure_id)
        .order_by(ProcedureComponent.position)
    )
    received_components = received_components or set()
    now = _now()
    async with write_transaction(_engine()):
        applicant_row = Applicant(
            full_name=applicant.full_name,
            id_number=applicant.id_number,
            old_id_number=applicant.old_id_number,
            date_of_birth=applicant.date_of_birth,
            sex=applicant.sex,
            phone=applicant.phone,
            email=applicant.email,
            commune_code=applicant.commune_code,
            address=applicant.address,
            id_issue_date=applicant.id_issue_date,
            created_at=now,
        )
        await applicant_row.save()
        dossier = Dossier(
            reference=await _next_reference(point["code"], now.astimezone(VN_TZ).date()),
            point=user.point_id,
            agent=user.id,
            procedure=procedure_id,
            applicant=applicant_row.id,
            status=S.draft.value,
            version=1,
            result_delivery=result_delivery,
            sets_count=sets_count,
            notes=notes.strip()[:2000],
            status_token=secrets.token_urlsafe(24),
            consent_version=consent_version,
            consent_at=now,
            consent_by=user.id,
            created_at=now,
            updated_at=now,
        )
        await dossier.save()
        if components:
            await DossierComponent.insert(
                *[
                    DossierComponent(
                        dossier=dossier.id,
                        procedure_component=c["id"],
                        position=c["position"],
                        name=c["name"],
                        copy_kind=c["copy_kind"],
                        copies=c["copies"],
                        mandatory=c["mandatory"],
                        received=c["id"] in received_components,
                    )
                    for c in components
                ]
            )
        await DossierEvent.insert(
            DossierEvent(
                dossier=dossier.id,
                at=now,
                from_status="",
                to_status=S.draft.value,
                actor_kind="user",
                actor=user.id,
                reason="",
                details={"consent_version": consent_version},
            )
        )
        await audit_record(
            action="dossier_created",
            actor_id=user.id,
            actor_label=user.username,
            object_type="dossier",
            object_id=str(dossier.id),
            details={"consent_version": consent_version},
        )
    return dossier.id


# ---------------------------------------------------------------------------
# Transitions


async def _load_for_update(dossier_id: int) -> dict:
    row = (
        await Dossier.select(
            Dossier.id,
            Dossier.status,
            Dossier.version,
            Dossier.portal_seq,
            Dossier.postal_seq,
            Dossier.received_at,
            Dossier.procedure.processing_days.as_alias("processing_days"),
        )
        .where(Dossier.id == dossier_id)
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This dossier does not exist."))
    return row


async def _status_side_effects(row: dict, target: S, at: dt.datetime, reason: str) -> dict:
    from app.workdays.services import due_date_for

    values: dict[Any, Any] = {}
    if target == S.submitted:
        values[Dossier.submitted_at] = at
    elif target == S.received:
        values[Dossier.received_at] = at
        values[Dossier.due_date] = await due_date_for(at, row["processing_days"])
    elif target == S.resolved:
        values[Dossier.resolved_at] = at
    elif target == S.supplement_requested:
        values[Dossier.supplement_note] = reason[:2000]
    if target in FINAL:
        values[Dossier.finished_at] = at
    return values


async def _audit_status_change(
    *,
    dossier_id: int,
    from_status: str,
    to_status: str,
    actor_kind: str,
    actor_id: int | None,
    inferred: bool,
) -> None:
    """The audit entry of a status change, in the transaction that makes it (last, so the
    chain's lock is held as briefly as possible)."""
    from app.accounts.tables import User

    label = actor_kind
    if actor_id is not None:
        user = await User.select(User.username).where(User.id == actor_id).first()
        label = user["username"] if user else actor_kind
    details = {"from": from_status, "to": to_status, "actor_kind": actor_kind}
    if inferred:
        details["inferred"] = True
    await audit_record(
        action=AuditAction.dossier_status_changed,
        actor_id=actor_id,
        actor_label=label,
        object_type="dossier",
        object_id=str(dossier_id),
        details=details,
    )


async def _apply_transition(
    row: dict,
    target: S,
    *,
    actor_kind: str,
    actor_id: int | None,
    reason: str,
    at: dt.datetime,
    extra: dict | None = None,
    details: dict | None = None,
) -> None:
    """Inside a transaction: state machine check, versioned update, event row, push outbox,
    audit entry."""
    check_transition(row["status"], target, actor_kind)
    values = await _status_side_effects(row, target, at, reason)
    values.update(extra or {})
    values[Dossier.status] = target.value
    values[Dossier.version] = row["version"] + 1
    values[Dossier.updated_at] = _now()
    updated = (
        await Dossier.update(values)
        .where((Dossier.id == row["id"]) & (Dossier.version == row["version"]))
        .returning(Dossier.id)
    )
    if not updated:
        raise ConcurrentUpdate()
    await DossierEvent.insert(
        DossierEvent(
            dossier=row["id"],
            at=at,
            from_status=row["status"],
            to_status=target.value,
            actor_kind=actor_kind,
            actor=actor_id,
            reason=reason[:2000],
            details=details or {},
        )
    )
    await outbox_enqueue_status(dossier_id=row["id"], status=target)
    await _audit_status_change(
        dossier_id=row["id"],
        from_status=row["status"],
        to_status=target.value,
        actor_kind=actor_kind,
        actor_id=actor_id,
        inferred=bool((details or {}).get("inferred")),
    )
    row["status"] = target.value
    row["version"] += 1


async def dossier_transition(
    *,
    dossier_id: int,
    target: S | str,
    actor_kind: str,
    actor_id: int | None = None,
    reason: str = "",
    expected_version: int | None = None,
    extra: dict | None = None,
) -> int:
    """One step of the state machine. Returns the new version."""
    target = S(target)
    async with write_transaction(_engine()):
        row = await _load_for_update(dossier_id)
        if expected_version is not None and row["version"] != expected_version:
            raise ConcurrentUpdate()
        try:
            await _apply_transition(
                row,
                target,
                actor_kind=actor_kind,
                actor_id=actor_id,
                reason=reason,
                at=_now(),
                extra=extra,
            )
        except IllegalTransition as exc:
            raise TransitionRefused(row["status"], target.value) from exc
    return row["version"]


def _path(current: S, target: S, actor_kind: str) -> list[S] | None:
    """Shortest chain of steps this actor may make from current to target (breadth first)."""
    queue: deque[list[S]] = deque([[current]])
    seen = {current}
    while queue:
        path = queue.popleft()
        for nxt, actors in TRANSITIONS.get(path[-1], {}).items():
            if actor_kind not in actors or nxt in seen:
                continue
            if nxt == target:
                return path[1:] + [nxt]
            seen.add(nxt)
            queue.append(path + [nxt])
    return None


async def dossier_apply_external_event(
    *,
    source: str,
    portal_code: str | None,
    waybill_code: str | None,
    seq: int,
    target: S,
    reason: str,
    occurred_at: dt.datetime,
    details: dict,
) -> str:
    """Applies a portal or postal event inside the caller's transaction.

    Returns "applied", "stale" (older than what was applied already), "unknown_dossier" or
    "illegal". Events may arrive out of order: a later event whose state is reachable only
    through steps not yet reported fast-forwards through them (each recorded as inferred);
    the earlier event, arriving afterwards, is stale but still corrects the reception time.
    """
    from app.dossiers.tables import DeliveryStatus

    target = S(target)
    if source == "portal":
        found = await Dossier.select(Dossier.id).where(Dossier.portal_code == portal_code).first()
        seq_column = Dossier.portal_seq
    else:
        found = (
            await PostalDelivery.select(PostalDelivery.dossier)
            .where(PostalDelivery.waybill_code == waybill_code)
            .first()
        )
        found = {"id": found["dossier"]} if found else None
        seq_column = Dossier.postal_seq
    if found is None:
        return "unknown_dossier"
    row = await _load_for_update(found["id"])
    if seq <= row[seq_column._meta.name]:
        if target == S.received and row["received_at"] and occurred_at < row["received_at"]:
            await _correct_reception(row, occurred_at)
        return "stale"
    actor_kind = "portal" if source == "portal" else "postal"
    steps = _path(S(row["status"]), target, actor_kind)
    if steps is None:
        # Not reachable (e.g. already final): remember the sequence, change nothing else.
        await Dossier.update(
            {seq_column: seq, Dossier.version: Dossier.version + 1, Dossier.updated_at: _now()}
        ).where(Dossier.id == row["id"])
        return "illegal"
    for step in steps:
        inferred = step != target
        await _apply_transition(
            row,
            step,
            actor_kind=actor_kind,
            actor_id=None,
            reason="" if inferred else reason,
            at=occurred_at,
            extra={seq_column: seq},
            details={**details, "inferred": True} if inferred else details,
        )
    if source == "postal":
        delivery = {
            S.result_dispatched: DeliveryStatus.dispatched,
            S.result_delivered: DeliveryStatus.delivered,
            S.delivery_failed: DeliveryStatus.failed,
        }.get(target)
        if delivery is not None:
            await PostalDelivery.update(
                {PostalDelivery.status: delivery.value, PostalDelivery.updated_at: _now()}
            ).where(PostalDelivery.dossier == row["id"])
    return "applied"


async def _correct_reception(row: dict, received_at: dt.datetime) -> None:
    from app.workdays.services import due_date_for

    await Dossier.update(
        {
            Dossier.received_at: received_at,
            Dossier.due_date: await due_date_for(received_at, row["processing_days"]),
            Dossier.version: Dossier.version + 1,
            Dossier.updated_at: _now(),
        }
    ).where(Dossier.id == row["id"])


# ---------------------------------------------------------------------------
# The agent's steps


async def _agent_dossier(user: CurrentUser, dossier_id: int) -> dict:
    """The dossier if it belongs to the agent's point; NotFound otherwise (no existence leak)."""
    row = (
        await Dossier.select(Dossier.id, Dossier.point, Dossier.status, Dossier.version)
        .where(Dossier.id == dossier_id)
        .first()
    )
    if row is None or user.point_id is None or row["point"] != user.point_id:
        raise NotFoundError(N_("This dossier does not exist or is not at your point."))
    return row


async def dossier_mark_ready(*, user: CurrentUser, dossier_id: int, version: int) -> int:
    await _agent_dossier(user, dossier_id)
    missing = len(
        await DossierComponent.select(DossierComponent.id).where(
            (DossierComponent.dossier == dossier_id)
            & (DossierComponent.mandatory.eq(True))
            & (DossierComponent.received.eq(False))
        )
    )
    if missing:
        raise DomainError(
            N_("%(count)s required document(s) are not yet ticked as received."), count=missing
        )
    return await dossier_transition(
        dossier_id=dossier_id,
        target=S.ready,
        actor_kind="user",
        actor_id=user.id,
        expected_version=version,
    )


async def dossier_cancel(*, user: CurrentUser, dossier_id: int, version: int, reason: str) -> int:
    await _agent_dossier(user, dossier_id)
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ValidationError({"reason": N_("Say why the dossier is cancelled.")})
    return await dossier_transition(
        dossier_id=dossier_id,
        target=S.cancelled,
        actor_kind="user",
        actor_id=user.id,
        reason=reason,
        expected_version=version,
    )


async def dossier_set_components(
    *, user: CurrentUser, dossier_id: int, version: int, received: set[int]
) -> None:
    """Ticks the checklist of documents received (only while the dossier is being prepared)."""
    row = await _agent_dossier(user, dossier_id)
    if row["status"] not in (S.draft.value, S.ready.value):
        raise TransitionRefused(row["status"], row["status"])
    async with write_transaction(_engine()):
        bumped = (
            await Dossier.update({Dossier.version: version + 1, Dossier.updated_at: _now()})
            .where((Dossier.id == dossier_id) & (Dossier.version == version))
            .returning(Dossier.id)
        )
        if not bumped:
            raise ConcurrentUpdate()
        await DossierComponent.update({DossierComponent.received: False}).where(
            DossierComponent.dossier == dossier_id
        )
        if received:
            await DossierComponent.update({DossierComponent.received: True}).where(
                (DossierComponent.dossier == dossier_id) & DossierComponent.id.is_in(list(received))
            )


async def dossier_record_portal_code(
    *, user: CurrentUser, dossier_id: int, version: int, portal_code: str
) -> int:
    """Manual mode: the agent submitted on the portal's own website and types its code."""
    await _agent_dossier(user, dossier_id)
    try:
        code = validation.validate_portal_code(portal_code)
    except ValidationError as exc:
        raise ValidationError({"portal_code": exc.message}) from exc
    if await Dossier.exists().where((Dossier.portal_code == code) & (Dossier.id != dossier_id)):
        raise ValidationError({"portal_code": N_("Another dossier already has this code.")})
    return await dossier_transition(
        dossier_id=dossier_id,
        target=S.submitted,
        actor_kind="user",
        actor_id=user.id,
        expected_version=version,
        extra={Dossier.portal_code: code, Dossier.submission_mode: "manual"},
        reason=N_("Submitted on the portal website; code typed by the agent."),
    )


async def dossier_submit(*, user: CurrentUser, dossier_id: int, version: int, connector) -> str:
    """Sends a ready dossier through the portal connector and records the portal's code."""
    from app.integrations.portal import PortalSubmission, submission_for_dossier

    row = await _agent_dossier(user, dossier_id)
    if row["version"] != version:
        raise ConcurrentUpdate()
    if row["status"] != S.ready.value:
        raise TransitionRefused(row["status"], S.submitted.value)
    submission: PortalSubmission = await submission_for_dossier(dossier_id)
    receipt = await connector.submit(submission)
    await dossier_transition(
        dossier_id=dossier_id,
        target=S.submitted,
        actor_kind="user",
        actor_id=user.id,
        expected_version=version,
        extra={Dossier.portal_code: receipt.portal_code, Dossier.submission_mode: "connector"},
    )
    return receipt.portal_code


async def dossier_hand_over_result(*, user: CurrentUser, dossier_id: int, version: int) -> int:
    await _agent_dossier(user, dossier_id)
    return await dossier_transition(
        dossier_id=dossier_id,
        target=S.result_returned,
        actor_kind="user",
        actor_id=user.id,
        expected_version=version,
        reason=N_("Result handed over at the agent point."),
    )


# ---------------------------------------------------------------------------
# Result delivery by post (BCCI)


async def postal_delivery_register(
    *, user: CurrentUser, dossier_id: int, form: dict[str, str], connector
) -> str:
    """Registers delivery of the result by post; returns the waybill code."""
    from app.integrations.postal import PostalOrder

    row = await _agent_dossier(user, dossier_id)
    if row["status"] in {s.value for s in FINAL}:
        raise TransitionRefused(row["status"], row["status"])
    if await PostalDelivery.exists().where(PostalDelivery.dossier == dossier_id):
        raise DomainError(N_("Delivery by post is already registered for this dossier."))
    errors: dict[str, str] = {}
    name = " ".join((form.get("recipient_name") or "").split())
    if not name or len(name) > MAX_NAME:
        errors["recipient_name"] = N_("Enter the recipient's full name.")
    phone = ""
    try:
        phone = validation.normalise_phone(form.get("recipient_phone", ""))
    except ValidationError as exc:
        errors["recipient_phone"] = exc.message
    address = " ".join((form.get("recipient_address") or "").split())
    if not address or len(address) > MAX_ADDRESS:
        errors["recipient_address"] = N_("Enter the delivery address.")
    if errors:
        raise ValidationError(errors)
    reference = (
        await Dossier.select(Dossier.reference, Dossier.portal_code)
        .where(Dossier.id == dossier_id)
        .first()
    )
    waybill = await connector.register(
        PostalOrder(
            order_number=reference["portal_code"] or reference["reference"],
            recipient_name=name,
            phone=phone,
            address=address,
            fee_note=(form.get("fee_note") or "").strip()[:500],
        )
    )
    now = _now()
    async with write_transaction(_engine()):
        await PostalDelivery.insert(
            PostalDelivery(
                dossier=dossier_id,
                recipient_name=name,
                phone=phone,
                address=address,
                commune_code=(form.get("commune_code") or "")[:16],
                fee_note=(form.get("fee_note") or "").strip()[:500],
                waybill_code=waybill,
                registered_at=now,
                updated_at=now,
            )
        )
        await Dossier.update(
            {
                Dossier.result_delivery: ResultDelivery.post.value,
                Dossier.version: Dossier.version + 1,
                Dossier.updated_at: now,
            }
        ).where(Dossier.id == dossier_id)
        await DossierEvent.insert(
            DossierEvent(
                dossier=dossier_id,
                at=now,
                from_status=row["status"],
                to_status=row["status"],
                actor_kind="user",
                actor=user.id,
                reason=N_("Delivery of the result by post registered."),
                details={"waybill_code": waybill},
            )
        )
    return waybill


# ---------------------------------------------------------------------------
# Personal data


async def dossier_reveal_personal_data(*, user: CurrentUser, dossier_id: int) -> dict:
    """Full personal data, for the agents of the dossier's point and admins only; logged."""
    from app.accounts.tables import Role
    from app.dossiers.selectors import dossier_detail

    dossier = await dossier_detail(user, dossier_id)
    if not (user.role == Role.admin.value or user.point_id == dossier["point"]):
        raise PermissionDeniedError(N_("Only the agents of this point may see full personal data."))
    await audit_record(
        action="personal_data_viewed",
        actor_id=user.id,
        actor_label=user.username,
        object_type="dossier",
        object_id=str(dossier_id),
        details={"fields": ["full_name", "id_number", "phone", "email", "address"]},
    )
    return dossier
