"""Inbound webhook events from the portal and the post: parse and validate the JSON, record
each event once (InboundEvent.key is unique), and apply it to the dossier — the record and
the change in one transaction, so a repeated or concurrent delivery changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from app.db import write_transaction
from app.dossiers.states import PORTAL_CODES, S
from app.dossiers.tables import Dossier, InboundEvent, PostalDelivery
from app.integrations.signing import SignatureError, split_secrets, verify

log = logging.getLogger("app.integrations.webhooks")

PORTAL, POSTAL = "portal", "postal"
DUPLICATE, UNKNOWN_DOSSIER = "duplicate", "unknown_dossier"
MAX_SEQ = 2**31 - 1

EventId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Seq = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEQ)]
UtcTime = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Reason = Annotated[str, msgspec.Meta(max_length=4000)]


class PortalEventBody(msgspec.Struct):
    event_id: EventId
    portal_code: Code
    seq: Seq
    status_code: Annotated[int, msgspec.Meta(ge=1, le=10)]
    occurred_at: UtcTime
    reason: Reason = ""
    details: dict[str, Any] = {}


class PostalEventBody(msgspec.Struct):
    event_id: EventId
    waybill_code: Code
    seq: Seq
    event: Literal["dispatched", "delivered", "failed"]
    occurred_at: UtcTime
    order_number: Annotated[str, msgspec.Meta(max_length=40)] = ""
    reason: Reason = ""
    details: dict[str, Any] = {}


POSTAL_TARGETS = {
    "dispatched": S.result_dispatched,
    "delivered": S.result_delivered,
    "failed": S.delivery_failed,
}


class BadPayload(ValueError):
    """The body is not JSON, or not the event's shape; the message says where."""


@dataclass(frozen=True, slots=True)
class ExternalEvent:
    source: str
    event_id: str
    portal_code: str | None
    waybill_code: str | None
    seq: int
    target: S
    reason: str
    occurred_at: dt.datetime
    details: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.source}:{self.event_id}"


def parse_event(source: str, body: bytes) -> tuple[ExternalEvent, dict[str, Any]]:
    """The event and the raw JSON object (kept as the record's payload); BadPayload if wrong."""
    try:
        if source == PORTAL:
            p = msgspec.json.decode(body, type=PortalEventBody)
            event = ExternalEvent(
                source=PORTAL,
                event_id=p.event_id,
                portal_code=p.portal_code,
                waybill_code=None,
                seq=p.seq,
                target=PORTAL_CODES[p.status_code],
                reason=p.reason,
                occurred_at=p.occurred_at.astimezone(dt.UTC),
                details=p.details,
            )
        else:
            q = msgspec.json.decode(body, type=PostalEventBody)
            event = ExternalEvent(
                source=POSTAL,
                event_id=q.event_id,
                portal_code=None,
                waybill_code=q.waybill_code,
                seq=q.seq,
                target=POSTAL_TARGETS[q.event],
                reason=q.reason,
                occurred_at=q.occurred_at.astimezone(dt.UTC),
                details={**q.details, "event": q.event, "order_number": q.order_number},
            )
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too
        raise BadPayload(str(exc)) from exc
    return event, json.loads(body)


class _Unrecorded(Exception):
    """Roll the record back: we do not know the dossier (yet), so the sender should retry."""


async def _dossier_id(event: ExternalEvent) -> int | None:
    if event.source == PORTAL:
        row = (
            await Dossier.select(Dossier.id).where(Dossier.portal_code == event.portal_code).first()
        )
        return row["id"] if row else None
    row = (
        await PostalDelivery.select(PostalDelivery.dossier)
        .where(PostalDelivery.waybill_code == event.waybill_code)
        .first()
    )
    return row["dossier"] if row else None


def _is_duplicate_key(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "inbound_event.key" in str(exc)
    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover - asyncpg is installed with piccolo[postgres]
        return False
    return isinstance(exc, UniqueViolationError) and "inbound_event" in (exc.constraint_name or "")


async def inbound_event_receive(*, engine, event: ExternalEvent, payload: dict[str, Any]) -> str:
    """Record and apply one event. Returns "applied", "stale", "illegal" (all recorded),
    "duplicate" (seen before: nothing changed) or "unknown_dossier" (not recorded)."""
    from app.dossiers.services import dossier_apply_external_event

    try:
        async with write_transaction(engine):
            if await InboundEvent.exists().where(InboundEvent.key == event.key):
                return DUPLICATE
            dossier_id = await _dossier_id(event)
            if dossier_id is None:
                raise _Unrecorded()
            record = InboundEvent(
                key=event.key,
                source=event.source,
                dossier=dossier_id,
                received_at=dt.datetime.now(dt.UTC),
                applied=False,
                payload=payload,
            )
            # A concurrent delivery of the same event waits on the unique key here (PostgreSQL)
            # or on the write lock before the transaction (SQLite), then sees the first one.
            await record.save()
            outcome = await dossier_apply_external_event(
                source=event.source,
                portal_code=event.portal_code,
                waybill_code=event.waybill_code,
                seq=event.seq,
                target=event.target,
                reason=event.reason,
                occurred_at=event.occurred_at,
                details=event.details,
            )
            if outcome == UNKNOWN_DOSSIER:
                raise _Unrecorded()
            if outcome == "applied":
                await InboundEvent.update({InboundEvent.applied: True}).where(
                    InboundEvent.id == record.id
                )
            return outcome
    except _Unrecorded:
        log.warning(
            "%s event %s for an unknown dossier (%s)",
            event.source,
            event.event_id,
            event.portal_code or event.waybill_code,
        )
        return UNKNOWN_DOSSIER
    except Exception as exc:
        if _is_duplicate_key(exc):
            return DUPLICATE
        raise


async def webhook_handle(
    *, source: str, body: bytes, signature: str | None, settings, engine
) -> tuple[int, dict[str, Any]]:
    """The HTTP answer to one webhook delivery: 401 untrusted signature, 400 bad payload,
    404 unknown dossier (not recorded: the sender retries), 500 our fault (not recorded:
    the sender retries), else 200 with what happened: applied | stale | illegal | duplicate."""
    secret = settings.portal_secret if source == PORTAL else settings.postal_secret
    try:
        verify(split_secrets(secret), signature, body, tolerance=settings.webhook_tolerance_seconds)
    except SignatureError as exc:
        log.warning("%s webhook refused: signature %s", source, exc.reason)
        return 401, {"error": "signature", "detail": exc.reason}
    try:
        event, payload = parse_event(source, body)
    except BadPayload as exc:
        return 400, {"error": "payload", "detail": str(exc)}
    try:
        outcome = await inbound_event_receive(engine=engine, event=event, payload=payload)
    except Exception as exc:  # logged with its traceback; the 500 makes the sender retry
        log.exception("%s event %s could not be applied", source, event.event_id, exc_info=exc)
        return 500, {"error": "internal"}
    if outcome == UNKNOWN_DOSSIER:  # not recorded: the sender retries once we know the code
        code = event.portal_code or event.waybill_code or ""
        return 404, {"status": outcome, "error": "unknown_dossier", "detail": code}
    return 200, {"status": outcome}
