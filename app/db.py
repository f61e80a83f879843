"""Database engines (SQLite file or PostgreSQL) and the write-transaction helper.

On SQLite, Piccolo's own engine opens a new connection (and a new thread) for every query
run outside a transaction and for every transaction, and runs a PRAGMA before every query in
a transaction: four to seven thread hops and a schema parse per query. `PooledSQLiteEngine`
keeps a few connections open instead (each served by its own aiosqlite thread) and runs
each query in one hop. Writers queue on a per-process lock before their IMMEDIATE
transaction, so a burst of writes waits its turn in order instead of busy-waiting on the
file lock (SQLite's busy handler is unfair: under load some writers starved past the busy
timeout and failed with "database is locked").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import threading
from collections import deque
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlparse

import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from piccolo.engine.base import Engine

    from app.settings import Settings


def postgres_config(dsn: str) -> dict:
    """asyncpg's connection settings from a URL; `?host=/var/run/postgresql` (libpq's way)
    names the folder of a local server's Unix socket, cheaper than TCP on the same machine."""
    url = urlparse(dsn)
    socket_dir = parse_qs(url.query).get("host", [""])[0]
    return {
        "host": socket_dir or url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or "") or None,
        "database": (url.path or "/postgres").lstrip("/"),
    }


class _ConnectionPool:
    """Open aiosqlite connections, lent one at a time; at most `size` exist at once.

    Usable from any event loop (a waiter is woken on its own loop); a connection that comes
    back still inside a transaction (a cancelled rollback) or broken is closed, not reused.
    """

    def __init__(self, engine: PooledSQLiteEngine, size: int) -> None:
        self.engine = engine
        self.size = size
        self.idle: list[aiosqlite.Connection] = []
        self.count = 0
        self.waiters: deque[asyncio.Future] = deque()

    async def acquire(self) -> aiosqlite.Connection:
        while True:
            if self.idle:
                return self.idle.pop()
            if self.count < self.size:
                self.count += 1
                try:
                    return await self.engine.open_connection()
                except BaseException:
                    self.count -= 1
                    self._wake()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self.waiters:
                    self.waiters.remove(waiter)
                elif not waiter.cancelled():
                    self._wake()  # woken but leaving: pass the turn on
                raise

    def release(self, connection: aiosqlite.Connection, *, broken: bool = False) -> None:
        usable = not broken and connection._connection is not None and connection._running
        if usable and not connection.in_transaction:
            self.idle.append(connection)
        else:
            self.count -= 1
            connection.stop()  # closes the sqlite3 connection on its own thread
        self._wake()

    async def close_idle(self) -> None:
        while self.idle:
            connection = self.idle.pop()
            self.count -= 1
            await connection.close()

    def _wake(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_set_if_pending, waiter)
                return


def _set_if_pending(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class PooledSQLiteTransaction(SQLiteTransaction):
    """Piccolo's transaction on a pooled connection, handed back (not closed) at the end."""

    async def get_connection(self):
        return await self.engine.pool.acquire()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        broken = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            broken = True
            raise
        finally:
            self.engine.pool.release(self.connection, broken=broken)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine on a small pool of open connections, one hop per query."""

    def __init__(self, path: str, pool_size: int = 4, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self.pool = _ConnectionPool(self, pool_size)
        self._write_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    async def open_connection(self) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A pooled connection outlives the code that used it: its thread must not keep the
        # process alive at exit (close_pool closes them cleanly where there is a shutdown).
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        for pragma in READER_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def close_pool(self) -> None:
        await self.pool.close_idle()

    def write_lock(self) -> asyncio.Lock:
        """The lock writers of this process queue on (one per event loop)."""
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            for old in [k for k in self._write_locks if k.is_closed()]:
                del self._write_locks[old]
            lock = self._write_locks[loop] = asyncio.Lock()
        return lock

    async def _run_in_new_connection(
        self, query: str, args=None, query_type: str = "generic", table=None
    ):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self.pool.acquire()
        broken = True
        try:
            rows = await connection.execute_fetchall(query, args or [])
            broken = False
        except sqlite3.Error:
            broken = False  # the statement failed, the connection is fine
            raise
        finally:
            self.pool.release(connection, broken=broken)
        return list(rows)

    async def _run_in_existing_connection(
        self, connection, query: str, args=None, query_type: str = "generic", table=None
    ):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        return list(await connection.execute_fetchall(query, args or []))

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


# ---------------------------------------------------------------------------
# Hand-written reads for the hot paths (the citizen's status page and its polling, the agent's
# dossier list, the signed-in user): Piccolo builds each query in 140-320 µs, more than the
# query itself takes; these are written once and run as they are.


def _timestamptz(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)  # as Piccolo reads it


SQLITE_TYPES = {"timestamptz": _timestamptz, "date": dt.date.fromisoformat, "bool": bool}


class Sql:
    """One read in PostgreSQL's `$1` parameter style; SQLite gets the same text with `?1`.

    `types` names the result columns SQLite returns as text or 0/1 (`timestamptz`, `date`,
    `bool`): on the event loop's connection only those are converted, in C where possible,
    instead of every column going through Piccolo's Python converters."""

    __slots__ = ("pg", "sqlite", "converters")

    def __init__(self, text: str, types: dict[str, str] | None = None) -> None:
        self.pg = text
        self.sqlite = re.sub(r"\$([0-9]+)", r"?\1", text)
        self.converters = {name: SQLITE_TYPES[kind] for name, kind in (types or {}).items()}


_SQL_KINDS = {"Timestamptz": "timestamptz", "Date": "date", "Boolean": "bool"}


def table_columns(table: Any, alias: str) -> tuple[str, dict[str, str]]:
    """Every column of a Piccolo table for a hand-written SELECT (`alias."name"`, in the
    table's order, named as Piccolo names them) and the `Sql` types they need: the same
    row `table.select()` gives, without building the query on every call."""
    parts, types = [], {}
    for column in table._meta.columns:
        name, db_name = column._meta.name, column._meta.db_column_name
        parts.append(f'{alias}."{db_name}"' + (f' AS "{name}"' if name != db_name else ""))
        kind = _SQL_KINDS.get(type(column).__name__)
        if kind:
            types[name] = kind
    return ", ".join(parts), types


class Row(dict):
    """A row: a dict whose keys are also its attributes.

    Templates read `row.name` through the app's Jinja environment, which looks a Row's keys
    up first (app.web.templating.LocalisedEnvironment.getattr): on a plain dict, Jinja first
    fails an attribute lookup (an AttributeError raised and caught) before indexing, 5x
    slower, and a list page reads hundreds. Python code may use `row.name` too (the slower
    `__getattr__`). No `__dict__`: an earlier version made the row its own `__dict__`, a
    reference cycle that left every row of every request to the cyclic garbage collector
    (long pauses under load); a Row is freed as soon as the page is rendered."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def default_engine() -> Engine:
    from app.piccolo_conf import DB

    return DB


def _rows(cursor: sqlite3.Cursor, converters: dict) -> list[dict]:
    try:
        names = [d[0] for d in cursor.description]
        rows = [Row(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()
    for name, convert in converters.items():
        for row in rows:
            value = row[name]
            if value is not None:
                row[name] = convert(value)
    return rows


# Reads map the file instead of copying each page through a read() call, and keep more of
# it cached: a list of 25 dossiers touches ~75 pages scattered over the file.
READER_PRAGMAS = ("PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -32768")


class _ReaderOnLoop(threading.local):
    conn: sqlite3.Connection | None = None
    path: str = ""


_reader = _ReaderOnLoop()


def _sqlite_reader(engine: SQLiteEngine) -> sqlite3.Connection:
    """A read-only connection used directly on the event loop's thread: an indexed read
    takes tens of microseconds, less than a hop to a worker thread and back (and no GIL
    hand-over). Busy is never waited for here (timeout 0): the caller falls back to the pool."""
    if _reader.conn is None or _reader.path != engine.path:
        conn = sqlite3.connect(engine.path, timeout=0, isolation_level=None)
        conn.execute("PRAGMA query_only = 1")
        for pragma in READER_PRAGMAS:
            conn.execute(pragma)
        _reader.conn, _reader.path = conn, engine.path
    return _reader.conn


async def fetch(sql: Sql, *args: Any, engine: Engine | None = None) -> list[dict]:
    """The rows of a hand-written read, as dicts, with the same Python types Piccolo gives.
    Inside a transaction the read runs on that transaction's connection."""
    engine = engine or default_engine()
    transaction = engine.current_transaction.get()
    if is_sqlite(engine):
        if transaction is not None:
            return [Row(r) for r in await transaction.connection.execute_fetchall(sql.sqlite, args)]
        try:
            return _rows(_sqlite_reader(engine).execute(sql.sqlite, args), sql.converters)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        return [Row(r) for r in await engine._run_in_new_connection(sql.sqlite, list(args))]
    if transaction is not None:
        rows = await transaction.connection.fetch(sql.pg, *args)
    elif engine.pool is not None:
        rows = await engine.pool.fetch(sql.pg, *args)
    else:
        connection = await engine.get_new_connection()
        try:
            rows = await connection.fetch(sql.pg, *args)
        finally:
            await connection.close()
    return [Row(row.items()) for row in rows]


async def fetch_one(sql: Sql, *args: Any, engine: Engine | None = None) -> dict | None:
    rows = await fetch(sql, *args, engine=engine)
    return rows[0] if rows else None


def like_operator(engine: Engine | None = None) -> str:
    """ILIKE on PostgreSQL; LIKE on SQLite (which folds case for ASCII only)."""
    return "LIKE" if is_sqlite(engine or default_engine()) else "ILIKE"


def like_pattern(text: str) -> str:
    """`%text%`, the wildcards `%` and `_` dropped from the text (see `icontains`)."""
    return "%" + text.replace("%", "").replace("_", "") + "%"


async def _keep_session(connection) -> None:
    """Pool connections go back as they are: asyncpg's default reset costs one more round
    trip per query (UNLISTEN, RESET ALL, advisory unlock...), and the app leaves no session
    state behind (its advisory locks are transaction-scoped, it never LISTENs or SETs a
    session variable). An open transaction is still rolled back by asyncpg before this."""


class AppPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine whose pool skips the per-release reset query."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        kwargs.setdefault("reset", _keep_session)
        await super().start_connection_pool(**kwargs)


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is persistent on the file
            conn.execute("PRAGMA journal_mode=WAL")
        return PooledSQLiteEngine(
            path=str(path),
            pool_size=settings.sqlite_pool_size,
            timeout=settings.sqlite_busy_timeout_seconds,
        )
    return AppPostgresEngine(config=postgres_config(settings.database_url))


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """One transaction for a write; IMMEDIATE on SQLite so writers queue instead of failing
    (behind this process's write lock first, when the engine has one)."""
    if is_sqlite(engine):
        lock = engine.write_lock() if isinstance(engine, PooledSQLiteEngine) else None
        if lock is None or engine.current_transaction.get() is not None:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
            return
        async with lock, engine.transaction(transaction_type=TransactionType.immediate):
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
    pattern = like_pattern(text)
    if column._meta.table._meta.db.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)
