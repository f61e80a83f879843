"""Recording a citizen's satisfaction rating: one per dossier, only once the result is in
their hands, attributed to the point and the agent who took the dossier in.

One per dossier is the table's unique constraint on `dossier`; the check before the insert
only gives the common case a friendly answer. Two posts at once: on SQLite the IMMEDIATE
write transactions queue and the second finds the first's row; on PostgreSQL both may pass
the check and the second insert fails on the constraint, which is caught and answered the
same way («Hồ sơ này đã được đánh giá»), never a 500.

Rate limits (sliding windows, `app.web.ratelimit`): every post is counted per client address
(generous: people at one post office, or behind one mobile carrier's NAT, share an address)
and, once the dossier is known, per dossier (a citizen fixing a mistake posts a few times, a
script posting to one dossier is stopped). A refused post is taken back, so waiting works.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

import asyncpg

from app.db import write_transaction
from app.dossiers.tables import Dossier
from app.errors import DomainError, NotFoundError, ValidationError
from app.feedback.labels import LEVELS, SCORES
from app.feedback.links import SOURCE_PUSH, SOURCE_STATUS
from app.feedback.selectors import is_rateable, rating_for_dossier
from app.feedback.tables import SatisfactionRating
from app.notifications.services import outbox_cancel_rating_invitation
from app.tracking.selectors import NOT_FOUND, valid_token
from app.web.i18n import N_
from app.web.ratelimit import RateLimiter, ratelimit_store

COMMENT_MAX = 1000
PER_IP_LIMIT = 60
PER_DOSSIER_LIMIT = 10
WINDOW_SECONDS = 15 * 60
CRITERIA_FIELDS = ("attitude", "guidance", "waiting_time")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")

E_LEVEL_MISSING = N_("Choose how satisfied you are: Very satisfied, Satisfied or Dissatisfied.")
E_LEVEL_INVALID = N_("Choose one of the three answers: Very satisfied, Satisfied or Dissatisfied.")
E_SCORE_INVALID = N_("Choose Good, Fair or Poor, or leave this question unanswered.")
E_CHARGED_INVALID = N_("Answer Yes or No, or leave this question unanswered.")
E_COMMENT_LONG = N_("Your comment is too long: keep it to 1,000 characters or fewer.")
ALREADY_RATED = N_("This dossier has already been rated.")
NOT_OPEN = N_(
    "You can rate the service once the result of your dossier has been handed over to you."
)


class RatingNotOpen(DomainError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(NOT_OPEN)


class AlreadyRated(DomainError):
    status_code = 409

    def __init__(self, rating: dict | None) -> None:
        super().__init__(ALREADY_RATED)
        self.rating = rating


class RatingThrottled(DomainError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            N_("Too many attempts. Please wait %(minutes)s minutes and try again."),
            minutes=max(1, math.ceil(retry_after / 60)),
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class RatingInput:
    level: str
    attitude: str = ""
    guidance: str = ""
    waiting_time: str = ""
    charged_extra: bool | None = None
    comment: str = ""
    source: str = SOURCE_STATUS


def clean_comment(raw: str) -> str:
    """NFC, one kind of line break, no control or invisible characters, no lone surrogates."""
    text = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", text).strip()


def form_values(form: dict[str, str]) -> dict[str, str]:
    """What was typed, kept to re-show the form (never more than a field can hold)."""
    values = {name: form.get(name, "")[:20] for name in ("level", *CRITERIA_FIELDS, "charged")}
    values["comment"] = clean_comment(form.get("comment", "")[: COMMENT_MAX * 4])
    return values


def rating_input(form: dict[str, str]) -> RatingInput:
    """The rating, or ValidationError naming each field to fix."""
    errors: dict[str, str] = {}
    level = form.get("level", "").strip()
    if not level:
        errors["level"] = E_LEVEL_MISSING
    elif level not in LEVELS:
        errors["level"] = E_LEVEL_INVALID
    scores = {}
    for name in CRITERIA_FIELDS:
        value = form.get(name, "").strip()
        if value and value not in SCORES:
            errors[name] = E_SCORE_INVALID
        scores[name] = value
    charged = form.get("charged", "").strip()
    if charged not in ("", "yes", "no"):
        errors["charged"] = E_CHARGED_INVALID
    comment = clean_comment(form.get("comment", ""))
    if len(comment) > COMMENT_MAX:
        errors["comment"] = E_COMMENT_LONG
    if errors:
        raise ValidationError(errors)
    return RatingInput(
        level=level,
        charged_extra={"yes": True, "no": False}.get(charged),
        comment=comment,
        source=SOURCE_PUSH if form.get("source") == SOURCE_PUSH else SOURCE_STATUS,
        **scores,
    )


@dataclass(frozen=True)
class RatingLimits:
    per_ip: RateLimiter
    per_dossier: RateLimiter


def rating_limits(app) -> RatingLimits:
    """The app's two limiters, made once (tests may put stricter ones in app.state)."""
    limits = app.state.get("rating_limits")
    if limits is None:
        store = ratelimit_store(app.state.settings, app.state.sessions.store)
        limits = RatingLimits(
            per_ip=RateLimiter(
                store, name="rating-ip", limit=PER_IP_LIMIT, window_seconds=WINDOW_SECONDS
            ),
            per_dossier=RateLimiter(
                store, name="rating-dossier", limit=PER_DOSSIER_LIMIT, window_seconds=WINDOW_SECONDS
            ),
        )
        app.state["rating_limits"] = limits
    return limits


async def _dossier(token: str) -> dict:
    if not valid_token(token):
        raise NotFoundError(NOT_FOUND)
    row = (
        await Dossier.select(Dossier.id, Dossier.status, Dossier.point, Dossier.agent)
        .where(Dossier.status_token == token)
        .first()
    )
    if row is None:
        raise NotFoundError(NOT_FOUND)
    return row


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def rating_create(*, dossier: dict, data: RatingInput) -> dict:
    """Records the rating of `dossier` (its id, status, point and agent); AlreadyRated when
    it has one, whoever wrote it first. A push invitation still waiting is not sent."""
    engine = SatisfactionRating._meta.db
    try:
        async with write_transaction(engine):
            if await SatisfactionRating.exists().where(SatisfactionRating.dossier == dossier["id"]):
                raise AlreadyRated(None)
            await SatisfactionRating.insert(
                SatisfactionRating(
                    dossier=dossier["id"],
                    point=dossier["point"],
                    agent=dossier["agent"],
                    level=data.level,
                    attitude=data.attitude,
                    guidance=data.guidance,
                    waiting_time=data.waiting_time,
                    charged_extra=data.charged_extra,
                    comment=data.comment,
                    source=data.source,
                    created_at=_now(),
                )
            )
            await outbox_cancel_rating_invitation(dossier_id=dossier["id"])
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError) as exc:
        # Another post for the same dossier committed between our check and our insert.
        raise AlreadyRated(await rating_for_dossier(dossier["id"])) from exc
    except AlreadyRated:
        raise AlreadyRated(await rating_for_dossier(dossier["id"])) from None
    return await rating_for_dossier(dossier["id"])


async def rating_submit(*, token: str, form: dict[str, str], limits: RatingLimits, ip: str) -> dict:
    """A citizen's post from the status page: rate limits, the dossier by its token, the
    state that allows rating, the input; returns the recorded rating."""
    by_ip = await limits.per_ip.hit(ip)
    if not by_ip.allowed:
        await limits.per_ip.undo(ip, by_ip)
        raise RatingThrottled(by_ip.retry_after)
    dossier = await _dossier(token)
    existing = await rating_for_dossier(dossier["id"])
    if existing is not None:
        raise AlreadyRated(existing)
    if not is_rateable(dossier["status"]):
        raise RatingNotOpen()
    key = str(dossier["id"])
    by_dossier = await limits.per_dossier.hit(key)
    if not by_dossier.allowed:
        await limits.per_ip.undo(ip, by_ip)
        await limits.per_dossier.undo(key, by_dossier)
        raise RatingThrottled(by_dossier.retry_after)
    data = rating_input(form)
    return await rating_create(dossier=dossier, data=data)
