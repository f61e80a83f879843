"""Writes about training, by the Centre: courses, sessions, and attendance with results.

Attendance is recorded per point: the roster of the point's active agents, one outcome each
(absent, attended, passed, failed) and a note. Rows left without an outcome are not recorded
(and an earlier record of that person is removed). Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from app.accounts.guards import CENTRE_ROLES
from app.accounts.tables import Role, User
from app.audit.services import audit_record
from app.db import write_transaction
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.points import validation as v
from app.points.tables import AgentPoint
from app.training.tables import (
    AttendanceResult,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)
from app.web.i18n import N_
from app.web.sessions import CurrentUser

OUTCOMES = ("absent", "attended", "passed", "failed")
MAX_TOPIC, MAX_DESCRIPTION, MAX_TRAINER, MAX_PLACE, MAX_NOTE = 255, 5000, 255, 500, 500

E_TOPIC = N_("Enter the topic of the course.")
E_TOPIC_LONG = N_("The topic must be at most 255 characters.")
E_DESCRIPTION_LONG = N_("The description must be at most 5000 characters.")
E_DAY = N_("Enter the date as dd/mm/yyyy.")
E_TRAINER = N_("Enter the name of the trainer.")
E_TRAINER_LONG = N_("The trainer's name must be at most 255 characters.")
E_PLACE = N_("Enter where the session takes place.")
E_PLACE_LONG = N_("The place must be at most 500 characters.")
E_OUTCOME = N_("Choose absent, attended, passed or failed.")
E_NOTE_LONG = N_("The note must be at most 500 characters.")
E_NOT_STAFF = N_("This person is not a staff member of the point.")


def _require_centre(actor: CurrentUser) -> None:
    if actor.role not in CENTRE_ROLES:
        raise PermissionDeniedError(
            N_("Only the Centre's supervisors and administrators can do this.")
        )


async def _audit(action: str, actor: CurrentUser, kind: str, object_id: int, **details) -> None:
    await audit_record(
        action=action,
        actor_id=actor.id,
        actor_label=actor.username,
        object_type=kind,
        object_id=str(object_id),
        details=details,
    )


async def course_create(*, values: Mapping[str, Any], actor: CurrentUser) -> int:
    _require_centre(actor)
    errors: dict[str, str] = {}
    topic = v.clean_text(values.get("topic"))
    if not topic:
        errors["topic"] = E_TOPIC
    elif len(topic) > MAX_TOPIC:
        errors["topic"] = E_TOPIC_LONG
    description = v.clean_multiline(values.get("description"))
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = E_DESCRIPTION_LONG
    if errors:
        raise ValidationError(errors)
    async with write_transaction(TrainingCourse._meta.db):
        row = TrainingCourse(
            topic=topic, description=description, created_at=dt.datetime.now(dt.UTC)
        )
        await row.save()
        await _audit("training_course_created", actor, "training_course", row.id, topic=topic)
    return row.id


async def session_create(*, course_id: int, values: Mapping[str, Any], actor: CurrentUser) -> int:
    _require_centre(actor)
    errors: dict[str, str] = {}
    day = v.parse_day(v.clean_text(values.get("day")))
    if day is None:
        errors["day"] = E_DAY
    trainer = v.clean_text(values.get("trainer"))
    if not trainer:
        errors["trainer"] = E_TRAINER
    elif len(trainer) > MAX_TRAINER:
        errors["trainer"] = E_TRAINER_LONG
    place = v.clean_text(values.get("place"))
    if not place:
        errors["place"] = E_PLACE
    elif len(place) > MAX_PLACE:
        errors["place"] = E_PLACE_LONG
    if errors:
        raise ValidationError(errors)
    async with write_transaction(TrainingSession._meta.db):
        if not await TrainingCourse.exists().where(TrainingCourse.id == course_id):
            raise NotFoundError(N_("This training course does not exist."))
        row = TrainingSession(
            course=course_id,
            day=day,
            trainer=trainer,
            place=place,
            created_at=dt.datetime.now(dt.UTC),
        )
        await row.save()
        await _audit(
            "training_session_created",
            actor,
            "training_session",
            row.id,
            course=course_id,
            day=day.isoformat(),
        )
    return row.id


def _columns(outcome: str) -> dict[str, Any]:
    return {
        "attended": outcome != "absent",
        "result": outcome if outcome in ("passed", "failed") else AttendanceResult.pending.value,
    }


async def attendance_record(
    *,
    session_id: int,
    point_id: int,
    rows: Sequence[Mapping[str, str]],
    actor: CurrentUser,
) -> int:
    """Saves the outcome of each listed staff member of the point (`staff`, `outcome`, `note`;
    an empty outcome removes the record). Returns how many people are recorded afterwards."""
    _require_centre(actor)
    errors: dict[str, str] = {}
    cleaned: list[tuple[int, str, str]] = []
    for row in rows:
        staff = row["staff"]
        outcome = v.clean_text(row.get("outcome"))
        note = v.clean_text(row.get("note"))
        if outcome and outcome not in OUTCOMES:
            errors[f"r-{staff}"] = E_OUTCOME
        if len(note) > MAX_NOTE:
            errors[f"n-{staff}"] = E_NOTE_LONG
        cleaned.append((int(staff), outcome, note))
    if errors:
        raise ValidationError(errors)
    now = dt.datetime.now(dt.UTC)
    async with write_transaction(TrainingAttendance._meta.db):
        if not await TrainingSession.exists().where(TrainingSession.id == session_id):
            raise NotFoundError(N_("This training session does not exist."))
        if not await AgentPoint.exists().where(AgentPoint.id == point_id):
            raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
        staff_ids = {
            r["id"]
            for r in await User.select(User.id).where(
                (User.point == point_id) & (User.role == Role.agent.value)
            )
        }
        for staff, _outcome, _note in cleaned:
            if staff not in staff_ids:
                raise ValidationError({f"r-{staff}": E_NOT_STAFF})
        changed = []
        for staff, outcome, note in cleaned:
            key = f"{session_id}:{staff}"
            existing = await TrainingAttendance.exists().where(TrainingAttendance.key == key)
            if not outcome:
                if existing:
                    await TrainingAttendance.delete().where(TrainingAttendance.key == key)
                    changed.append([staff, ""])
                continue
            values = {
                **_columns(outcome),
                "note": note,
                "recorded_by": actor.id,
                "recorded_at": now,
            }
            if existing:
                await TrainingAttendance.update(values).where(TrainingAttendance.key == key)
            else:
                await TrainingAttendance.insert(
                    TrainingAttendance(key=key, session=session_id, staff=staff, **values)
                )
            changed.append([staff, outcome])
        await _audit(
            "training_attendance_recorded",
            actor,
            "training_session",
            session_id,
            point=point_id,
            outcomes=changed,
        )
        recorded = await TrainingAttendance.count().where(
            (TrainingAttendance.session == session_id)
            & TrainingAttendance.staff.is_in(sorted(staff_ids) or [0])
        )
    return recorded
