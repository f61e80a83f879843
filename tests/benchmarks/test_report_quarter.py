"""The quarterly report over 1,000,000 dossiers at 500 points, on PostgreSQL and on SQLite
(targets: 2 s and 5 s): the figures of every point, district and the total, the monthly
trend, the overdue list and the XLSX, as a supervisor downloads them.

Each engine gets its own database, generated in bulk by SQL (generate_series on PostgreSQL,
a recursive CTE on SQLite) after the real migrations, and kept for the next run under a
name derived from the migrations and this generator (var/bench/ and a `dvc_bench_report_*`
database); a stale one is dropped. Two years of dossiers (Oct 2024 – Sep 2026), so the
quarter measured (Q2 2026) has carried-over dossiers, dossiers resolved in the next quarter,
and the 30 Apr / 1 May holidays.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.reports.periods import Filters, Period
from app.web.sessions import CurrentUser
from tests.benchmarks.conftest import bench

ROOT = Path(__file__).resolve().parents[2]
DOSSIERS = 1_000_000
POINTS = 500
DISTRICTS = 30
PROCEDURES = 20
SPOT_CHECKS = 8_000
CONSULTATIONS = 200_000
GENERATOR_VERSION = "2"
BASE = dt.datetime(2024, 9, 30, 17, tzinfo=dt.UTC)  # 1 Oct 2024, 00:00 in Hanoi
SPAN_S = 730 * 86_400
QUARTER = Period.quarter(2026, 2)
NOW = dt.datetime(2026, 11, 23, 3, tzinfo=dt.UTC)
RUNS = 3
PG_ADMIN_URL = os.environ.get("PG_BENCH_URL", "postgresql://postgres@127.0.0.1:5432/test")


def schema_key() -> str:
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    for path in sorted((ROOT / "migrations").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _report_indexes():
    """The migration that adds the report's indexes: dropped before the bulk insert and made
    again after it (building an index once is much faster than keeping it up row by row)."""
    import importlib.util

    for path in sorted((ROOT / "migrations").glob("*.py")):
        if 'DESCRIPTION = "report indexes"' in path.read_text():
            spec = importlib.util.spec_from_file_location("report_indexes", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise LookupError("no migration adds the report indexes")


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
    )


# ---------------------------------------------------------------------------
# Generation: the same shapes on both engines.
# h: a multiplicative hash of the row number; r = h % 100 picks what happens to the dossier:
# < 75 resolved in 1–14 days and handed over the next day, < 80 resolved and waiting,
# < 85 withdrawn after 3 days, < 88 still open, else resolved late (15–44 days), mostly
# handed over. Channels: 60% at an agent point, 20% online by the citizen, 20% by post.

PG_SETUP = f"""
INSERT INTO organisation (id, name, kind, tax_code)
  SELECT g, 'Tổ chức ' || g, 'postal', 'B' || g FROM generate_series(1, 5) g;
INSERT INTO agent_point (id, code, name, organisation, district, phase, status)
  SELECT g, 'DL-B-' || lpad(g::text, 4, '0'), 'Điểm ' || g, 1 + (g - 1) / 100,
    'Huyện ' || lpad(((g - 1) % {DISTRICTS} + 1)::text, 2, '0'),
    CASE WHEN g <= 30 THEN 1 ELSE 2 END, 'active'
  FROM generate_series(1, {POINTS}) g;
INSERT INTO staff_user (id, username, full_name, password_hash, role, point)
  SELECT g, 'b.agent' || g, 'Nhân viên ' || g, 'x', 'agent', g FROM generate_series(1, {POINTS}) g;
INSERT INTO staff_user (id, username, full_name, password_hash, role)
  VALUES ({POINTS + 1}, 'b.supervisor', 'Giám sát', 'x', 'supervisor');
INSERT INTO procedure (id, code, name, processing_days)
  SELECT g, 'B.' || g, 'Thủ tục ' || g, 5 FROM generate_series(1, {PROCEDURES}) g;
INSERT INTO applicant (id, full_name, date_of_birth) VALUES (1, 'Người nộp', '1990-01-01');
INSERT INTO checklist_template (id, name, version, is_active) VALUES (1, 'Bảng kiểm', 1, true);
INSERT INTO dossier (reference, point, agent, procedure, applicant, channel, status, portal_code,
    status_token, received_at, due_date, resolved_at, finished_at, created_at, updated_at)
SELECT 'B' || g, p, p, proc, 1, ch,
  CASE WHEN fin IS NOT NULL AND res IS NOT NULL THEN 'result_returned'
       WHEN res IS NOT NULL THEN 'resolved' WHEN fin IS NOT NULL THEN 'withdrawn'
       ELSE 'processing' END,
  'P' || g, 't' || g, rec, (rec AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 7, res, fin, rec, rec
FROM (
  SELECT g, p, proc, ch, rec,
    CASE WHEN r < 80 THEN rec + make_interval(days => d1, hours => hr)
         WHEN r >= 88 THEN rec + make_interval(days => d2, hours => hr) END AS res,
    CASE WHEN r < 75 THEN rec + make_interval(days => d1 + 1, hours => hr)
         WHEN r >= 80 AND r < 85 THEN rec + make_interval(days => 3)
         WHEN r >= 88 AND r < 95 THEN rec + make_interval(days => d2 + 1, hours => hr) END AS fin
  FROM (
    SELECT g, 1 + g % {POINTS} AS p, 1 + (h / 3) % {PROCEDURES} AS proc, h % 100 AS r,
      CASE WHEN (h / 7) % 10 < 6 THEN 'agent_point' WHEN (h / 7) % 10 < 8 THEN 'online'
           ELSE 'postal' END AS ch,
      1 + ((h / 100) % 14)::int AS d1, 15 + ((h / 1400) % 30)::int AS d2,
      ((h / 13) % 8)::int AS hr,
      timestamptz '{BASE.isoformat()}'
        + make_interval(secs => (g - 1)::bigint * {SPAN_S} / {DOSSIERS}) AS rec
    FROM (SELECT g, (g::bigint * 2654435761) % 4294967296 AS h
          FROM generate_series(1, {DOSSIERS}) g) s
  ) t
) u;
INSERT INTO satisfaction_rating (dossier, point, agent, level, created_at)
  SELECT id, point, agent,
    CASE WHEN id % 10 = 0 THEN 'dissatisfied' WHEN id % 10 < 5 THEN 'satisfied'
         ELSE 'very_satisfied' END,
    resolved_at + interval '1 day'
  FROM dossier WHERE resolved_at IS NOT NULL AND id % 3 = 0;
INSERT INTO spot_check (point, template, supervisor, status, started_at, completed_at, score)
  SELECT 1 + g % {POINTS}, 1, {POINTS + 1}, 'completed',
    timestamptz '{BASE.isoformat()}' + make_interval(secs => g::bigint * {SPAN_S} / {SPOT_CHECKS}),
    timestamptz '{BASE.isoformat()}'
      + make_interval(secs => g::bigint * {SPAN_S} / {SPOT_CHECKS} + 3600),
    50 + g % 51
  FROM generate_series(1, {SPOT_CHECKS}) g;
INSERT INTO consultation (point, agent, topic, outcome, at)
  SELECT 1 + g % {POINTS}, 1 + g % {POINTS}, 'Hỏi thủ tục', 'resolved',
    timestamptz '{BASE.isoformat()}' + make_interval(secs => g::bigint * {SPAN_S} / {CONSULTATIONS})
  FROM generate_series(1, {CONSULTATIONS}) g;
SELECT setval(pg_get_serial_sequence('staff_user', 'id'), {POINTS + 1});
"""

_BASE_EPOCH = int(BASE.timestamp())


def _sqlite_ts(seconds_sql: str) -> str:
    """Piccolo's text form of a UTC timestamp, `seconds_sql` seconds after BASE."""
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', {_BASE_EPOCH} + ({seconds_sql}), 'unixepoch') || '+00:00'"
    )


SQLITE_SETUP = f"""
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {POINTS})
INSERT INTO organisation (id, name, kind, tax_code)
  SELECT g, 'Tổ chức ' || g, 'postal', 'B' || g FROM n WHERE g <= 5;
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {POINTS})
INSERT INTO agent_point (id, code, name, organisation, district, phase, status)
  SELECT g, 'DL-B-' || substr('000' || g, -4), 'Điểm ' || g, 1 + (g - 1) / 100,
    'Huyện ' || substr('0' || ((g - 1) % {DISTRICTS} + 1), -2),
    CASE WHEN g <= 30 THEN 1 ELSE 2 END, 'active'
  FROM n;
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {POINTS})
INSERT INTO staff_user (id, username, full_name, password_hash, role, point)
  SELECT g, 'b.agent' || g, 'Nhân viên ' || g, 'x', 'agent', g FROM n;
INSERT INTO staff_user (id, username, full_name, password_hash, role)
  VALUES ({POINTS + 1}, 'b.supervisor', 'Giám sát', 'x', 'supervisor');
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {PROCEDURES})
INSERT INTO procedure (id, code, name, processing_days)
  SELECT g, 'B.' || g, 'Thủ tục ' || g, 5 FROM n;
INSERT INTO applicant (id, full_name, date_of_birth) VALUES (1, 'Người nộp', '1990-01-01');
INSERT INTO checklist_template (id, name, version, is_active) VALUES (1, 'Bảng kiểm', 1, 1);
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {DOSSIERS})
INSERT INTO dossier (reference, point, agent, procedure, applicant, channel, status, portal_code,
    status_token, received_at, due_date, resolved_at, finished_at, created_at, updated_at)
SELECT 'B' || g, p, p, proc, 1, ch,
  CASE WHEN fin IS NOT NULL AND res IS NOT NULL THEN 'result_returned'
       WHEN res IS NOT NULL THEN 'resolved' WHEN fin IS NOT NULL THEN 'withdrawn'
       ELSE 'processing' END,
  'P' || g, 't' || g, {_sqlite_ts("s")},
  date({_BASE_EPOCH} + s, 'unixepoch', '+7 hours', '+7 days'),
  CASE WHEN res IS NOT NULL THEN {_sqlite_ts("res")} END,
  CASE WHEN fin IS NOT NULL THEN {_sqlite_ts("fin")} END,
  {_sqlite_ts("s")}, {_sqlite_ts("s")}
FROM (
  SELECT g, p, proc, ch, s,
    CASE WHEN r < 80 THEN s + d1 * 86400 + hr * 3600
         WHEN r >= 88 THEN s + d2 * 86400 + hr * 3600 END AS res,
    CASE WHEN r < 75 THEN s + (d1 + 1) * 86400 + hr * 3600
         WHEN r >= 80 AND r < 85 THEN s + 3 * 86400
         WHEN r >= 88 AND r < 95 THEN s + (d2 + 1) * 86400 + hr * 3600 END AS fin
  FROM (
    SELECT g, 1 + g % {POINTS} AS p, 1 + (h / 3) % {PROCEDURES} AS proc, h % 100 AS r,
      CASE WHEN (h / 7) % 10 < 6 THEN 'agent_point' WHEN (h / 7) % 10 < 8 THEN 'online'
           ELSE 'postal' END AS ch,
      1 + (h / 100) % 14 AS d1, 15 + (h / 1400) % 30 AS d2, (h / 13) % 8 AS hr,
      (g - 1) * {SPAN_S} / {DOSSIERS} AS s
    FROM (SELECT g, (g * 2654435761) % 4294967296 AS h FROM n)
  )
);
INSERT INTO satisfaction_rating (dossier, point, agent, level, created_at)
  SELECT id, point, agent,
    CASE WHEN id % 10 = 0 THEN 'dissatisfied' WHEN id % 10 < 5 THEN 'satisfied'
         ELSE 'very_satisfied' END,
    strftime('%Y-%m-%d %H:%M:%S', substr(resolved_at, 1, 19), '+1 day') || '+00:00'
  FROM dossier WHERE resolved_at IS NOT NULL AND id % 3 = 0;
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {SPOT_CHECKS})
INSERT INTO spot_check (point, template, supervisor, status, started_at, completed_at, score)
  SELECT 1 + g % {POINTS}, 1, {POINTS + 1}, 'completed',
    {_sqlite_ts(f"g * {SPAN_S} / {SPOT_CHECKS}")},
    {_sqlite_ts(f"g * {SPAN_S} / {SPOT_CHECKS} + 3600")}, 50 + g % 51
  FROM n;
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {CONSULTATIONS})
INSERT INTO consultation (point, agent, topic, outcome, at)
  SELECT 1 + g % {POINTS}, 1 + g % {POINTS}, 'Hỏi thủ tục', 'resolved',
    {_sqlite_ts(f"g * {SPAN_S} / {CONSULTATIONS}")}
  FROM n;
"""


def _holiday_rows() -> list[tuple]:
    from app.workdays.seed import HOLIDAYS

    return [(h.day.isoformat(), h.name, h.is_compensatory, h.is_working_weekend) for h in HOLIDAYS]


def sqlite_database() -> tuple[Path, float]:
    """The cached SQLite file (made when missing); the seconds spent making it."""
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{schema_key()}.sqlite3"
    for old in folder.glob("report-*.sqlite3*"):
        if not old.name.startswith(path.name):
            old.unlink()
    if path.exists():
        return path, 0.0
    started = time.perf_counter()
    building = path.with_suffix(".building")
    for leftover in folder.glob(building.name + "*"):
        leftover.unlink()
    _migrate(f"sqlite:///{building}")
    indexes = _report_indexes()
    conn = sqlite3.connect(building)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB while building
        for index in indexes.NAMES:
            conn.execute(f"DROP INDEX {index}")
        conn.executescript("BEGIN;" + SQLITE_SETUP + "COMMIT;")
        for statement in indexes.SQLITE:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO holiday (day, name, is_compensatory, is_working_weekend)"
            " VALUES (?, ?, ?, ?)",
            _holiday_rows(),
        )
        conn.commit()
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    building.rename(path)
    return path, time.perf_counter() - started


async def postgres_database() -> tuple[str, float]:
    """The cached PostgreSQL database's URL (made when missing); the seconds spent."""
    import asyncpg

    from app.db import postgres_config

    name = f"dvc_bench_report_{schema_key()}"
    base = PG_ADMIN_URL.rpartition("/")[0]
    admin = await asyncpg.connect(**postgres_config(PG_ADMIN_URL))
    try:
        databases = [
            r["datname"]
            for r in await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'dvc_bench_report_%'"
            )
        ]
        for old in databases:
            if old != name:
                await admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        if name in databases:
            return f"{base}/{name}", 0.0
        started = time.perf_counter()
        building = f"{name}_building"
        await admin.execute(f'CREATE DATABASE "{building}"')
        _migrate(f"{base}/{building}")
        indexes = _report_indexes()
        conn = await asyncpg.connect(**postgres_config(f"{base}/{building}"))
        try:
            await conn.execute("SET maintenance_work_mem = '256MB'")
            for index in indexes.NAMES:
                await conn.execute(f"DROP INDEX {index}")
            await conn.execute(PG_SETUP)
            for statement in indexes.POSTGRES:
                await conn.execute(statement)
            await conn.executemany(
                "INSERT INTO holiday (day, name, is_compensatory, is_working_weekend)"
                " VALUES ($1::text::date, $2, $3, $4)",
                _holiday_rows(),
            )
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        return f"{base}/{name}", time.perf_counter() - started
    finally:
        await admin.close()


# ---------------------------------------------------------------------------
# Measuring


@contextmanager
def tables_on(engine):
    """Every table reads from `engine` (the benchmark's database) for the block."""
    from app.piccolo_app import TABLES

    saved = [(table, table._meta.db) for table in TABLES]
    for table, _ in saved:
        table._meta.db = engine
    try:
        yield
    finally:
        for table, db in saved:
            table._meta.db = db


async def measure(engine) -> tuple[float, float, object, bytes]:
    """Medians of RUNS: seconds for the figures and the XLSX, and of those the XLSX's."""
    from app.reports.selectors import points_in_scope, report_build
    from app.reports.xlsx import report_workbook

    supervisor = CurrentUser(POINTS + 1, "b.supervisor", "Giám sát", "supervisor", None, None)
    timings, xlsx = [], []
    with tables_on(engine):
        for _ in range(RUNS):
            started = time.perf_counter()
            visible = await points_in_scope(supervisor)
            report = await report_build(Filters(period=QUARTER), visible, every_point=True, now=NOW)
            counted = time.perf_counter()
            data = report_workbook(report, locale="vi", author="Giám sát")
            timings.append(time.perf_counter() - started)
            xlsx.append(time.perf_counter() - counted)
    print(f"\n  runs: {', '.join(f'{t:.2f}' for t in timings)} s", flush=True)
    return statistics.median(timings), statistics.median(xlsx), report, data


def check_figures(report) -> None:
    total = report.total
    assert len(report.points) == POINTS and len(report.districts) == DISTRICTS
    assert 120_000 < total.received < 130_000  # a quarter of two years
    assert total.carried_over > 0 and total.resolved_late > 0 and total.in_progress_overdue > 0
    assert total.carried_over + total.received == total.resolved + total.in_progress + total.closed
    assert 0.75 < total.online_share < 0.85
    assert 0 < total.average_working_days < 30
    assert total.ratings > 0 and total.checks > 0 and total.consultations > 0


async def test_report_quarter_sqlite():
    from piccolo.engine.sqlite import SQLiteEngine

    path, made = await asyncio.to_thread(sqlite_database)
    if made:
        bench("report.quarter_sqlite_generate_s", made, "s")
    seconds, xlsx, report, data = await measure(SQLiteEngine(path=str(path)))
    check_figures(report)
    assert data[:2] == b"PK"
    bench("report.quarter_sqlite_s", seconds, "s")
    bench("report.quarter_sqlite_xlsx_part_s", xlsx, "s")


async def test_report_quarter_postgres():
    import asyncpg

    from app.db import postgres_config

    try:
        probe = await asyncio.wait_for(asyncpg.connect(**postgres_config(PG_ADMIN_URL)), 5)
        await probe.close()
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not there
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} does not answer: {exc}")
    from piccolo.engine.postgres import PostgresEngine

    url, made = await postgres_database()
    if made:
        bench("report.quarter_pg_generate_s", made, "s")
    engine = PostgresEngine(config=postgres_config(url))
    await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        seconds, xlsx, report, data = await measure(engine)
    finally:
        await engine.close_connection_pool()
    check_figures(report)
    assert data[:2] == b"PK"
    bench("report.quarter_pg_s", seconds, "s")
    bench("report.quarter_pg_xlsx_part_s", xlsx, "s")
