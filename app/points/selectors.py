"""Reads about organisations and agent points, always scoped to the reader."""

from __future__ import annotations

from app.accounts.guards import scope_to_user
from app.errors import NotFoundError
from app.points.tables import AgentPoint
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


async def points_visible_to(user: CurrentUser) -> list[dict]:
    query = (
        AgentPoint.select(*POINT_COLUMNS).order_by(AgentPoint.district).order_by(AgentPoint.code)
    )
    return await scope_to_user(query, user, AgentPoint.id)


async def point_for(user: CurrentUser, point_id: int) -> dict:
    query = AgentPoint.select(*POINT_COLUMNS).where(AgentPoint.id == point_id)
    row = await scope_to_user(query, user, AgentPoint.id).first()
    if row is None:
        raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
    return row
