"""Logging advice given at a point without (or before) a dossier."""

from __future__ import annotations

import datetime as dt
import re

from app.catalogue.tables import Procedure
from app.dossiers.tables import Consultation
from app.errors import PermissionDeniedError, ValidationError
from app.web.i18n import N_
from app.web.sessions import CurrentUser

_PROCEDURE_ID = re.compile(r"[0-9]{1,9}")  # a row id; longer numbers overflow the column
TOPIC_MAX = 500
CITIZEN_NAME_MAX = 255
NOTES_MAX = 2000

OUTCOME_LABELS = {
    "resolved": N_("Question answered"),
    "dossier_started": N_("A dossier was started"),
    "referred": N_("Referred to the competent office"),
    "follow_up": N_("Needs a follow-up"),
}
CONSULTATION_OUTCOMES = tuple(OUTCOME_LABELS)


async def consultation_log(*, user: CurrentUser, form: dict[str, str]) -> int:
    """Records one consultation at the agent's point; every bad field gets its own message."""
    if user.point_id is None:
        raise PermissionDeniedError(N_("Only an agent of a point can log advice."))
    errors: dict[str, str] = {}
    topic = " ".join((form.get("topic") or "").split())
    if not topic:
        errors["topic"] = N_("Say briefly what the advice was about.")
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = N_("Keep the topic under 500 characters.")
    if form.get("outcome", "") not in OUTCOME_LABELS:
        errors["outcome"] = N_("Choose the outcome.")
    procedure_id = None
    raw_procedure = (form.get("procedure") or "").strip()
    if raw_procedure:
        if _PROCEDURE_ID.fullmatch(raw_procedure) and await Procedure.exists().where(
            Procedure.id == int(raw_procedure)
        ):
            procedure_id = int(raw_procedure)
        else:
            errors["procedure"] = N_("Choose a procedure from the list, or leave it empty.")
    citizen_name = " ".join((form.get("citizen_name") or "").split())
    if len(citizen_name) > CITIZEN_NAME_MAX:
        errors["citizen_name"] = N_("The citizen's name is too long: at most 255 characters.")
    notes = (form.get("notes") or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = N_("The notes are too long: at most 2000 characters.")
    if errors:
        raise ValidationError(errors)
    row = Consultation(
        point=user.point_id,
        agent=user.id,
        procedure=procedure_id,
        topic=topic,
        outcome=form["outcome"],
        citizen_name=citizen_name,
        notes=notes,
        at=dt.datetime.now(dt.UTC),
    )
    await row.save()
    return row.id
