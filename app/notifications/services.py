"""Writes about Web Push: subscribing a browser to a dossier, and writing outbox messages in
the transaction of the status change they report (a rolled-back change sends nothing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import sqlite3
from urllib.parse import urlsplit

import asyncpg

from app.db import write_transaction
from app.dossiers.states import EXPLANATIONS, LABELS, S
from app.dossiers.tables import Dossier
from app.errors import DomainError, NotFoundError
from app.notifications.tables import OutboxStatus, PushOutbox, PushSubscription
from app.notifications.vapid import b64url_decode
from app.settings import Settings
from app.web.i18n import DEFAULT_LOCALE, N_, translator

MAX_ENDPOINT = 2048
MAX_PER_DOSSIER = 5
MAX_DOSSIERS_PER_ENDPOINT = 20
MAX_PAYLOAD = 3993  # 4096 bytes of push message minus the aes128gcm header and padding
RATING_DELAY = dt.timedelta(minutes=30)
# Draft, ready and cancelled happen before the citizen has a receipt: nothing to tell.
SILENT = frozenset({S.draft, S.ready, S.cancelled})
URGENT = frozenset({S.supplement_requested, S.financial_obligation, S.resolved, S.delivery_failed})
COMPLETED = frozenset({S.result_returned, S.result_delivered})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class SubscriptionRefused(DomainError):
    status_code = 400


class TooManySubscriptions(DomainError):
    status_code = 429


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine():
    return PushSubscription._meta.db


# ---------------------------------------------------------------------------
# Subscriptions


def _is_ip_or_local(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def validate_endpoint(endpoint: object, *, settings: Settings) -> str:
    """An https URL of a public host; outside production, a loopback push service over http
    is allowed too (the tests' and a developer's local push service)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionRefused(N_("The push subscription's address is missing or too long."))
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise SubscriptionRefused(N_("The push subscription's address is not valid.")) from exc
    if not host or parts.username or parts.password or any(c.isspace() for c in endpoint):
        raise SubscriptionRefused(N_("The push subscription's address is not valid."))
    local = _is_ip_or_local(host)
    if settings.is_production and local:
        raise SubscriptionRefused(N_("The push subscription's address is not valid."))
    if parts.scheme != "https" and not (
        parts.scheme == "http" and local and not settings.is_production
    ):
        raise SubscriptionRefused(N_("The push subscription's address must use https."))
    return endpoint


def _key(raw: object, length: int, *, point: bool) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > 100:
        raise SubscriptionRefused(N_("The push subscription's keys are not valid."))
    try:
        decoded = b64url_decode(raw.strip())
    except ValueError as exc:
        raise SubscriptionRefused(N_("The push subscription's keys are not valid.")) from exc
    if len(decoded) != length or (point and decoded[0] != 0x04):
        raise SubscriptionRefused(N_("The push subscription's keys are not valid."))
    return raw.strip().rstrip("=")


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


async def _dossier_by_token(token: object) -> int:
    if not isinstance(token, str) or not token or len(token) > 64:
        raise NotFoundError(N_("This dossier does not exist."))
    row = await Dossier.select(Dossier.id).where(Dossier.status_token == token).first()
    if row is None:
        raise NotFoundError(N_("This dossier does not exist."))
    return row["id"]


async def subscription_create(*, token: object, subscription: object, settings: Settings) -> bool:
    """Subscribes a browser to a dossier's news. Returns False when it already was."""
    if not isinstance(subscription, dict):
        raise SubscriptionRefused(N_("The push subscription is missing."))
    endpoint = validate_endpoint(subscription.get("endpoint"), settings=settings)
    keys = subscription.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    p256dh = _key(keys.get("p256dh"), 65, point=True)
    auth = _key(keys.get("auth"), 16, point=False)
    dossier_id = await _dossier_by_token(token)
    endpoint_hash = _endpoint_hash(endpoint)
    key = f"{endpoint_hash}:{dossier_id}"
    try:
        async with write_transaction(_engine()):
            existing = await PushSubscription.select(PushSubscription.id).where(
                PushSubscription.key == key
            )
            if existing:  # the browser may have new keys for the same endpoint
                await PushSubscription.update(
                    {PushSubscription.p256dh: p256dh, PushSubscription.auth: auth}
                ).where(PushSubscription.key == key)
                return False
            if await PushSubscription.count().where(PushSubscription.dossier == dossier_id) >= (
                MAX_PER_DOSSIER
            ):
                raise TooManySubscriptions(
                    N_("This dossier already sends notifications to %(n)s devices."),
                    n=MAX_PER_DOSSIER,
                )
            if await PushSubscription.count().where(
                PushSubscription.endpoint_hash == endpoint_hash
            ) >= (MAX_DOSSIERS_PER_ENDPOINT):
                raise TooManySubscriptions(
                    N_("This device already follows %(n)s dossiers."), n=MAX_DOSSIERS_PER_ENDPOINT
                )
            await PushSubscription.insert(
                PushSubscription(
                    dossier=dossier_id,
                    key=key,
                    endpoint=endpoint,
                    endpoint_hash=endpoint_hash,
                    p256dh=p256dh,
                    auth=auth,
                    created_at=_now(),
                )
            )
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError):
        # The same browser subscribed twice at once: the other request made the row.
        if await PushSubscription.exists().where(PushSubscription.key == key):
            return False
        raise
    return True


async def subscription_delete(*, token: object, subscription: object) -> None:
    endpoint = subscription.get("endpoint") if isinstance(subscription, dict) else None
    if not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionRefused(N_("The push subscription's address is missing or too long."))
    dossier_id = await _dossier_by_token(token)
    async with write_transaction(_engine()):
        await PushSubscription.delete().where(
            PushSubscription.key == f"{_endpoint_hash(endpoint)}:{dossier_id}"
        )


# ---------------------------------------------------------------------------
# The outbox


def _payload(*, title: str, body: str, url: str, tag: str, kind: str) -> str:
    data = {"title": title, "body": body, "url": url, "tag": tag, "kind": kind}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    while len(text.encode()) > MAX_PAYLOAD and len(data["body"]) > 1:
        data["body"] = data["body"][: max(1, len(data["body"]) - 200)] + "…"
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


def status_message(*, code: str, token: str, dossier_id: int, status: S) -> str:
    _ = translator(DEFAULT_LOCALE).gettext  # messages are for the citizen: Vietnamese
    return _payload(
        title=_(LABELS[status]),
        body=f"{code}: {_(EXPLANATIONS[status])}",
        url=f"/theo-doi/{token}",
        tag=f"dossier-{dossier_id}",
        kind="status",
    )


RATING_LINE = N_("Your dossier is complete. Please take a minute to rate the service you received.")


def rating_message(*, code: str, token: str, dossier_id: int) -> str:
    _ = translator(DEFAULT_LOCALE).gettext
    return _payload(
        title=_(N_("How was the service?")),
        body=f"{code}: {_(RATING_LINE)}",
        url=f"/theo-doi/{token}",
        tag=f"rating-{dossier_id}",
        kind="rating_invitation",
    )


async def outbox_enqueue_status(*, dossier_id: int, status: S | str) -> int:
    """Inside the caller's transaction: one outbox message per subscription of the dossier
    for a citizen-visible status (and the rating invitation once complete). A pending message
    of the same topic not yet sent is superseded. Returns how many messages were written."""
    status = S(status)
    if status in SILENT:
        return 0
    subscriptions = await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.dossier == dossier_id
    )
    if not subscriptions:
        return 0
    dossier = (
        await Dossier.select(Dossier.reference, Dossier.portal_code, Dossier.status_token)
        .where(Dossier.id == dossier_id)
        .first()
    )
    code = dossier["portal_code"] or dossier["reference"]
    token = dossier["status_token"]
    now = _now()
    messages = [
        (
            "status",
            f"dossier-{dossier_id}",
            "high" if status in URGENT else "normal",
            status_message(code=code, token=token, dossier_id=dossier_id, status=status),
            now,
        )
    ]
    if status in COMPLETED:
        messages.append(
            (
                "rating_invitation",
                f"rating-{dossier_id}",
                "low",
                rating_message(code=code, token=token, dossier_id=dossier_id),
                now + RATING_DELAY,
            )
        )
    ids = [s["id"] for s in subscriptions]
    await PushOutbox.update({PushOutbox.status: OutboxStatus.superseded.value}).where(
        PushOutbox.subscription.is_in(ids)
        & (PushOutbox.topic.is_in([m[1] for m in messages]))
        & (PushOutbox.status == OutboxStatus.pending.value)
        & PushOutbox.claimed_until.is_null()
    )
    rows = [
        PushOutbox(
            subscription=sub_id,
            dossier=dossier_id,
            kind=kind,
            topic=topic,
            urgency=urgency,
            payload=payload,
            status=OutboxStatus.pending.value,
            next_attempt_at=available,
            created_at=now,
        )
        for sub_id in ids
        for kind, topic, urgency, payload, available in messages
    ]
    await PushOutbox.insert(*rows)
    return len(rows)
