"""Writing audit events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.audit.tables import AuditEvent


class AuditAction:
    login_succeeded = "login_succeeded"
    login_failed = "login_failed"
    login_throttled = "login_throttled"
    logout = "logout"
    session_expired = "session_expired"
    user_created = "user_created"


async def audit_record(
    *,
    action: str,
    actor_id: int | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str = "",
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            at=dt.datetime.now(dt.UTC),
            actor=actor_id,
            actor_label=actor_label[:255],
            action=action,
            object_type=object_type,
            object_id=object_id[:255],
            ip=ip[:64],
            details=details or {},
        )
    )
