"""Fixtures: an agent at a point, and a submitted dossier with its documents."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tracking.support import TOKEN, add_components


@pytest.fixture
async def point_agent():
    """An agent `daily.a` at a point of organisation A; returns (point id, agent id)."""
    org = await factories.organisation(name="Bưu điện Hà Nội")
    point_id = await factories.point(organisation_id=org, code="DL-BV-001")
    agent_id = await factories.user(role="agent", username="daily.a", point_id=point_id)
    return point_id, agent_id


@pytest.fixture
async def submitted(point_agent):
    """A dossier sent to the portal, with its documents, at the agent's point."""
    point_id, agent_id = point_agent
    procedure_id = await factories.procedure(name="Đăng ký khai sinh", days=3, fee=8000)
    dossier_id = await factories.dossier(
        agent_id=agent_id,
        procedure_id=procedure_id,
        status="submitted",
        portal_code="000.00.26.H26-251123-0001",
        token=TOKEN,
        phone="0912345678",
        full_name="Nguyễn Văn An",
    )
    await add_components(dossier_id)
    return dossier_id
