"""Writes about Web Push: subscribing a browser to a dossier (citizens) or to a staff member's
own events, writing outbox messages in the transaction of the change they report (a
rolled-back change sends nothing), and the overdue alert that tells the Centre once each
time a point's overdue dossiers reach the threshold."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg

from app.accounts.guards import CENTRE_ROLES
from app.accounts.tables import Role
from app.db import is_sqlite, write_transaction
from app.dossiers.selectors import overdue_counts_by_point
from app.dossiers.states import EXPLANATIONS, LABELS, S
from app.dossiers.tables import Dossier
from app.errors import DomainError, NotFoundError, PermissionDeniedError
from app.feedback.links import rating_url
from app.feedback.tables import SatisfactionRating
from app.notifications.tables import (
    MessageKind,
    OutboxStatus,
    OverdueAlert,
    PushOutbox,
    PushSubscription,
)
from app.notifications.vapid import b64url_decode
from app.points.tables import AgentPoint
from app.settings import Settings
from app.web.i18n import DEFAULT_LOCALE, N_, translator
from app.web.sessions import CurrentUser

MAX_ENDPOINT = 2048
MAX_PER_DOSSIER = 5
MAX_DOSSIERS_PER_ENDPOINT = 20
MAX_DEVICES_PER_USER = 5
MAX_USERS_PER_ENDPOINT = 10  # a tablet shared at a point's counter
MAX_PAYLOAD = 3993  # 4096 bytes of push message minus the aes128gcm header and padding
RATING_DELAY = dt.timedelta(minutes=30)
# Draft, ready and cancelled happen before the citizen has a receipt: nothing to tell.
SILENT = frozenset({S.draft, S.ready, S.cancelled})
URGENT = frozenset({S.supplement_requested, S.financial_obligation, S.resolved, S.delivery_failed})
COMPLETED = frozenset({S.result_returned, S.result_delivered})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# Any stable 64-bit number: the PostgreSQL advisory lock that serialises overdue checks.
OVERDUE_LOCK_KEY = 0x6476_6330_7665_7264


class SubscriptionRefused(DomainError):
    status_code = 400


class TooManySubscriptions(DomainError):
    status_code = 429


class SignInRequired(DomainError):
    status_code = 401


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


def _parse(subscription: object, *, settings: Settings) -> tuple[str, str, str]:
    """The endpoint and keys of a browser's PushSubscription.toJSON(), validated."""
    if not isinstance(subscription, dict):
        raise SubscriptionRefused(N_("The push subscription is missing."))
    endpoint = validate_endpoint(subscription.get("endpoint"), settings=settings)
    keys = subscription.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    p256dh = _key(keys.get("p256dh"), 65, point=True)
    auth = _key(keys.get("auth"), 16, point=False)
    return endpoint, p256dh, auth


async def _save(
    *,
    key: str,
    endpoint: str,
    p256dh: str,
    auth: str,
    limits: list[tuple[object, int, str, str]],
    dossier_id: int | None = None,
    user_id: int | None = None,
) -> bool:
    """Inserts the subscription unless its key exists (then refreshes its keys: the browser
    may have new ones for the same endpoint). `limits` are (condition, maximum, msgid,
    param) checked against existing rows first. Returns False when it existed already."""
    if (dossier_id is None) == (user_id is None):
        raise ValueError("a subscription belongs to exactly one dossier or one user")
    try:
        async with write_transaction(_engine()):
            if await PushSubscription.exists().where(PushSubscription.key == key):
                await PushSubscription.update(
                    {PushSubscription.p256dh: p256dh, PushSubscription.auth: auth}
                ).where(PushSubscription.key == key)
                return False
            for condition, maximum, message, param in limits:
                if await PushSubscription.count().where(condition) >= maximum:
                    raise TooManySubscriptions(message, **{param: maximum})
            await PushSubscription.insert(
                PushSubscription(
                    dossier=dossier_id,
                    user=user_id,
                    key=key,
                    endpoint=endpoint,
                    endpoint_hash=_endpoint_hash(endpoint),
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


async def subscription_create(*, token: object, subscription: object, settings: Settings) -> bool:
    """Subscribes a browser to a dossier's news. Returns False when it already was."""
    endpoint, p256dh, auth = _parse(subscription, settings=settings)
    dossier_id = await _dossier_by_token(token)
    endpoint_hash = _endpoint_hash(endpoint)
    return await _save(
        key=f"{endpoint_hash}:{dossier_id}",
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        dossier_id=dossier_id,
        limits=[
            (
                PushSubscription.dossier == dossier_id,
                MAX_PER_DOSSIER,
                N_("This dossier already sends notifications to %(n)s devices."),
                "n",
            ),
            (
                (PushSubscription.endpoint_hash == endpoint_hash)
                & PushSubscription.dossier.is_not_null(),
                MAX_DOSSIERS_PER_ENDPOINT,
                N_("This device already follows %(n)s dossiers."),
                "n",
            ),
        ],
    )


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
# Staff subscriptions: a signed-in staff member's browser, for their own events


def staff_event(user: CurrentUser | None) -> MessageKind | None:
    """What a staff member is notified about: agents and point managers, the portal asking
    for documents on their dossiers; the Centre, a point's overdue count reaching the
    threshold. None for an account with nothing to follow (no point, no organisation)."""
    if user is None:
        return None
    if user.role == Role.agent.value and user.point_id is not None:
        return MessageKind.supplement_requested
    if user.role == Role.point_manager.value and user.organisation_id is not None:
        return MessageKind.supplement_requested
    if user.role in CENTRE_ROLES:
        return MessageKind.overdue_threshold
    return None


def _staff_user(user: CurrentUser | None) -> CurrentUser:
    if user is None:
        raise SignInRequired(N_("Your session has ended. Sign in again, then try once more."))
    if staff_event(user) is None:
        raise PermissionDeniedError(N_("Your account has no notifications to receive."))
    return user


async def staff_subscription_create(
    *,
    user: CurrentUser | None,
    subscription: object,
    settings: Settings,
    expected_user: object = None,
) -> bool:
    """Subscribes a browser to the signed-in staff member's events. `expected_user` (sent by
    the service worker when it renews a subscription) must be the signed-in user: a device
    handed to a colleague does not silently switch to their notifications."""
    user = _staff_user(user)
    if expected_user is not None and (type(expected_user) is not int or expected_user != user.id):
        raise PermissionDeniedError(N_("This device was set up for another account."))
    endpoint, p256dh, auth = _parse(subscription, settings=settings)
    endpoint_hash = _endpoint_hash(endpoint)
    return await _save(
        key=f"{endpoint_hash}:u{user.id}",
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_id=user.id,
        limits=[
            (
                PushSubscription.user == user.id,
                MAX_DEVICES_PER_USER,
                N_("Your notifications already go to %(n)s devices. Turn them off on one first."),
                "n",
            ),
            (
                (PushSubscription.endpoint_hash == endpoint_hash)
                & PushSubscription.user.is_not_null(),
                MAX_USERS_PER_ENDPOINT,
                N_("This device already receives the notifications of %(n)s staff members."),
                "n",
            ),
        ],
    )


async def staff_subscription_delete(*, user: CurrentUser | None, subscription: object) -> None:
    if user is None:
        raise SignInRequired(N_("Your session has ended. Sign in again, then try once more."))
    endpoint = subscription.get("endpoint") if isinstance(subscription, dict) else None
    if not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionRefused(N_("The push subscription's address is missing or too long."))
    async with write_transaction(_engine()):
        await PushSubscription.delete().where(
            PushSubscription.key == f"{_endpoint_hash(endpoint)}:u{user.id}"
        )


async def staff_subscriptions_delete_all(*, user: CurrentUser) -> int:
    """Stops the staff member's notifications on every device (a lost or handed-on phone)."""
    async with write_transaction(_engine()):
        gone = (
            await PushSubscription.delete()
            .where(PushSubscription.user == user.id)
            .returning(PushSubscription.id)
        )
    return len(gone)


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
        kind=MessageKind.status.value,
    )


RATING_LINE = N_("Your dossier is complete. Please take a minute to rate the service you received.")


def rating_message(*, code: str, token: str, dossier_id: int) -> str:
    """Opens the status page at its rating form, marked so the rating records source=push."""
    _ = translator(DEFAULT_LOCALE).gettext
    return _payload(
        title=_(N_("How was the service?")),
        body=f"{code}: {_(RATING_LINE)}",
        url=rating_url(token),
        tag=f"rating-{dossier_id}",
        kind=MessageKind.rating_invitation.value,
    )


@dataclass(frozen=True, slots=True)
class Message:
    kind: MessageKind
    topic: str  # the push service keeps only the latest message of a topic for a device
    urgency: str
    payload: str
    available_at: dt.datetime


async def _enqueue(subscription_ids: list[int], messages: list[Message], dossier_id=None) -> int:
    """Writes every message for every subscription; a pending message of the same topic not
    yet claimed is superseded. Returns how many rows were written."""
    if not subscription_ids or not messages:
        return 0
    await PushOutbox.update({PushOutbox.status: OutboxStatus.superseded.value}).where(
        PushOutbox.subscription.is_in(subscription_ids)
        & (PushOutbox.topic.is_in([m.topic for m in messages]))
        & (PushOutbox.status == OutboxStatus.pending.value)
        & PushOutbox.claimed_until.is_null()
    )
    now = _now()
    rows = [
        PushOutbox(
            subscription=sub_id,
            dossier=dossier_id,
            kind=m.kind.value,
            topic=m.topic,
            urgency=m.urgency,
            payload=m.payload,
            status=OutboxStatus.pending.value,
            next_attempt_at=m.available_at,
            created_at=now,
        )
        for sub_id in subscription_ids
        for m in messages
    ]
    await PushOutbox.insert(*rows)
    return len(rows)


async def outbox_enqueue_status(*, dossier_id: int, status: S | str) -> int:
    """Inside the caller's transaction (every status change calls it): what the change tells
    anyone. The citizen's subscriptions get each citizen-visible status (and the rating
    invitation once complete); when the portal asks for documents, the dossier's agent and
    the point managers of its organisation get it too. Returns how many messages were
    written."""
    status = S(status)
    if status in SILENT:
        return 0
    written = await _enqueue_citizen_status(dossier_id, status)
    if status == S.supplement_requested:
        written += await _enqueue_supplement_for_staff(dossier_id)
    return written


async def _enqueue_citizen_status(dossier_id: int, status: S) -> int:
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
        Message(
            MessageKind.status,
            f"dossier-{dossier_id}",
            "high" if status in URGENT else "normal",
            status_message(code=code, token=token, dossier_id=dossier_id, status=status),
            now,
        )
    ]
    if status in COMPLETED and not await _invited_or_rated(dossier_id):
        messages.append(
            Message(
                MessageKind.rating_invitation,
                f"rating-{dossier_id}",
                "low",
                rating_message(code=code, token=token, dossier_id=dossier_id),
                now + RATING_DELAY,
            )
        )
    return await _enqueue([s["id"] for s in subscriptions], messages, dossier_id)


async def _invited_or_rated(dossier_id: int) -> bool:
    """One invitation per dossier: none once one was written (sent or not), or once the
    citizen has rated anyway."""
    invited = await PushOutbox.exists().where(
        (PushOutbox.dossier == dossier_id)
        & (PushOutbox.kind == MessageKind.rating_invitation.value)
    )
    return invited or await SatisfactionRating.exists().where(
        SatisfactionRating.dossier == dossier_id
    )


async def outbox_cancel_rating_invitation(*, dossier_id: int) -> int:
    """Inside the caller's transaction (a rating being recorded): the dossier's invitations
    still waiting (they go out RATING_DELAY after completion) are not sent. One already
    claimed by a worker may still go; it opens the recorded rating."""
    cancelled = (
        await PushOutbox.update({PushOutbox.status: OutboxStatus.superseded.value})
        .where(
            (PushOutbox.dossier == dossier_id)
            & (PushOutbox.kind == MessageKind.rating_invitation.value)
            & (PushOutbox.status == OutboxStatus.pending.value)
            & PushOutbox.claimed_until.is_null()
        )
        .returning(PushOutbox.id)
    )
    return len(cancelled)


SUPPLEMENT_TITLE = N_("The portal asks for more documents for dossier %(code)s")
SUPPLEMENT_NO_NOTE = N_("Open the dossier to see which documents are needed.")


def supplement_message(*, code: str, dossier_id: int, note: str) -> str:
    _ = translator(DEFAULT_LOCALE).gettext  # staff work in Vietnamese
    return _payload(
        title=_(SUPPLEMENT_TITLE) % {"code": code},
        body=" ".join(note.split()) or _(SUPPLEMENT_NO_NOTE),
        url=f"/ho-so/{dossier_id}",
        tag=f"supplement-{dossier_id}",
        kind=MessageKind.supplement_requested.value,
    )


async def _enqueue_supplement_for_staff(dossier_id: int) -> int:
    """The dossier's agent, while still an active agent of the dossier's point, and the
    active point managers of the organisation that runs the point."""
    dossier = (
        await Dossier.select(
            Dossier.reference,
            Dossier.portal_code,
            Dossier.supplement_note,
            Dossier.agent,
            Dossier.point,
            Dossier.point.organisation.as_alias("organisation"),
        )
        .where(Dossier.id == dossier_id)
        .first()
    )
    owner = PushSubscription.user
    subscriptions = await PushSubscription.select(PushSubscription.id).where(
        owner.is_active.eq(True)
        & (
            (
                (owner.id == dossier["agent"])
                & (owner.role == Role.agent.value)
                & (owner.point == dossier["point"])
            )
            | (
                (owner.role == Role.point_manager.value)
                & (owner.organisation == dossier["organisation"])
            )
        )
    )
    if not subscriptions:
        return 0
    message = Message(
        MessageKind.supplement_requested,
        f"supplement-{dossier_id}",
        "high",
        supplement_message(
            code=dossier["portal_code"] or dossier["reference"],
            dossier_id=dossier_id,
            note=dossier["supplement_note"],
        ),
        _now(),
    )
    return await _enqueue([s["id"] for s in subscriptions], [message], dossier_id)


# ---------------------------------------------------------------------------
# The overdue alert

OVERDUE_TITLE = N_("Point %(name)s has %(n)s overdue dossiers")
OVERDUE_BODY = N_(
    "The alert is sent when a point reaches %(threshold)s overdue dossiers. "
    "Open the supervision page to see the point."
)


def overdue_message(*, point_id: int, name: str, count: int, threshold: int) -> str:
    _ = translator(DEFAULT_LOCALE).gettext
    # Points are usually named "Điểm …": don't say "Điểm Điểm …".
    words = name.split()
    if words and words[0].casefold() == "điểm":
        name = " ".join(words[1:]) or name
    return _payload(
        title=_(OVERDUE_TITLE) % {"name": name, "n": count},
        body=_(OVERDUE_BODY) % {"threshold": threshold},
        url=f"/giam-sat#diem-{point_id}",
        tag=f"overdue-{point_id}",
        kind=MessageKind.overdue_threshold.value,
    )


def _edges(
    counts: dict[int, int], alerted: dict[int, bool], threshold: int
) -> tuple[list[int], list[int]]:
    """Points that reached the threshold and were not alerted yet; alerted points that fell
    back below it (re-armed)."""
    rising = sorted(p for p, n in counts.items() if n >= threshold and not alerted.get(p))
    falling = sorted(p for p, was in alerted.items() if was and counts.get(p, 0) < threshold)
    return rising, falling


async def _alert_states() -> dict[int, bool]:
    return {
        r["point"]: r["alerted"]
        for r in await OverdueAlert.select(OverdueAlert.point, OverdueAlert.alerted)
    }


async def overdue_alerts_check(
    *, today: dt.date, threshold: int, now: dt.datetime | None = None
) -> list[int]:
    """Tells the Centre's subscribed staff about each point whose overdue dossiers reached
    `threshold` since the last check (rising edge only; the point re-arms once its count
    falls back below). Returns the points alerted.

    Several workers may run it at once: the state row of a point (unique per point) is
    flipped by a conditional update (`alerted` false -> true) that only one transaction can
    win, and the messages are written in that same transaction. On PostgreSQL the whole
    check also holds a transaction-level advisory lock (a worker finding it taken skips the
    round), so a check working from older counts never re-arms what another just alerted;
    on SQLite the IMMEDIATE write transaction serialises checks the same way."""
    if threshold <= 0:
        return []
    now = now or _now()
    # Cheap look first: most checks find nothing changed and take no write lock.
    rising, falling = _edges(await overdue_counts_by_point(today), await _alert_states(), threshold)
    if not rising and not falling:
        return []
    engine = _engine()
    async with write_transaction(engine):
        if not is_sqlite(engine):
            locked = await OverdueAlert.raw(
                "SELECT pg_try_advisory_xact_lock({}) AS ok", OVERDUE_LOCK_KEY
            )
            if not locked[0]["ok"]:
                return []  # another worker is checking right now
        counts = await overdue_counts_by_point(today)
        states = await _alert_states()
        rising, falling = _edges(counts, states, threshold)
        if falling:
            await OverdueAlert.update(
                {OverdueAlert.alerted: False, OverdueAlert.changed_at: now}
            ).where(OverdueAlert.point.is_in(falling) & OverdueAlert.alerted.eq(True))
        if not rising:
            return []
        missing = [p for p in rising if p not in states]
        if missing:
            await OverdueAlert.insert(
                *[OverdueAlert(point=p, alerted=False, changed_at=now) for p in missing]
            ).on_conflict(target=OverdueAlert.point, action="DO NOTHING")
        won = (
            await OverdueAlert.update({OverdueAlert.alerted: True, OverdueAlert.changed_at: now})
            .where(OverdueAlert.point.is_in(rising) & OverdueAlert.alerted.eq(False))
            .returning(OverdueAlert.point)
        )
        alerted = sorted(r["point"] for r in won)
        for point_id in alerted:  # alerts are rare: one small update each
            await OverdueAlert.update({OverdueAlert.overdue_count: counts[point_id]}).where(
                OverdueAlert.point == point_id
            )
        await _enqueue_overdue(alerted, counts, threshold)
    return alerted


async def _enqueue_overdue(points: list[int], counts: dict[int, int], threshold: int) -> int:
    if not points:
        return 0
    owner = PushSubscription.user
    subscriptions = await PushSubscription.select(PushSubscription.id).where(
        owner.is_active.eq(True) & owner.role.is_in(list(CENTRE_ROLES))
    )
    if not subscriptions:
        return 0
    names = {
        r["id"]: r["name"]
        for r in await AgentPoint.select(AgentPoint.id, AgentPoint.name).where(
            AgentPoint.id.is_in(points)
        )
    }
    now = _now()
    messages = [
        Message(
            MessageKind.overdue_threshold,
            f"overdue-{p}",
            "normal",
            overdue_message(point_id=p, name=names[p], count=counts[p], threshold=threshold),
            now,
        )
        for p in points
    ]
    return await _enqueue([s["id"] for s in subscriptions], messages)
