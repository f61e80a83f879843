"""Reads about push notifications."""

from __future__ import annotations

import json

from app.notifications.tables import OutboxStatus, PushOutbox, PushSubscription

QUARANTINE_PAGE_SIZE = 200


def _title(payload: str) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return data.get("title", "") if isinstance(data, dict) else ""


async def quarantined_messages(limit: int = QUARANTINE_PAGE_SIZE) -> list[dict]:
    rows = (
        await PushOutbox.select(
            PushOutbox.id,
            PushOutbox.dossier.reference.as_alias("reference"),
            PushOutbox.dossier.portal_code.as_alias("portal_code"),
            PushOutbox.kind,
            PushOutbox.payload,
            PushOutbox.attempts,
            PushOutbox.last_status_code,
            PushOutbox.last_error,
            PushOutbox.created_at,
        )
        .where(PushOutbox.status == OutboxStatus.quarantined.value)
        .order_by(PushOutbox.id, ascending=False)
        .limit(limit)
    )
    for row in rows:  # staff alerts about a point have no dossier: show what they said
        row["title"] = _title(row.pop("payload"))
    return rows


async def staff_device_count(user_id: int) -> int:
    return await PushSubscription.count().where(PushSubscription.user == user_id)
