"""Reads for the citizen's status page, found only by the receipt's unguessable token.

The status page carries no more personal data than it shows (masked name and phone; no ID
number, address or staff names) and is the hot path of polling: the page is one hand-written
query (the dossier, its delivery and its timeline, joined; `app.db.Sql`), and the poll first
reads only the dossier's fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from app.db import Row, Sql, default_engine, fetch, fetch_one, is_sqlite
from app.dossiers.selectors import today_local
from app.dossiers.states import FINAL, S
from app.errors import NotFoundError
from app.feedback.selectors import RATING_JOIN, RATING_SELECT, RATING_TYPES, pop_rating
from app.web.i18n import N_

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
NOT_FOUND = N_(
    "We could not find this dossier. Check the link or QR code on your receipt, or look the "
    "dossier up with its code."
)

# Everything that can change what the status block shows. `version` alone is not enough:
# registering delivery by post and correcting the reception date change the dossier
# without bumping it.
FINGERPRINT_SQL = Sql(
    "SELECT version, status, updated_at, due_date FROM dossier WHERE status_token = $1",
    types={"updated_at": "timestamptz", "due_date": "date"},
)
CITIZEN_TYPES = {
    "updated_at": "timestamptz",
    "due_date": "date",
    "created_at": "timestamptz",
    "submitted_at": "timestamptz",
    "received_at": "timestamptz",
    "delivery_updated_at": "timestamptz",
    **RATING_TYPES,
}

# The dossier with its postal delivery (if any); then its timeline, newest first. On SQLite
# (no round trip) two reads rather than one join: a joined row per event would repeat and
# re-convert every column. On PostgreSQL one round trip: the timeline comes as an array of
# records in the dossier's row.
_CITIZEN_SELECT = """SELECT d.id, d.reference, d.portal_code, d.status, d.version, d.updated_at,
  d.due_date,
  d.created_at, d.submitted_at, d.received_at, d.result_delivery, d.supplement_note,
  p.name AS procedure_name, p.processing_days AS processing_days,
  ap.name AS point_name, ap.address AS point_address, ap.commune AS point_commune,
  ap.district AS point_district,
  a.full_name AS applicant_name, a.phone AS applicant_phone,
  pd.id AS delivery_id, pd.waybill_code AS delivery_waybill_code,
  pd.status AS delivery_status, pd.updated_at AS delivery_updated_at,
  {rating}{events}
FROM dossier d
LEFT JOIN "procedure" p ON p.id = d."procedure"
LEFT JOIN agent_point ap ON ap.id = d.point
LEFT JOIN applicant a ON a.id = d.applicant
LEFT JOIN postal_delivery pd ON pd.dossier = d.id
{rating_join}
WHERE d.status_token = $1"""
CITIZEN_SQL = Sql(
    _CITIZEN_SELECT.format(rating=RATING_SELECT, rating_join=RATING_JOIN, events=""),
    types=CITIZEN_TYPES,
)
CITIZEN_PG_SQL = Sql(
    _CITIZEN_SELECT.format(
        rating=RATING_SELECT,
        rating_join=RATING_JOIN,
        events=""",
  ARRAY(SELECT ROW(e.at, e.from_status, e.to_status, e.actor_kind, e.reason)
    FROM dossier_event e WHERE e.dossier = d.id ORDER BY e.at DESC, e.id DESC) AS events""",
    )
)
EVENT_FIELDS = ("at", "from_status", "to_status", "actor_kind", "reason")
EVENTS_SQL = Sql(
    """SELECT at, from_status, to_status, actor_kind, reason FROM dossier_event
WHERE dossier = $1 ORDER BY at DESC, id DESC""",
    types={"at": "timestamptz"},
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
    return await fetch_one(FINGERPRINT_SQL, token)


async def citizen_status(token: str) -> dict:
    """What the status page shows, with personal data already masked."""
    from app.dossiers.validation import mask_phone

    if not valid_token(token):
        raise NotFoundError(NOT_FOUND)
    if is_sqlite(default_engine()):
        row = await fetch_one(CITIZEN_SQL, token)
        if row is None:
            raise NotFoundError(NOT_FOUND)
        events = await fetch(EVENTS_SQL, row["id"])
    else:
        row = await fetch_one(CITIZEN_PG_SQL, token)
        if row is None:
            raise NotFoundError(NOT_FOUND)
        events = [Row(zip(EVENT_FIELDS, event, strict=True)) for event in row.pop("events")]
    delivery = None
    if row.pop("delivery_id") is not None:
        delivery = Row(
            waybill_code=row["delivery_waybill_code"],
            status=row["delivery_status"],
            updated_at=row["delivery_updated_at"],
        )
    for name in ("delivery_waybill_code", "delivery_status", "delivery_updated_at"):
        del row[name]
    row["rating"] = pop_rating(row)
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
