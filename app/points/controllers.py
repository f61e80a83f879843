"""The Centre's staff home: the agent points they oversee."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.dossiers.selectors import overdue_counts_by_point, today_local
from app.points.selectors import points_visible_to


@get(
    "/giam-sat",
    guards=[requires_role(Role.point_manager.value, Role.supervisor.value, Role.admin.value)],
)
async def supervisor_home(request: Request) -> Response:
    points = await points_visible_to(request.scope["user"])
    overdue = await overdue_counts_by_point(today_local())
    return Template(
        template_name="points/supervisor_home.html",
        context={"points": points, "overdue": overdue},
    )


ROUTES = [supervisor_home]
