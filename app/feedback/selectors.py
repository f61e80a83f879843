"""Reads of satisfaction ratings: whether a dossier may be rated, its recorded rating, and
what the citizen's status page shows in its rating section.

A dossier may be rated once its result is in the citizen's hands: handed over
(`result_returned`) or delivered by post (`result_delivered`). Not while it is
`result_dispatched`: the result is still on its way and may yet fail to arrive, so the
citizen cannot judge the whole service (waiting time included) until the postman comes; the
invitation and the form appear at delivery."""

from __future__ import annotations

from app.db import Row
from app.dossiers.states import S
from app.feedback.labels import (
    CHARGED_LABELS,
    CRITERIA,
    LEVEL_LABELS,
    SCORE_LABELS,
    SOURCE_LABELS,
)
from app.feedback.links import SOURCE_STATUS, post_url, source_for_marker
from app.feedback.tables import SatisfactionRating

RATEABLE = frozenset({S.result_returned, S.result_delivered})

RATING_COLUMNS = (
    SatisfactionRating.id,
    SatisfactionRating.level,
    SatisfactionRating.attitude,
    SatisfactionRating.guidance,
    SatisfactionRating.waiting_time,
    SatisfactionRating.charged_extra,
    SatisfactionRating.comment,
    SatisfactionRating.source,
    SatisfactionRating.created_at,
)


# The rating joined into a hand-written read of `dossier d` (the status page's, the dossier
# page's): the same fields as `rating_for_dossier`, prefixed `rating_`, then `pop_rating`.
RATING_FIELDS = tuple(column._meta.name for column in RATING_COLUMNS)
RATING_SELECT = ", ".join(f"r.{name} AS rating_{name}" for name in RATING_FIELDS)
RATING_JOIN = "LEFT JOIN satisfaction_rating r ON r.dossier = d.id"
RATING_TYPES = {"rating_charged_extra": "bool", "rating_created_at": "timestamptz"}


def pop_rating(row: dict) -> dict | None:
    """Takes the joined `rating_*` fields out of `row`: the rating, or None."""
    rating = Row({name: row.pop(f"rating_{name}") for name in RATING_FIELDS})
    return rating if rating["id"] is not None else None


LABELS = {
    "levels": LEVEL_LABELS,
    "criteria": CRITERIA,
    "scores": SCORE_LABELS,
    "charged": CHARGED_LABELS,
    "sources": SOURCE_LABELS,
}


def is_rateable(status: str) -> bool:
    try:
        return S(status) in RATEABLE
    except ValueError:
        return False


async def rating_for_dossier(dossier_id: int) -> dict | None:
    return (
        await SatisfactionRating.select(*RATING_COLUMNS)
        .where(SatisfactionRating.dossier == dossier_id)
        .first()
    )


def panel(
    *,
    token: str,
    rating: dict | None = None,
    source: str = SOURCE_STATUS,
    values: dict | None = None,
    errors: dict | None = None,
    problem=None,
    just_rated: bool = False,
    already_rated: bool = False,
) -> dict:
    """The context of the rating section (`feedback/partials/_rating.html`): the form (with
    what was typed and what is wrong) or, once rated, the recorded rating."""
    return {
        "token": token,
        "action": post_url(token),
        "labels": LABELS,
        "rating": rating,
        "source": source,
        "typed": values or {},
        "errors": errors or {},
        "problem": problem,
        "just_rated": just_rated,
        "already_rated": already_rated,
    }


async def status_panel(dossier: dict, *, token: str, marker: str = "") -> dict | None:
    """The status page's rating section, or None before the result is returned. The rating
    comes with the dossier when its read joined it (`rating`, app.tracking.selectors);
    otherwise one query, and only for a dossier that may be rated."""
    if not is_rateable(dossier["status"]):
        return None
    if "rating" in dossier:
        rating = dossier["rating"]
    else:
        rating = await rating_for_dossier(dossier["id"])
    return panel(token=token, rating=rating, source=source_for_marker(marker))


async def staff_panel(dossier: dict) -> dict:
    """The read-only rating on a dossier's staff page: the rating, or whether one may come
    (joined into the dossier's read when it has `rating`)."""
    if "rating" in dossier:
        rating = dossier["rating"]
    else:
        rating = await rating_for_dossier(dossier["id"])
    return {"rating": rating, "rateable": is_rateable(dossier["status"]), "labels": LABELS}
