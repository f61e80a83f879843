"""Reads about push notifications."""

from __future__ import annotations

from app.notifications.tables import OutboxStatus, PushOutbox

QUARANTINE_PAGE_SIZE = 200


async def quarantined_messages(limit: int = QUARANTINE_PAGE_SIZE) -> list[dict]:
    return (
        await PushOutbox.select(
            PushOutbox.id,
            PushOutbox.dossier.reference.as_alias("reference"),
            PushOutbox.dossier.portal_code.as_alias("portal_code"),
            PushOutbox.kind,
            PushOutbox.attempts,
            PushOutbox.last_status_code,
            PushOutbox.last_error,
            PushOutbox.created_at,
        )
        .where(PushOutbox.status == OutboxStatus.quarantined.value)
        .order_by(PushOutbox.id, ascending=False)
        .limit(limit)
    )
