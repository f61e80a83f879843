"""Logging advice given at a point: the form's own checks, then `consultation_log`.

`consultation_log` trims an over-long citizen name or note silently, and fails on a
procedure id too large for the database or written with non-ASCII digits; here those are
refused with a message instead.
"""

from __future__ import annotations

import re

from app.dossiers.services import consultation_log
from app.errors import ValidationError
from app.web.i18n import N_
from app.web.sessions import CurrentUser

_PROCEDURE_ID = re.compile(r"[0-9]{1,9}")  # a row id; longer numbers overflow the column
CITIZEN_NAME_MAX = 255
NOTES_MAX = 2000

OUTCOME_LABELS = {  # one per CONSULTATION_OUTCOMES, in the same order
    "resolved": N_("Question answered"),
    "dossier_started": N_("A dossier was started"),
    "referred": N_("Referred to the competent office"),
    "follow_up": N_("Needs a follow-up"),
}


async def consultation_record(*, user: CurrentUser, form: dict[str, str]) -> int:
    errors: dict[str, str] = {}
    procedure = (form.get("procedure") or "").strip()
    if procedure and not _PROCEDURE_ID.fullmatch(procedure):
        errors["procedure"] = N_("Choose a procedure from the list, or leave it empty.")
    if len(" ".join((form.get("citizen_name") or "").split())) > CITIZEN_NAME_MAX:
        errors["citizen_name"] = N_("The citizen's name is too long: at most 255 characters.")
    if len((form.get("notes") or "").strip()) > NOTES_MAX:
        errors["notes"] = N_("The notes are too long: at most 2000 characters.")
    if errors:
        raise ValidationError(errors)
    return await consultation_log(user=user, form=form)
