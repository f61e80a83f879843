"""Delivers the push outbox. Runs embedded in the web process (an asyncio task) or as its own
process (`python -m app worker`); any number may run at once: each claims a batch with a
lease (FOR UPDATE SKIP LOCKED on PostgreSQL, an IMMEDIATE transaction on SQLite), so a
message goes to one worker, and a worker that dies mid-batch leaves rows that another
claims again once the lease expires.

The same loop checks every few minutes whether a point's overdue dossiers reached the
alert threshold: dossiers become overdue as days pass, with no change to report them."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPushException, webpush_async

from app.db import is_sqlite, write_transaction
from app.notifications.services import overdue_alerts_check
from app.notifications.tables import OutboxStatus, PushOutbox, PushSubscription
from app.notifications.vapid import vapid_keys
from app.settings import Settings
from app.web.i18n import VN_TZ

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 60 * 60
PERMANENT = frozenset({400, 401, 403, 413})  # our message or our key is wrong: retrying won't help
GONE = frozenset({404, 410})
JWT_LIFETIME_SECONDS = 12 * 60 * 60
OVERDUE_CHECK_EVERY = dt.timedelta(minutes=5)

_CLAIM_PG = """
UPDATE push_outbox SET claimed_until = {}, claim_token = {}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM push_outbox
    WHERE status = 'pending' AND next_attempt_at <= {}
      AND (claimed_until IS NULL OR claimed_until < {})
    ORDER BY next_attempt_at, id
    LIMIT {}
    FOR UPDATE SKIP LOCKED
)
RETURNING id
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine():
    return PushOutbox._meta.db


@dataclass
class Result:
    id: int
    subscription: int
    outcome: str  # sent | retry | quarantine | gone
    status_code: int = 0
    error: str = ""
    retry_after: float = 0.0
    attempts: int = 0


async def outbox_claim(*, limit: int, lease: dt.timedelta, now: dt.datetime) -> tuple[str, list]:
    """Claims up to `limit` due messages; returns the claim token and the rows to send."""
    token = secrets.token_hex(16)
    until = now + lease
    engine = _engine()
    if is_sqlite(engine):
        due = (
            (PushOutbox.status == OutboxStatus.pending.value)
            & (PushOutbox.next_attempt_at <= now)
            & (PushOutbox.claimed_until.is_null() | (PushOutbox.claimed_until < now))
        )
        if not await PushOutbox.exists().where(due):  # idle polls take no write lock
            return token, []
        async with write_transaction(engine):
            found = (
                await PushOutbox.select(PushOutbox.id)
                .where(due)
                .order_by(PushOutbox.next_attempt_at)
                .order_by(PushOutbox.id)
                .limit(limit)
            )
            ids = [r["id"] for r in found]
            if ids:
                await PushOutbox.update(
                    {
                        PushOutbox.claimed_until: until,
                        PushOutbox.claim_token: token,
                        PushOutbox.attempts: PushOutbox.attempts + 1,
                    }
                ).where(PushOutbox.id.is_in(ids))
    else:
        ids = [r["id"] for r in await PushOutbox.raw(_CLAIM_PG, until, token, now, now, limit)]
    if not ids:
        return token, []
    rows = await PushOutbox.select(
        PushOutbox.id,
        PushOutbox.subscription,
        PushOutbox.subscription.endpoint.as_alias("endpoint"),
        PushOutbox.subscription.p256dh.as_alias("p256dh"),
        PushOutbox.subscription.auth.as_alias("auth"),
        PushOutbox.topic,
        PushOutbox.urgency,
        PushOutbox.payload,
        PushOutbox.attempts,
    ).where(PushOutbox.id.is_in(ids) & (PushOutbox.claim_token == token))
    return token, rows


def _retry_after_seconds(value: str | None, now: float) -> float:
    if not value:
        return 0.0
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - now)


def backoff_seconds(attempts: int, retry_after: float) -> float:
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.8, 1.2)
    return max(delay, retry_after)


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class PushWorker:
    def __init__(
        self,
        settings: Settings,
        *,
        concurrency: int = 64,
        batch_size: int = 256,
        lease: dt.timedelta = dt.timedelta(minutes=2),
        timeout_seconds: float = 15.0,
        poll_seconds: float = 1.0,
        overdue_every: dt.timedelta = OVERDUE_CHECK_EVERY,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.keys = vapid_keys(settings)
        self.concurrency = concurrency
        self.semaphore = asyncio.Semaphore(concurrency)
        self.batch_size = batch_size
        self.lease = lease
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.overdue_every = overdue_every.total_seconds()
        self.next_overdue_check = 0.0  # time.monotonic(): the first round checks at once
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> PushWorker:
        connector = aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def _send(self, row: dict) -> Result:
        claims = {  # a fresh dict per call: pywebpush writes aud/exp into the one it is given
            "sub": self.settings.vapid_subject,
            "aud": _origin(row["endpoint"]),
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        result = Result(row["id"], row["subscription"], "sent", attempts=row["attempts"])
        async with self.semaphore:
            try:
                response = await webpush_async(
                    subscription_info={
                        "endpoint": row["endpoint"],
                        "keys": {"p256dh": row["p256dh"], "auth": row["auth"]},
                    },
                    data=row["payload"],
                    vapid_private_key=self.keys.vapid,
                    vapid_claims=claims,
                    ttl=self.settings.push_ttl_seconds,
                    headers={"Urgency": row["urgency"], "Topic": row["topic"]},
                    timeout=self.timeout,
                    aiohttp_session=self.session,
                )
                result.status_code = response.status
                return result
            except WebPushException as exc:
                response = exc.response
                code = getattr(response, "status", None) or exc.status_code or 0
                result.status_code = code
                result.error = str(exc)[:500]
                if code in GONE:
                    result.outcome = "gone"
                elif code in PERMANENT:
                    result.outcome = "quarantine"
                else:  # 429, 5xx and anything unexpected: later
                    result.outcome = "retry"
                    headers = getattr(response, "headers", None) or {}
                    result.retry_after = _retry_after_seconds(
                        headers.get("Retry-After"), time.time()
                    )
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                result.outcome = "retry"
                result.error = f"{type(exc).__name__}: {exc}"[:500]
        if result.outcome == "retry" and result.attempts >= MAX_ATTEMPTS:
            result.outcome = "quarantine"
        return result

    async def _record(self, token: str, results: list[Result]) -> None:
        now = self.clock()
        mine = PushOutbox.claim_token == token
        gone = sorted({r.subscription for r in results if r.outcome == "gone"})
        async with write_transaction(_engine()):
            for code in sorted({r.status_code for r in results if r.outcome == "sent"}):
                ids = [r.id for r in results if r.outcome == "sent" and r.status_code == code]
                await PushOutbox.update(
                    {
                        PushOutbox.status: OutboxStatus.sent.value,
                        PushOutbox.sent_at: now,
                        PushOutbox.claimed_until: None,
                        PushOutbox.last_status_code: code,
                        PushOutbox.last_error: "",
                    }
                ).where(PushOutbox.id.is_in(ids) & mine)
            for r in results:
                if r.outcome == "retry":
                    delay = backoff_seconds(r.attempts, r.retry_after)
                    values = {
                        PushOutbox.next_attempt_at: now + dt.timedelta(seconds=delay),
                        PushOutbox.claimed_until: None,
                    }
                elif r.outcome == "quarantine":
                    values = {
                        PushOutbox.status: OutboxStatus.quarantined.value,
                        PushOutbox.claimed_until: None,
                    }
                else:
                    continue
                values[PushOutbox.last_status_code] = r.status_code
                values[PushOutbox.last_error] = r.error
                await PushOutbox.update(values).where((PushOutbox.id == r.id) & mine)
            if gone:  # the browser unsubscribed or the subscription expired
                await PushOutbox.delete().where(PushOutbox.subscription.is_in(gone))
                await PushSubscription.delete().where(PushSubscription.id.is_in(gone))

    async def deliver_once(self) -> int:
        """Claims one batch, sends it, records the outcomes. Returns how many were claimed."""
        token, rows = await outbox_claim(limit=self.batch_size, lease=self.lease, now=self.clock())
        if not rows:
            return 0
        results = await asyncio.gather(*(self._send(row) for row in rows))
        await self._record(token, list(results))
        return len(rows)

    async def check_overdue(self) -> list[int]:
        """Alerts the Centre about points whose overdue dossiers reached the threshold
        (days are counted in Hanoi). Returns the points alerted."""
        now = self.clock()
        return await overdue_alerts_check(
            today=now.astimezone(VN_TZ).date(),
            threshold=self.settings.push_overdue_threshold,
            now=now,
        )

    async def _check_overdue_when_due(self) -> None:
        if time.monotonic() < self.next_overdue_check:
            return
        self.next_overdue_check = time.monotonic() + self.overdue_every
        try:
            await self.check_overdue()
        except Exception:  # the next round tries again; delivery goes on meanwhile
            log.exception("push worker: overdue check failed")

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            await self._check_overdue_when_due()
            try:
                claimed = await self.deliver_once()
                failures = 0
            except Exception:  # the database may be away for a moment: keep going
                log.exception("push worker: delivery round failed")
                failures += 1
                claimed = 0
            if claimed:
                continue
            wait = self.poll_seconds * min(2**failures, 30)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass


async def run_worker(settings: Settings, stop: asyncio.Event, **options) -> None:
    async with PushWorker(settings, **options) as worker:
        await worker.run(stop)
