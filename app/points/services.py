"""Writes about organisations and agent points: create, edit, review, lifecycle steps.

Every write validates first (`ValidationError` naming each field), then runs in one
transaction that also appends the audit entry. A point's lifecycle is the table
`TRANSITIONS`; each step is a `PointEvent` row with actor, time and reason."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from app.accounts.guards import CENTRE_ROLES
from app.accounts.tables import Role
from app.audit.services import audit_record
from app.db import write_transaction
from app.dossiers.validation import validate_email
from app.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from app.points import validation as v
from app.points.tables import (
    AgentPoint,
    Organisation,
    OrganisationKind,
    PointEvent,
    PointStatus,
)
from app.territory.hanoi_units import DISTRICTS_VALID_TO
from app.territory.selectors import short_name
from app.territory.tables import AdminUnit
from app.training.selectors import trained_count
from app.web.i18n import N_, VN_TZ
from app.web.ids import row_id
from app.web.sessions import CurrentUser

P = PointStatus
TRANSITIONS: dict[P, frozenset[P]] = {
    P.proposed: frozenset({P.under_review, P.closed}),
    P.under_review: frozenset({P.approved, P.proposed, P.closed}),
    P.approved: frozenset({P.active, P.closed}),
    P.active: frozenset({P.suspended, P.closed}),
    P.suspended: frozenset({P.active, P.closed}),
    P.closed: frozenset(),
}
# The order a point page offers the next steps in: forward first, closing last.
STEP_ORDER = (P.under_review, P.approved, P.active, P.proposed, P.suspended, P.closed)
CRITERIA = ("premises", "computer", "scanner", "printer", "internet")
CRITERION_COLUMNS = {name: f"has_{name}" for name in CRITERIA}
TRAINED_STAFF = "trained_staff"
MAX_NAME, MAX_ADDRESS, MAX_HOURS, MAX_NOTE, MAX_REASON, MAX_LICENCE = 255, 500, 255, 2000, 2000, 100
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,31}")


class PointAction:
    organisation_created = "organisation_created"
    organisation_edited = "organisation_edited"
    point_proposed = "point_proposed"
    point_edited = "point_edited"
    point_reviewed = "point_reviewed"
    point_status_changed = "point_status_changed"


class TransitionRefused(DomainError):
    status_code = 409


class CriteriaNotMet(DomainError):
    """Approval refused: `missing` names each unmet criterion (CRITERIA or TRAINED_STAFF)."""

    status_code = 422

    def __init__(self, missing: list[str], *, trained: int, required: int) -> None:
        super().__init__(N_("The point cannot be approved: some criteria are not met."))
        self.missing = missing
        self.trained = trained
        self.required = required


def reason_required(from_status: str, to_status: str) -> bool:
    return to_status in (P.suspended, P.closed) or (
        from_status == P.under_review and to_status == P.proposed
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return dt.datetime.now(VN_TZ).date()


def _is_centre(actor: CurrentUser) -> bool:
    return actor.role in CENTRE_ROLES


async def _audit(action: str, actor: CurrentUser, kind: str, object_id: int, **details) -> None:
    await audit_record(
        action=action,
        actor_id=actor.id,
        actor_label=actor.username,
        object_type=kind,
        object_id=str(object_id),
        details=details,
    )


# ---------------------------------------------------------------------------
# Organisations

E_ORG_NAME = N_("Enter the name of the organisation.")
E_ORG_NAME_LONG = N_("The name must be at most 255 characters.")
E_ORG_KIND = N_("Choose the kind of organisation.")
E_TAX_CODE_TAKEN = N_("Another organisation already has this tax code.")
E_CONTACT_NAME_LONG = N_("The contact name must be at most 255 characters.")
E_ADDRESS_LONG = N_("The address must be at most 500 characters.")
E_LICENCE_LONG = N_("The licence number must be at most 100 characters.")
E_LICENCE_FUTURE = N_("The licence date cannot be in the future.")


def organisation_clean(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = v.clean_text(values.get("name"))
    if not name:
        errors["name"] = E_ORG_NAME
    elif len(name) > MAX_NAME:
        errors["name"] = E_ORG_NAME_LONG
    kind = v.clean_text(values.get("kind"))
    if kind not in {k.value for k in OrganisationKind}:
        errors["kind"] = E_ORG_KIND
    tax_code = v.normalise_tax_code(v.clean_text(values.get("tax_code")))
    if problem := v.tax_code_problem(tax_code):
        errors["tax_code"] = problem
    contact_name = v.clean_text(values.get("contact_name"))
    if len(contact_name) > MAX_NAME:
        errors["contact_name"] = E_CONTACT_NAME_LONG
    phone_raw = v.clean_text(values.get("contact_phone"))
    phone = v.normalise_phone(phone_raw) if phone_raw else ""
    if phone is None:
        errors["contact_phone"] = v.MSG_PHONE
    email = ""
    try:
        email = validate_email(v.clean_text(values.get("contact_email")), field="contact_email")
    except ValidationError as exc:
        errors.update(exc.errors)
    address = v.clean_text(values.get("address"))
    if len(address) > MAX_ADDRESS:
        errors["address"] = E_ADDRESS_LONG
    licence_number = v.clean_text(values.get("licence_number"))
    if len(licence_number) > MAX_LICENCE:
        errors["licence_number"] = E_LICENCE_LONG
    licence_raw = v.clean_text(values.get("licence_date"))
    licence_date = v.parse_day(licence_raw) if licence_raw else None
    if licence_raw and licence_date is None:
        errors["licence_date"] = v.MSG_DATE
    elif licence_date and licence_date > _today():
        errors["licence_date"] = E_LICENCE_FUTURE
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "kind": kind,
        "tax_code": tax_code,
        "contact_name": contact_name,
        "contact_phone": phone or "",
        "contact_email": email,
        "address": address,
        "licence_number": licence_number,
        "licence_date": licence_date,
    }


async def _tax_code_taken(tax_code: str, other_than: int | None = None) -> bool:
    query = Organisation.exists().where(Organisation.tax_code == tax_code)
    if other_than is not None:
        query = query.where(Organisation.id != other_than)
    return await query


def _require_centre(actor: CurrentUser) -> None:
    if not _is_centre(actor):
        raise PermissionDeniedError(
            N_("Only the Centre's supervisors and administrators can do this.")
        )


async def organisation_create(*, values: Mapping[str, Any], actor: CurrentUser) -> int:
    _require_centre(actor)
    data = organisation_clean(values)
    now = _now()
    try:
        async with write_transaction(Organisation._meta.db):
            if await _tax_code_taken(data["tax_code"]):
                raise ValidationError({"tax_code": E_TAX_CODE_TAKEN})
            row = Organisation(created_at=now, updated_at=now, **data)
            await row.save()
            await _audit(
                PointAction.organisation_created,
                actor,
                "organisation",
                row.id,
                tax_code=data["tax_code"],
            )
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:
        raise ValidationError({"tax_code": E_TAX_CODE_TAKEN}) from exc
    return row.id


async def organisation_edit(
    *, organisation_id: int, values: Mapping[str, Any], actor: CurrentUser
) -> None:
    _require_centre(actor)
    data = organisation_clean(values)
    try:
        async with write_transaction(Organisation._meta.db):
            if not await Organisation.exists().where(Organisation.id == organisation_id):
                raise NotFoundError(N_("This organisation does not exist or is not yours to see."))
            if await _tax_code_taken(data["tax_code"], other_than=organisation_id):
                raise ValidationError({"tax_code": E_TAX_CODE_TAKEN})
            await Organisation.update({**data, "updated_at": _now()}).where(
                Organisation.id == organisation_id
            )
            await _audit(
                PointAction.organisation_edited,
                actor,
                "organisation",
                organisation_id,
                tax_code=data["tax_code"],
            )
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:
        raise ValidationError({"tax_code": E_TAX_CODE_TAKEN}) from exc


# ---------------------------------------------------------------------------
# Points: data

E_CODE = N_("Enter a code of 3 to 32 capital letters, digits and dashes, for example DL-BV-002.")
E_CODE_TAKEN = N_("Another agent point already has this code.")
E_POINT_NAME = N_("Enter the name of the point.")
E_POINT_NAME_LONG = N_("The name must be at most 255 characters.")
E_ORGANISATION = N_("Choose the organisation that runs the point.")
E_DISTRICT = N_("Choose the district.")
E_COMMUNE = N_("Choose the commune or ward.")
E_ADDRESS = N_("Enter the street address of the point.")
E_HOURS_LONG = N_("The opening hours must be at most 255 characters.")
E_PHASE = N_("Choose phase 1 or phase 2.")
E_NOT_EDITABLE = N_("This point can no longer be changed by you: ask the Centre.")
E_CLOSED = N_("This point is closed and can no longer be changed.")


async def point_clean(values: Mapping[str, Any], *, organisation_id: int | None) -> dict:
    """Checks every field; `organisation_id` set means the organisation is fixed (a manager's)."""
    errors: dict[str, str] = {}
    code = v.clean_text(values.get("code")).upper()
    if not CODE_RE.fullmatch(code):
        errors["code"] = E_CODE
    name = v.clean_text(values.get("name"))
    if not name:
        errors["name"] = E_POINT_NAME
    elif len(name) > MAX_NAME:
        errors["name"] = E_POINT_NAME_LONG
    if organisation_id is None:
        organisation_id = row_id(v.clean_text(values.get("organisation")))
        if organisation_id is None or not await Organisation.exists().where(
            Organisation.id == organisation_id
        ):
            errors["organisation"] = E_ORGANISATION
    district = await _unit(v.clean_text(values.get("district_code")), DISTRICTS_VALID_TO, top=False)
    if district is None or district["kind"] not in ("urban_district", "town", "rural_district"):
        errors["district_code"] = E_DISTRICT
    commune = await _unit(v.clean_text(values.get("commune_code")), _today(), top=True)
    if commune is None or commune["kind"] not in ("ward", "commune", "township"):
        errors["commune_code"] = E_COMMUNE
    address = v.clean_text(values.get("address"))
    if not address:
        errors["address"] = E_ADDRESS
    elif len(address) > MAX_ADDRESS:
        errors["address"] = E_ADDRESS_LONG
    lat_raw, lng_raw = v.clean_text(values.get("latitude")), v.clean_text(values.get("longitude"))
    latitude = longitude = None
    if lat_raw or lng_raw:
        latitude = v.parse_coordinate(lat_raw, *v.HANOI_LAT)
        longitude = v.parse_coordinate(lng_raw, *v.HANOI_LNG)
        if not lat_raw or not lng_raw:
            errors["latitude" if not lat_raw else "longitude"] = v.MSG_COORDINATES_BOTH
        if lat_raw and latitude is None:
            errors["latitude"] = v.MSG_LATITUDE
        if lng_raw and longitude is None:
            errors["longitude"] = v.MSG_LONGITUDE
    hours = v.clean_text(values.get("opening_hours"))
    if len(hours) > MAX_HOURS:
        errors["opening_hours"] = E_HOURS_LONG
    phone_raw = v.clean_text(values.get("phone"))
    phone = v.normalise_phone(phone_raw) if phone_raw else ""
    if phone is None:
        errors["phone"] = v.MSG_PHONE
    phase = v.clean_text(values.get("phase"))
    if phase not in ("1", "2"):
        errors["phase"] = E_PHASE
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "name": name,
        "organisation": organisation_id,
        "district_code": district["code"],
        "district": short_name(district["name"]),
        "is_outer_district": district["is_outer"],
        "commune_code": commune["code"],
        "commune": commune["name"],
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "opening_hours": hours,
        "phone": phone or "",
        "phase": int(phase),
    }


async def _unit(code: str, day: dt.date, *, top: bool) -> dict | None:
    if not code or len(code) > 16:
        return None
    valid = (AdminUnit.valid_from.is_null() | (AdminUnit.valid_from <= day)) & (
        AdminUnit.valid_to.is_null() | (AdminUnit.valid_to >= day)
    )
    query = AdminUnit.select(
        AdminUnit.code, AdminUnit.name, AdminUnit.kind, AdminUnit.is_outer
    ).where((AdminUnit.code == code) & valid)
    if top:
        query = query.where(AdminUnit.parent.is_null())
    return await query.first()


async def _code_taken(code: str, other_than: int | None = None) -> bool:
    query = AgentPoint.exists().where(AgentPoint.code == code)
    if other_than is not None:
        query = query.where(AgentPoint.id != other_than)
    return await query


async def point_create(*, values: Mapping[str, Any], actor: CurrentUser) -> int:
    """A new point, proposed: by a point manager for their own organisation, or by the Centre."""
    if actor.role == Role.point_manager and actor.organisation_id is not None:
        fixed = actor.organisation_id
    elif _is_centre(actor):
        fixed = None
    else:
        raise PermissionDeniedError(N_("Only point managers and the Centre can propose points."))
    data = await point_clean(values, organisation_id=fixed)
    now = _now()
    try:
        async with write_transaction(AgentPoint._meta.db):
            if await _code_taken(data["code"]):
                raise ValidationError({"code": E_CODE_TAKEN})
            row = AgentPoint(status=P.proposed.value, created_at=now, updated_at=now, **data)
            await row.save()
            await PointEvent.insert(
                PointEvent(
                    point=row.id,
                    from_status="",
                    to_status=P.proposed.value,
                    actor=actor.id,
                    reason="",
                    at=now,
                )
            )
            await _audit(
                PointAction.point_proposed, actor, "agent_point", row.id, code=data["code"]
            )
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:
        raise ValidationError({"code": E_CODE_TAKEN}) from exc
    return row.id


async def _point_row(point_id: int) -> dict:
    row = (
        await AgentPoint.select(
            AgentPoint.id,
            AgentPoint.code,
            AgentPoint.status,
            AgentPoint.organisation,
            *(getattr(AgentPoint, c) for c in CRITERION_COLUMNS.values()),
        )
        .where(AgentPoint.id == point_id)
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
    return row


def can_edit(point: Mapping[str, Any], actor: CurrentUser) -> bool:
    if point["status"] == P.closed:
        return False
    if _is_centre(actor):
        return True
    return (
        actor.role == Role.point_manager
        and actor.organisation_id == point["organisation"]
        and point["status"] == P.proposed
    )


async def point_edit(*, point_id: int, values: Mapping[str, Any], actor: CurrentUser) -> None:
    """Managers edit their organisation's points while proposed; the Centre any open point."""
    async with write_transaction(AgentPoint._meta.db):
        row = await _point_row(point_id)
        if not _is_centre(actor) and row["organisation"] != actor.organisation_id:
            raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
        if row["status"] == P.closed:
            raise TransitionRefused(E_CLOSED)
        if not can_edit(row, actor):
            raise TransitionRefused(E_NOT_EDITABLE)
        fixed = None if _is_centre(actor) else row["organisation"]
        data = await point_clean(values, organisation_id=fixed)
        if await _code_taken(data["code"], other_than=point_id):
            raise ValidationError({"code": E_CODE_TAKEN})
        try:
            await AgentPoint.update({**data, "updated_at": _now()}).where(AgentPoint.id == point_id)
        except (sqlite3.IntegrityError, UniqueViolationError) as exc:
            raise ValidationError({"code": E_CODE_TAKEN}) from exc
        await _audit(PointAction.point_edited, actor, "agent_point", point_id, code=data["code"])


# ---------------------------------------------------------------------------
# Points: review and lifecycle


async def point_review(
    *, point_id: int, criteria: Mapping[str, bool], note: str, actor: CurrentUser
) -> None:
    """The reviewer's checklist: which criteria the point meets, and a note."""
    _require_centre(actor)
    note = v.clean_multiline(note)
    if len(note) > MAX_NOTE:
        raise ValidationError({"review_note": N_("The note must be at most 2000 characters.")})
    async with write_transaction(AgentPoint._meta.db):
        row = await _point_row(point_id)
        if row["status"] == P.closed:
            raise TransitionRefused(E_CLOSED)
        values: dict[str, Any] = {
            column: bool(criteria.get(name)) for name, column in CRITERION_COLUMNS.items()
        }
        values.update(review_note=note, reviewed_at=_now(), reviewed_by_name=actor.full_name[:255])
        await AgentPoint.update(values).where(AgentPoint.id == point_id)
        met = sorted(name for name in CRITERIA if criteria.get(name))
        await _audit(PointAction.point_reviewed, actor, "agent_point", point_id, met=met)


def unmet_criteria(point: Mapping[str, Any], *, trained: int, required: int) -> list[str]:
    missing = [name for name, column in CRITERION_COLUMNS.items() if not point.get(column)]
    if trained < required:
        missing.append(TRAINED_STAFF)
    return missing


async def point_transition(
    *,
    point_id: int,
    target: str,
    actor: CurrentUser,
    reason: str = "",
    min_trained: int = 1,
    expected_status: str | None = None,
) -> str:
    """One lifecycle step by the Centre; returns the status the point left."""
    _require_centre(actor)
    if target not in {s.value for s in P}:
        raise TransitionRefused(N_("This step is not possible for this point."))
    reason = v.clean_multiline(reason)
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": N_("The reason must be at most 2000 characters.")})
    async with write_transaction(AgentPoint._meta.db):
        row = await _point_row(point_id)
        current = row["status"]
        if expected_status and expected_status != current:
            raise TransitionRefused(
                N_("Someone changed this point's status meanwhile. Check it and try again.")
            )
        if P(target) not in TRANSITIONS[P(current)]:
            raise TransitionRefused(N_("This step is not possible for this point."))
        if reason_required(current, target) and not reason:
            raise ValidationError({"reason": N_("Give the reason: it is kept in the history.")})
        if target == P.approved:
            trained = await trained_count(point_id)
            missing = unmet_criteria(row, trained=trained, required=min_trained)
            if missing:
                raise CriteriaNotMet(missing, trained=trained, required=min_trained)
        now = _now()
        updated = (
            await AgentPoint.update({AgentPoint.status: target, AgentPoint.updated_at: now})
            .where((AgentPoint.id == point_id) & (AgentPoint.status == current))
            .returning(AgentPoint.id)
        )
        if not updated:
            raise TransitionRefused(
                N_("Someone changed this point's status meanwhile. Check it and try again.")
            )
        await PointEvent.insert(
            PointEvent(
                point=point_id,
                from_status=current,
                to_status=target,
                actor=actor.id,
                reason=reason,
                at=now,
            )
        )
        await _audit(
            PointAction.point_status_changed,
            actor,
            "agent_point",
            point_id,
            code=row["code"],
            from_status=current,
            to_status=target,
            reason=reason[:200],
        )
    return current
