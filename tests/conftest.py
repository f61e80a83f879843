"""Test set-up: a fresh database per run (SQLite file, or a new PostgreSQL database when
TEST_DATABASE_URL names a server), migrated with the real migration files; every table
emptied before each test; an HTML-checking client for pages."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "")
if _ADMIN_URL.startswith("postgres"):
    _DB_NAME = f"dvc_test_{uuid.uuid4().hex[:10]}"
    _BASE, _, _ = _ADMIN_URL.rpartition("/")
    os.environ["DATABASE_URL"] = f"{_BASE}/{_DB_NAME}"
else:
    _DB_NAME = ""
    _TMP = Path(tempfile.mkdtemp(prefix="dvc-test-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"
os.environ.setdefault("APP_ENV", "test")
# Keys and documents the tests make stay out of the working copy's var/.
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="dvc-test-var-"))
os.environ.setdefault("SESSION_STORE", "database")
os.environ.pop("REDIS_URL", None)

from tests import factories  # noqa: E402,F401
from tests.html_client import PageClient  # noqa: E402

USING_POSTGRES = bool(_DB_NAME)

# Benchmarks measure speed and size; they run under `make bench`, not in the test suite.
collect_ignore = [] if os.environ.get("RUN_BENCHMARKS") == "1" else ["benchmarks"]


async def _admin_execute(sql: str) -> None:
    import asyncpg

    from app.db import postgres_config

    conn = await asyncpg.connect(**postgres_config(_ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
async def database():
    from app.__main__ import migrate

    if USING_POSTGRES:
        await _admin_execute(f'CREATE DATABASE "{_DB_NAME}"')
    assert await migrate() == 0
    yield
    if USING_POSTGRES:
        from app.piccolo_conf import DB

        if DB.pool is not None:
            await DB.close_connection_pool()
        await _admin_execute(f'DROP DATABASE IF EXISTS "{_DB_NAME}" WITH (FORCE)')


@pytest.fixture(autouse=True)
async def clean_tables(database):
    from app.piccolo_app import TABLES
    from app.piccolo_conf import DB

    names = [t._meta.tablename for t in reversed(TABLES)]
    if USING_POSTGRES:
        await DB.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for name in names:
            await DB.run_ddl(f"DELETE FROM {name}")
    yield


@pytest.fixture
def settings():
    from app.settings import get_settings

    return get_settings()


@pytest.fixture
def make_app(settings):
    from app.main import create_app

    def factory(**overrides):
        from dataclasses import replace

        return create_app(replace(settings, **overrides) if overrides else settings)

    return factory


@pytest.fixture
async def client(make_app):
    async with PageClient.for_app(make_app()) as c:
        yield c
