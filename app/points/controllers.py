"""Home pages of agents (their point) and of the Centre's staff (the points they oversee)."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.points.selectors import point_for, points_visible_to


@get("/dai-ly", guards=[requires_role(Role.agent.value)])
async def agent_home(request: Request) -> Response:
    user = request.scope["user"]
    point = await point_for(user, user.point_id)
    return Template(template_name="points/agent_home.html", context={"point": point})


@get(
    "/giam-sat",
    guards=[requires_role(Role.point_manager.value, Role.supervisor.value, Role.admin.value)],
)
async def supervisor_home(request: Request) -> Response:
    points = await points_visible_to(request.scope["user"])
    return Template(template_name="points/supervisor_home.html", context={"points": points})


ROUTES = [agent_home, supervisor_home]
