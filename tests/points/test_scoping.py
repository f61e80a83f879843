"""The one scoping helper: agents see their point, managers their organisation, the Centre all."""

from __future__ import annotations

import pytest
from litestar.exceptions import PermissionDeniedException

from app.accounts.selectors import current_user_by_id
from app.errors import NotFoundError
from app.points.selectors import point_for, points_visible_to
from tests import factories


async def test_each_role_sees_the_points_it_should():
    org_a = await factories.organisation()
    org_b = await factories.organisation()
    a1 = await factories.point(organisation_id=org_a)
    a2 = await factories.point(organisation_id=org_a)
    b1 = await factories.point(organisation_id=org_b)
    agent = await current_user_by_id(await factories.user(role="agent", point_id=a1))
    manager = await current_user_by_id(
        await factories.user(role="point_manager", organisation_id=org_a)
    )
    supervisor = await current_user_by_id(await factories.user(role="supervisor"))

    assert [p["id"] for p in await points_visible_to(agent)] == [a1]
    assert {p["id"] for p in await points_visible_to(manager)} == {a1, a2}
    assert {p["id"] for p in await points_visible_to(supervisor)} == {a1, a2, b1}

    with pytest.raises(NotFoundError):
        await point_for(agent, b1)
    with pytest.raises(NotFoundError):
        await point_for(manager, b1)
    assert (await point_for(supervisor, b1))["id"] == b1


async def test_a_user_without_a_scope_sees_nothing():
    from app.web.sessions import CurrentUser

    stray = CurrentUser(1, "x", "X", "agent", None, None)
    with pytest.raises(PermissionDeniedException):
        await points_visible_to(stray)


async def test_point_manager_page_lists_only_their_organisation(client):
    org_a = await factories.organisation(name="Bưu điện A")
    org_b = await factories.organisation(name="Công ty B")
    await factories.point(organisation_id=org_a, code="DL-A-1")
    await factories.point(organisation_id=org_b, code="DL-B-1")
    await factories.user(role="point_manager", username="ql.a", organisation_id=org_a)
    await client.login("ql.a")
    page = await client.page("/giam-sat")
    assert "DL-A-1" in page.text and "DL-B-1" not in page.text
    assert "1 điểm" in page.text
