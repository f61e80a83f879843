"""GET /healthz does a database round trip."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.db import make_engine


async def test_health_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.filterwarnings("ignore:.*Unable to connect to database")
async def test_health_503_when_database_unreachable(client, settings):
    client.app.state.engine = make_engine(
        replace(settings, database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    )
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
