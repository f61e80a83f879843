"""Database engines (SQLite file or PostgreSQL) and the write-transaction helper."""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from piccolo.engine.base import Engine

    from app.settings import Settings


def postgres_config(dsn: str) -> dict:
    url = urlparse(dsn)
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or "") or None,
        "database": (url.path or "/postgres").lstrip("/"),
    }


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is persistent on the file
            conn.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(path), timeout=settings.sqlite_busy_timeout_seconds)
    return PostgresEngine(config=postgres_config(settings.database_url))


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """One transaction for a write; IMMEDIATE on SQLite so writers queue instead of failing."""
    if is_sqlite(engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def ping(engine: Engine) -> None:
    await engine.run_ddl("SELECT 1")


def icontains(column, text: str):
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE on SQLite (which folds
    case for ASCII only). The wildcards `%` and `_` are dropped from the text: SQLite's LIKE
    has no default escape character, and nobody searches for them."""
    pattern = "%" + text.replace("%", "").replace("_", "") + "%"
    if column._meta.table._meta.db.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)
