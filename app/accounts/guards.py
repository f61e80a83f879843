"""Route guards by role, and the one helper that scopes queries to what a user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from app.accounts.tables import Role
from app.points.tables import AgentPoint

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler
    from piccolo.columns import Column
    from piccolo.query.base import Query

    from app.web.sessions import CurrentUser

STAFF_ROLES = tuple(r.value for r in Role)
CENTRE_ROLES = (Role.supervisor.value, Role.admin.value)


def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def requires_role(*roles: str):
    # A coroutine: Litestar runs a plain function guard in a worker thread, on every request.
    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        requires_login(connection, handler)
        if connection.scope["user"].role not in roles:
            raise PermissionDeniedException()

    guard.__name__ = f"requires_role_{'_'.join(roles)}"
    return guard


def scope_to_user(query: Query, user: CurrentUser, point: Column) -> Query:
    """Limit `query` to rows of the points `user` may see.

    `point` is the column naming the agent point: a ForeignKey to AgentPoint
    (e.g. `Dossier.point`) or `AgentPoint.id` itself. Agents see their own point,
    point managers their organisation's points, the Centre's staff everything.
    """
    if user.role in CENTRE_ROLES:
        return query
    is_point_table = point._meta.table is AgentPoint and point._meta.name == "id"
    if user.role == Role.agent and user.point_id is not None:
        return query.where(point == user.point_id)
    if user.role == Role.point_manager and user.organisation_id is not None:
        organisation = AgentPoint.organisation if is_point_table else point.organisation
        return query.where(organisation == user.organisation_id)
    raise PermissionDeniedException()
