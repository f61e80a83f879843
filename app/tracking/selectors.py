"""Reads for the citizen's status page, found only by the receipt's unguessable token.

The status page carries no more personal data than it shows (masked name and phone; no ID
number, address or staff names) and is the hot path of polling: the page's reads share one
connection, and the poll first reads only the dossier's fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from app.dossiers.selectors import today_local
from app.dossiers.states import FINAL, S
from app.dossiers.tables import Dossier, DossierEvent, PostalDelivery
from app.errors import NotFoundError
from app.web.i18n import N_

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
NOT_FOUND = N_(
    "We could not find this dossier. Check the link or QR code on your receipt, or look the "
    "dossier up with its code."
)

# Everything that can change what the status block shows. `version` alone is not enough:
# registering delivery by post and correcting the reception date change the dossier
# without bumping it.
FINGERPRINT_COLUMNS = (Dossier.version, Dossier.status, Dossier.updated_at, Dossier.due_date)

CITIZEN_COLUMNS = (
    Dossier.id,
    Dossier.reference,
    Dossier.portal_code,
    Dossier.status,
    Dossier.version,
    Dossier.updated_at,
    Dossier.due_date,
    Dossier.created_at,
    Dossier.submitted_at,
    Dossier.received_at,
    Dossier.result_delivery,
    Dossier.supplement_note,
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.procedure.processing_days.as_alias("processing_days"),
    Dossier.point.name.as_alias("point_name"),
    Dossier.point.address.as_alias("point_address"),
    Dossier.point.commune.as_alias("point_commune"),
    Dossier.point.district.as_alias("point_district"),
    Dossier.applicant.full_name.as_alias("applicant_name"),
    Dossier.applicant.phone.as_alias("applicant_phone"),
)


def valid_token(token: str) -> bool:
    return bool(token) and TOKEN_PATTERN.fullmatch(token) is not None


def mask_name(full_name: str) -> str:
    """`Nguyễn Văn An` → `N. V. An`: the given name and initials, enough to recognise."""
    words = full_name.split()
    if len(words) <= 1:
        return full_name[:1] + "." if full_name else ""
    return " ".join([*(w[0] + "." for w in words[:-1]), words[-1]])


# Late only while the office itself is working on it: not while it waits for the citizen
# (documents, fees), and not once the result is ready.
LATE_IF_PAST_DUE = frozenset({S.submitted, S.received, S.processing})

# Where the reason for the current status is what the citizen most needs to read.
REASON_SHOWN = frozenset({S.not_accepted, S.stopped, S.withdrawn, S.cancelled, S.delivery_failed})


def _latest_reason(status: str, events: list[dict]) -> str:
    if S(status) not in REASON_SHOWN:
        return ""
    for event in events:  # newest first
        if event["to_status"] == status and event["from_status"] != status:
            return event["reason"]
    return ""


def fingerprint(row: dict, locale: str, today: dt.date | None = None) -> str:
    """A short opaque value that changes whenever the status block would change."""
    parts = (
        row["version"],
        row["status"],
        row["updated_at"].isoformat() if row["updated_at"] else "",
        row["due_date"].isoformat() if row["due_date"] else "",
        locale,
        (today or today_local()).isoformat(),  # "overdue" turns on at midnight
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


async def status_fingerprint(token: str) -> dict | None:
    """The few columns a poll needs to decide whether anything changed; None if unknown."""
    if not valid_token(token):
        return None
    return await Dossier.select(*FINGERPRINT_COLUMNS).where(Dossier.status_token == token).first()


async def citizen_status(token: str) -> dict:
    """What the status page shows, with personal data already masked."""
    from app.dossiers.validation import mask_phone

    if not valid_token(token):
        raise NotFoundError(NOT_FOUND)
    async with Dossier._meta.db.transaction():  # one connection for the three reads
        row = await Dossier.select(*CITIZEN_COLUMNS).where(Dossier.status_token == token).first()
        if row is None:
            raise NotFoundError(NOT_FOUND)
        events = (
            await DossierEvent.select(
                DossierEvent.at,
                DossierEvent.from_status,
                DossierEvent.to_status,
                DossierEvent.actor_kind,
                DossierEvent.reason,
            )
            .where(DossierEvent.dossier == row["id"])
            .order_by(DossierEvent.at, ascending=False)
            .order_by(DossierEvent.id, ascending=False)
        )
        delivery = (
            await PostalDelivery.select(
                PostalDelivery.waybill_code, PostalDelivery.status, PostalDelivery.updated_at
            )
            .where(PostalDelivery.dossier == row["id"])
            .first()
        )
    row["applicant_name"] = mask_name(row["applicant_name"])
    row["applicant_phone"] = mask_phone(row.pop("applicant_phone"))
    row["events"] = events
    row["latest_reason"] = _latest_reason(row["status"], events)
    row["delivery"] = delivery
    row["code"] = row["portal_code"] or row["reference"]
    row["is_final"] = S(row["status"]) in FINAL
    row["overdue"] = bool(
        row["due_date"] and row["due_date"] < today_local() and S(row["status"]) in LATE_IF_PAST_DUE
    )
    return row
