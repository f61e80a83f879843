"""The demo data shows the feature: valid tax codes, points across the lifecycle with
coordinates and hours, and a training session that trained one demo agent and not another."""

from __future__ import annotations

from app.accounts.tables import User
from app.demo import demo_load
from app.points.tables import AgentPoint, Organisation, PointEvent
from app.points.validation import is_valid_tax_code
from app.territory.seed import territory_seed
from app.training.selectors import is_trained


async def test_demo_points_organisations_and_training():
    await territory_seed()
    assert await demo_load()
    assert all(is_valid_tax_code(o["tax_code"]) for o in await Organisation.select())
    points = await AgentPoint.select()
    assert {p["status"] for p in points} == {
        "proposed",
        "under_review",
        "approved",
        "active",
        "suspended",
        "closed",
    }
    assert len({p["district_code"] for p in points}) >= 5
    for point in points:
        assert point["latitude"] and point["longitude"] and point["opening_hours"]
        last = (
            await PointEvent.select(PointEvent.to_status)
            .where(PointEvent.point == point["id"])
            .order_by(PointEvent.id, ascending=False)
            .first()
        )
        assert last["to_status"] == point["status"]
    users = {u["username"]: u["id"] for u in await User.select(User.username, User.id)}
    assert await is_trained(users["daily.bavi"])
    assert not await is_trained(users["daily.dongan"])
