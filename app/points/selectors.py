"""Reads about organisations and agent points, always scoped to the reader."""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException

from app.accounts.guards import CENTRE_ROLES, scope_to_user
from app.accounts.tables import Role
from app.errors import NotFoundError
from app.points.tables import AgentPoint, Organisation, PointEvent, PointStatus
from app.territory.hanoi_units import DISTRICTS_VALID_TO
from app.territory.selectors import district_choices, short_name, units_valid_on
from app.territory.tables import UnitKind
from app.training.selectors import staff_counts
from app.web.i18n import N_
from app.web.sessions import CurrentUser

POINT_COLUMNS = (
    AgentPoint.id,
    AgentPoint.code,
    AgentPoint.name,
    AgentPoint.district,
    AgentPoint.commune,
    AgentPoint.address,
    AgentPoint.status,
    AgentPoint.phase,
    AgentPoint.organisation.name.as_alias("organisation_name"),
    AgentPoint.organisation.kind.as_alias("organisation_kind"),
)
DETAIL_COLUMNS = (
    *POINT_COLUMNS,
    AgentPoint.organisation.as_alias("organisation_id"),
    AgentPoint.district_code,
    AgentPoint.commune_code,
    AgentPoint.latitude,
    AgentPoint.longitude,
    AgentPoint.opening_hours,
    AgentPoint.phone,
    AgentPoint.is_outer_district,
    AgentPoint.has_premises,
    AgentPoint.has_computer,
    AgentPoint.has_scanner,
    AgentPoint.has_printer,
    AgentPoint.has_internet,
    AgentPoint.review_note,
    AgentPoint.reviewed_at,
    AgentPoint.reviewed_by_name,
    AgentPoint.created_at,
)
ORGANISATION_COLUMNS = (
    Organisation.id,
    Organisation.name,
    Organisation.kind,
    Organisation.tax_code,
    Organisation.contact_name,
    Organisation.contact_phone,
    Organisation.contact_email,
    Organisation.address,
    Organisation.licence_number,
    Organisation.licence_date,
)
STATUSES = tuple(s.value for s in PointStatus)
DISTRICT_KINDS = (UnitKind.urban_district, UnitKind.town, UnitKind.rural_district)
MSG_NO_POINT = N_("This agent point does not exist or is not yours to see.")
MSG_NO_ORGANISATION = N_("This organisation does not exist or is not yours to see.")


async def points_visible_to(user: CurrentUser) -> list[dict]:
    query = (
        AgentPoint.select(*POINT_COLUMNS).order_by(AgentPoint.district).order_by(AgentPoint.code)
    )
    return await scope_to_user(query, user, AgentPoint.id)


async def point_for(user: CurrentUser, point_id: int) -> dict:
    query = AgentPoint.select(*POINT_COLUMNS).where(AgentPoint.id == point_id)
    row = await scope_to_user(query, user, AgentPoint.id).first()
    if row is None:
        raise NotFoundError(MSG_NO_POINT)
    return row


async def point_detail(user: CurrentUser, point_id: int) -> dict:
    """Every column a point's page shows; NotFoundError outside the reader's scope."""
    query = AgentPoint.select(*DETAIL_COLUMNS).where(AgentPoint.id == point_id)
    row = await scope_to_user(query, user, AgentPoint.id).first()
    if row is None:
        raise NotFoundError(MSG_NO_POINT)
    return row


async def point_registry(
    user: CurrentUser,
    *,
    status: str = "",
    district_code: str = "",
    organisation_id: int | None = None,
) -> list[dict]:
    """The registry list, filtered, in the reader's scope, each point with its staff counts."""
    query = AgentPoint.select(*POINT_COLUMNS, AgentPoint.district_code)
    if status in STATUSES:
        query = query.where(AgentPoint.status == status)
    if district_code:
        query = query.where(AgentPoint.district_code == district_code)
    if organisation_id is not None:
        query = query.where(AgentPoint.organisation == organisation_id)
    query = query.order_by(AgentPoint.district).order_by(AgentPoint.code)
    rows = await scope_to_user(query, user, AgentPoint.id)
    counts = await staff_counts(r["id"] for r in rows)
    return [{**r, **counts[r["id"]]} for r in rows]


async def point_events(point_id: int) -> list[dict]:
    return (
        await PointEvent.select(
            PointEvent.id,
            PointEvent.from_status,
            PointEvent.to_status,
            PointEvent.reason,
            PointEvent.at,
            PointEvent.actor.full_name.as_alias("actor_name"),
        )
        .where(PointEvent.point == point_id)
        .order_by(PointEvent.at, ascending=False)
        .order_by(PointEvent.id, ascending=False)
    )


def _organisation_scope(query, user: CurrentUser):
    if user.role in CENTRE_ROLES:
        return query
    if user.role == Role.point_manager and user.organisation_id is not None:
        return query.where(Organisation.id == user.organisation_id)
    raise PermissionDeniedException()


async def organisations_visible_to(user: CurrentUser) -> list[dict]:
    query = Organisation.select(*ORGANISATION_COLUMNS).order_by(Organisation.name)
    rows = await _organisation_scope(query, user)
    counts: dict[int, int] = {}
    for point in await AgentPoint.select(AgentPoint.organisation).where(
        AgentPoint.organisation.is_in([r["id"] for r in rows] or [0])
    ):
        counts[point["organisation"]] = counts.get(point["organisation"], 0) + 1
    return [{**r, "points": counts.get(r["id"], 0)} for r in rows]


async def organisation_for(user: CurrentUser, organisation_id: int) -> dict:
    query = Organisation.select(*ORGANISATION_COLUMNS).where(Organisation.id == organisation_id)
    row = await _organisation_scope(query, user).first()
    if row is None:
        raise NotFoundError(MSG_NO_ORGANISATION)
    return row


async def organisation_choices() -> list[dict]:
    return await Organisation.select(Organisation.id, Organisation.name).order_by(Organisation.name)


async def district_options() -> list[dict]:
    """The 30 districts and the town (as they were until 30 Jun 2025): points are grouped,
    filtered and found by them. `label` is the short name, e.g. "Ba Vì"."""
    rows = await units_valid_on(DISTRICTS_VALID_TO, kind=DISTRICT_KINDS)
    return [{**r, "label": short_name(r["name"])} for r in rows]


async def commune_options(day) -> list[dict]:
    """The commune-level units of `day` (from 1 Jul 2025, the 126 wards and communes)."""
    return await district_choices(day)
