"""Reads of the audit trail for the administrators' log viewer: filters, keyset pages on the
unique `seq` (newest first, no OFFSET), the subject each entry is about, and the CSV rows.

Filters: the actor's username; an action (or every view or export of personal data); a
subject — a dossier (its agent reference or portal code: the dossier's own entries and those
of its pages and documents), an agent point (its code: the point's entries and those of its
dossiers) or an account (its username: sign-ins and its creation); a date range in Hanoi
dates. Pages are keyset pages: "older" continues below the last `seq` shown, "newer" above
the first, so a page costs the same deep in a long trail as at its head.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass

from piccolo.columns.combination import WhereRaw

from app.accounts.tables import User
from app.audit.labels import ACTION_LABELS, PERSONAL_DATA, PERSONAL_DATA_ACTIONS
from app.audit.tables import AuditEvent
from app.catalogue.tables import Procedure
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from app.errors import ValidationError
from app.points.tables import AgentPoint
from app.web.i18n import N_, VN_TZ

PAGE_SIZE = 50
EXPORT_MAX = 100_000
EXPORT_BATCH = 1000
MAX_SEQ = 2**63 - 1
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SEQ = re.compile(r"[0-9]{1,18}")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_VN_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

E_DATE = N_("Enter a date as dd/mm/yyyy, or choose it in the calendar.")
E_RANGE = N_("The start date must not be after the end date.")
E_ACTION = N_("Choose an action from the list.")
E_ACTOR = N_("A username has at most 64 characters.")
E_SUBJECT = N_(
    "No dossier, agent point or account has this code. Enter a dossier's reference or portal "
    "code, a point's code (for example DL-BV-001) or a username."
)

COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.actor_label,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.ip,
    AuditEvent.details,
)


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    subject: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_details(self) -> dict:
        """The filter as recorded in the audit entry of a view or an export."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in asdict(self).items()
            if v
        }


def _day(raw: str) -> dt.date | None:
    raw = raw.strip()
    try:
        if match := _ISO_DAY.fullmatch(raw):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _VN_DAY.fullmatch(raw):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


FILTER_FIELDS = ("nguoi", "hanh-dong", "doi-tuong", "tu-ngay", "den-ngay")


def filter_values(params) -> dict[str, str]:
    """The filter fields as typed (query string or form), each cut to a sane length."""
    return {name: str(params.get(name, "") or "")[:100].strip() for name in FILTER_FIELDS}


def parse_filter(values: dict[str, str]) -> LogFilter:
    """The filter, or ValidationError naming each field to fix."""
    errors: dict[str, str] = {}
    actor = values["nguoi"]
    if len(actor) > 64:
        errors["nguoi"] = E_ACTOR
    action = values["hanh-dong"]
    if action and action != PERSONAL_DATA and not _ACTION.fullmatch(action):
        errors["hanh-dong"] = E_ACTION
    days = {}
    for name in ("tu-ngay", "den-ngay"):
        days[name] = _day(values[name]) if values[name] else None
        if values[name] and days[name] is None:
            errors[name] = E_DATE
    if days["tu-ngay"] and days["den-ngay"] and days["tu-ngay"] > days["den-ngay"]:
        errors["den-ngay"] = E_RANGE
    if errors:
        raise ValidationError(errors)
    return LogFilter(
        actor=actor,
        action=action,
        subject=values["doi-tuong"],
        date_from=days["tu-ngay"],
        date_to=days["den-ngay"],
    )


def cursor(raw: object) -> int | None:
    """A `seq` from the query string, or None (then the page starts at the newest entry)."""
    if isinstance(raw, str) and _SEQ.fullmatch(raw):
        value = int(raw)
        return value if 0 <= value <= MAX_SEQ else None
    return None


def _vn_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=VN_TZ).astimezone(dt.UTC)


@dataclass(frozen=True)
class Subject:
    kind: str  # dossier | point | user
    id: int
    label: str
    condition: object


async def resolve_subject(text: str) -> Subject:
    """What the subject filter names; ValidationError when nothing has that code."""
    code = text.strip()
    upper = code.upper()
    dossier = (
        await Dossier.select(Dossier.id, Dossier.reference, Dossier.portal_code)
        .where((Dossier.reference == upper) | (Dossier.portal_code == upper))
        .first()
    )
    if dossier:
        ident = str(dossier["id"])
        condition = (
            (AuditEvent.object_type == "dossier") & (AuditEvent.object_id == ident)
        ) | WhereRaw(
            "(audit_event.object_type = 'document_page' AND audit_event.object_id IN "
            "(SELECT uid FROM document_page WHERE dossier = {})) OR "
            "(audit_event.object_type = 'dossier_component' AND audit_event.object_id IN "
            "(SELECT CAST(id AS VARCHAR) FROM dossier_component WHERE dossier = {}))",
            dossier["id"],
            dossier["id"],
        )
        label = dossier["portal_code"] or dossier["reference"]
        return Subject("dossier", dossier["id"], label, condition)
    point = (
        await AgentPoint.select(AgentPoint.id, AgentPoint.code, AgentPoint.name)
        .where(AgentPoint.code == upper)
        .first()
    )
    if point:
        condition = (
            (AuditEvent.object_type == "point") & (AuditEvent.object_id == str(point["id"]))
        ) | WhereRaw(
            "audit_event.object_type = 'dossier' AND audit_event.object_id IN "
            "(SELECT CAST(id AS VARCHAR) FROM dossier WHERE point = {})",
            point["id"],
        )
        return Subject("point", point["id"], f"{point['code']} · {point['name']}", condition)
    user = await User.select(User.id, User.username).where(User.username == code.lower()).first()
    if user:
        condition = (AuditEvent.object_type == "user") & (
            AuditEvent.object_id.is_in([user["username"], str(user["id"])])
        )
        return Subject("user", user["id"], user["username"], condition)
    raise ValidationError({"doi-tuong": E_SUBJECT})


async def _conditions(f: LogFilter) -> list:
    conditions = []
    if f.actor:
        user = await User.select(User.id).where(User.username == f.actor.lower()).first()
        if user:
            conditions.append(AuditEvent.actor == user["id"])
        else:  # an account since removed, or a label such as "system"
            conditions.append(AuditEvent.actor_label == f.actor)
    if f.action == PERSONAL_DATA:
        conditions.append(AuditEvent.action.is_in(list(PERSONAL_DATA_ACTIONS)))
    elif f.action:
        conditions.append(AuditEvent.action == f.action)
    if f.subject:
        conditions.append((await resolve_subject(f.subject)).condition)
    if f.date_from:
        conditions.append(AuditEvent.at >= _vn_midnight(f.date_from))
    if f.date_to:
        conditions.append(AuditEvent.at < _vn_midnight(f.date_to + dt.timedelta(days=1)))
    return conditions


def _query(conditions: list):
    query = AuditEvent.select(
        *COLUMNS,
        AuditEvent.actor.username.as_alias("actor_username"),
        AuditEvent.actor.role.as_alias("actor_role"),
    )
    for condition in conditions:
        query = query.where(condition)
    return query


def _details(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {"raw": str(raw)}
    return value if isinstance(value, dict) else {"value": value}


def _row_id(value: object) -> int | None:
    """An id an integer column can hold, from an int or ASCII digits; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _SEQ.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number < 2**31 else None


def _dossier_of(row: dict) -> int | None:
    if row["object_type"] == "dossier":
        return _row_id(row["object_id"])
    return _row_id(row["details"].get("dossier"))


STATUSES = frozenset(s.value for s in S)
DETAILS_SHOWN = 12


def _status_change(row: dict) -> tuple[str, str] | None:
    if row["action"] != "dossier_status_changed":
        return None
    before, after = row["details"].get("from") or "", row["details"].get("to")
    if after in STATUSES and (before == "" or before in STATUSES):
        return before, after
    return None


def _detail_items(details: dict, skip: tuple[str, ...]) -> list[tuple[str, str]]:
    items = []
    for key in sorted(details, key=str)[:DETAILS_SHOWN]:
        if key in skip:
            continue
        value = details[key]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        items.append((str(key)[:64], text[:500]))
    return items


async def _with_subjects(rows: list[dict]) -> list[dict]:
    """Each row's details decoded and the dossier, procedure or account it names (one query
    per kind for the whole page)."""
    for row in rows:
        row["details"] = _details(row["details"])
        row["dossier_id"] = _dossier_of(row)
        row["at_local"] = row["at"].astimezone(VN_TZ)
        row["status_change"] = _status_change(row)
        skip = ("from", "to") if row["status_change"] else ()
        row["detail_items"] = _detail_items(row["details"], skip)
    dossier_ids = {r["dossier_id"] for r in rows if r["dossier_id"]}
    dossiers = {}
    if dossier_ids:
        dossiers = {
            d["id"]: d["portal_code"] or d["reference"]
            for d in await Dossier.select(Dossier.id, Dossier.reference, Dossier.portal_code).where(
                Dossier.id.is_in(sorted(dossier_ids))
            )
        }
    procedure_ids = {_row_id(r["object_id"]) for r in rows if r["object_type"] == "procedure"} - {
        None
    }
    procedures = {}
    if procedure_ids:
        procedures = {
            p["id"]: p["code"]
            for p in await Procedure.select(Procedure.id, Procedure.code).where(
                Procedure.id.is_in(sorted(procedure_ids))
            )
        }
    for row in rows:
        row["dossier_code"] = dossiers.get(row["dossier_id"], "")
        row["subject_link"], row["subject_text"] = _subject(row, procedures)
    return rows


def _subject(row: dict, procedures: dict[int, str]) -> tuple[str, str]:
    if row["dossier_code"]:
        return f"/ho-so/{row['dossier_id']}", row["dossier_code"]
    if row["object_type"] == "procedure":
        procedure_id = _row_id(row["object_id"])
        if procedure_id in procedures:
            return f"/thu-tuc/{procedure_id}", procedures[procedure_id]
    return "", row["object_id"]


async def log_page(
    f: LogFilter, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> dict:
    """One page of entries, newest first: below `before`, or above `after`, or the newest.
    Returns the rows and the cursors of the pages either side (None at either end)."""
    conditions = await _conditions(f)
    if after is not None:
        rows = await (
            _query([*conditions, AuditEvent.seq > after]).order_by(AuditEvent.seq).limit(size + 1)
        )
        newer = rows[size - 1]["seq"] if len(rows) > size else None
        rows = list(reversed(rows[:size]))
        older = None
        if rows and await _query([*conditions, AuditEvent.seq < rows[-1]["seq"]]).first():
            older = rows[-1]["seq"]
    else:
        extra = [AuditEvent.seq < before] if before is not None else []
        rows = await (
            _query([*conditions, *extra]).order_by(AuditEvent.seq, ascending=False).limit(size + 1)
        )
        older = rows[size - 1]["seq"] if len(rows) > size else None
        rows = rows[:size]
        newer = None
        if rows and before is not None:
            if await _query([*conditions, AuditEvent.seq > rows[0]["seq"]]).first():
                newer = rows[0]["seq"]
    return {"rows": await _with_subjects(rows), "older": older, "newer": newer}


async def export_rows(f: LogFilter, *, limit: int = EXPORT_MAX) -> AsyncIterator[dict]:
    """Every entry the filter selects, newest first, in keyset batches (flat memory)."""
    conditions = await _conditions(f)
    before: int | None = None
    sent = 0
    while sent < limit:
        extra = [AuditEvent.seq < before] if before is not None else []
        batch = await (
            _query([*conditions, *extra])
            .order_by(AuditEvent.seq, ascending=False)
            .limit(min(EXPORT_BATCH, limit - sent))
        )
        if not batch:
            return
        for row in await _with_subjects(batch):
            yield row
        sent += len(batch)
        before = batch[-1]["seq"]


async def verification_entry(seq: int) -> dict | None:
    """The recorded result of an integrity check (an `audit_chain_verified` entry)."""
    row = (
        await AuditEvent.select(
            AuditEvent.seq, AuditEvent.at, AuditEvent.actor_label, AuditEvent.details
        )
        .where((AuditEvent.seq == seq) & (AuditEvent.action == "audit_chain_verified"))
        .first()
    )
    if row is None:
        return None
    row["details"] = _details(row["details"])
    return row


def action_choices() -> list[tuple[str, str]]:
    return sorted(ACTION_LABELS.items(), key=lambda item: item[0])
