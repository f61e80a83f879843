"""Writing audit events: each is appended to the hash chain (`app.audit.chain`).

Appends are serialised so that two writers never take the same place in the chain: on
SQLite by the IMMEDIATE write transaction (one writer at a time for the whole database), on
PostgreSQL by a transaction-scoped advisory lock taken before the chain head is read. An
append inside a running transaction joins it: the entry commits or rolls back with the change
it records, and the lock is held until that transaction ends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any

from app.audit.chain import (
    CHAIN_QUERY,
    GENESIS,
    ChainReport,
    canonical_json,
    chain_verify,
    entry_hash,
)
from app.audit.tables import AuditEvent
from app.db import is_sqlite, write_transaction
from app.errors import DomainError
from app.web.i18n import N_

# pg_advisory_xact_lock key of the chain head (ASCII "audt"); no other code uses it.
CHAIN_LOCK_KEY = 0x61756474


class AuditAction:
    login_succeeded = "login_succeeded"
    login_failed = "login_failed"
    login_throttled = "login_throttled"
    logout = "logout"
    session_expired = "session_expired"
    user_created = "user_created"
    dossier_status_changed = "dossier_status_changed"
    audit_log_viewed = "audit_log_viewed"
    audit_log_exported = "audit_log_exported"
    audit_chain_verified = "audit_chain_verified"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _column_length(name: str) -> int:
    return AuditEvent._meta.get_column_by_name(name).length


async def audit_record(
    *,
    action: str,
    actor_id: int | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str = "",
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Appends one entry to the chain; returns its sequence number."""
    engine = AuditEvent._meta.db
    entry: dict[str, Any] = {
        "actor": actor_id,
        "actor_label": actor_label[: _column_length("actor_label")],
        "action": action[: _column_length("action")],
        "object_type": object_type[: _column_length("object_type")],
        "object_id": object_id[: _column_length("object_id")],
        "ip": ip[: _column_length("ip")],
        "details": canonical_json(details or {}),
    }
    async with write_transaction(engine):
        if not is_sqlite(engine):
            await engine.run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
        head = (
            await AuditEvent.select(AuditEvent.seq, AuditEvent.hash)
            .order_by(AuditEvent.seq, ascending=False)
            .first()
        )
        entry["seq"] = head["seq"] + 1 if head else 1
        entry["prev_hash"] = head["hash"] if head else GENESIS
        entry["at"] = _now()  # taken under the lock, so times follow the chain's order
        entry["hash"] = entry_hash(entry)
        await AuditEvent.insert(AuditEvent(**entry))
    return entry["seq"]


# ---------------------------------------------------------------------------
# The administrators' log viewer: its own use is recorded too.


class ChainCheckBusy(DomainError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(N_("A check of the audit log is already running. Try again in a minute."))


async def audit_log_viewed(*, user, ip: str, filters: dict, page: dict) -> int:
    """An administrator read a page of the log (what they filtered on, which page)."""
    return await audit_record(
        action=AuditAction.audit_log_viewed,
        actor_id=user.id,
        actor_label=user.username,
        object_type="audit_log",
        ip=ip,
        details={"filters": filters, **page},
    )


async def audit_log_exported(*, user, ip: str, filters: dict, limit: int) -> int:
    """Recorded before the file is written: an export cut short still shows."""
    return await audit_record(
        action=AuditAction.audit_log_exported,
        actor_id=user.id,
        actor_label=user.username,
        object_type="audit_log",
        ip=ip,
        details={"filters": filters, "format": "csv", "limit": limit},
    )


def _sqlite_verify(path: str) -> ChainReport:
    """In a worker thread, with its own read-only connection (closed afterwards), so a long
    trail does not hold the event loop."""
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    query = CHAIN_QUERY.format("?", "?")

    async def fetch(after: int, limit: int) -> list[dict]:
        return [dict(row) for row in conn.execute(query, (after, limit))]

    try:
        conn.execute("PRAGMA query_only = 1")
        return asyncio.run(chain_verify(fetch=fetch))
    finally:
        conn.close()


async def audit_chain_check(*, user, ip: str, lock: asyncio.Lock) -> int:
    """Walks the whole chain now (one check at a time per process) and records the result as
    an entry of its own; returns that entry's seq."""
    if lock.locked():
        raise ChainCheckBusy()
    async with lock:
        engine = AuditEvent._meta.db
        if is_sqlite(engine):
            report = await asyncio.to_thread(_sqlite_verify, engine.path)
        else:
            report = await chain_verify()
        return await audit_record(
            action=AuditAction.audit_chain_verified,
            actor_id=user.id,
            actor_label=user.username,
            object_type="audit_log",
            ip=ip,
            details={
                "ok": report.ok,
                "count": report.count,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "broken_seq": report.broken_seq,
                "problem": report.problem,
                "explanation": report.explanation,
            },
        )
