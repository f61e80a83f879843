"""Writing audit events: each is appended to the hash chain (`app.audit.chain`).

Appends are serialised so that two writers never take the same place in the chain: on
SQLite by the IMMEDIATE write transaction (one writer at a time for the whole database), on
PostgreSQL by a transaction-scoped advisory lock taken before the chain head is read. An
append inside a running transaction joins it: the entry commits or rolls back with the change
it records, and the lock is held until that transaction ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.audit.chain import GENESIS, canonical_json, entry_hash
from app.audit.tables import AuditEvent
from app.db import is_sqlite, write_transaction

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
