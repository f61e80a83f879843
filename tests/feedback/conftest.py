"""Fixtures: a dossier taken in by agent `daily.fb` at point A, with its status token, in a
state the test chooses."""

from __future__ import annotations

import itertools

import pytest

from tests import factories

TOKEN = "tok_" + "Fb1Fb2Fb3Fb4Fb5Fb6Fb7Fb8Fb9"
_codes = itertools.count(1)


@pytest.fixture
async def world():
    org = await factories.organisation(name="Bưu điện Đánh giá")
    point_id = await factories.point(organisation_id=org, code="DL-FB-001")
    agent_id = await factories.user(role="agent", username="daily.fb", point_id=point_id)
    manager_id = await factories.user(
        role="point_manager", username="quanly.fb", organisation_id=org
    )
    return {"org": org, "point": point_id, "agent": agent_id, "manager": manager_id}


@pytest.fixture
def make_dossier(world):
    async def make(status: str = "result_returned", token: str = TOKEN) -> int:
        return await factories.dossier(
            agent_id=world["agent"],
            status=status,
            portal_code=f"000.00.26.H26-251123-{next(_codes):04d}",
            token=token,
        )

    return make
