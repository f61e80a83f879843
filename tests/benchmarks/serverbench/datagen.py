"""A realistic database for the server benchmarks, made fast and kept between runs.

100,000 dossiers (with their applicants) over 500 agent points, about 8 timeline events each,
a postal delivery for those returned by post, one agent per point. The real migrations and
reference data (catalogue, territory, holidays) come first, through `python -m app`; the
bulk rows then go in with plain SQL (SQLite `executemany`, PostgreSQL `COPY`).

The result is cached, keyed by a hash of the migration files and of this file: a SQLite file
under `var/bench/`, a PostgreSQL database `bench_<hash>` on the server. A stale cache (other
hash) is dropped. Every run then only refreshes what depends on the date: the 25 dossiers
each benchmark agent's list shows as "received today".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[3]
CACHE_DIR = ROOT / "var" / "bench"
PASSWORD = "matkhau-bench-2025"  # noqa: S105 - benchmark accounts on a throw-away database
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DOSSIERS = int(os.environ.get("BENCH_DOSSIERS", "100000"))
POINTS = 500
ORGANISATIONS = 50
LIST_POINTS = 20  # points whose agent's list the benchmark reads (25 rows each)
LIST_ROWS = 25
SEED = 20251123


@dataclass(frozen=True)
class BenchData:
    database_url: str
    tokens: list[str]  # status tokens of dossiers with a full timeline
    list_agents: list[str]  # usernames whose "today" list has 25 rows
    agents: list[str]  # one agent per point (daily.0001 …)
    password: str = PASSWORD


def schema_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(str(DOSSIERS).encode())
    return digest.hexdigest()[:12]


def _app(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def _app_env(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"}
    for name in ("TEST_DATABASE_URL", "REDIS_URL", "SESSION_STORE"):
        env.pop(name, None)
    env["VAR_DIR"] = str(CACHE_DIR / "var")
    return env


# ---------------------------------------------------------------------------
# Rows


def _ts(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


# A dossier's life, step by step: (to_status, actor_kind, typical hours after the previous).
HAPPY = [
    ("ready", "user", 0.3),
    ("submitted", "user", 0.5),
    ("received", "portal", 20),
    ("processing", "portal", 24),
]
SUPPLEMENT = [("supplement_requested", "portal", 30), ("processing", "portal", 70)]
RESOLVED = [("resolved", "portal", 60)]
PICKUP_END = [("result_returned", "portal", 48)]
POST_END = [("result_dispatched", "postal", 20), ("result_delivered", "postal", 30)]
REASONS = {
    "supplement_requested": "Bổ sung bản sao giấy khai sinh có chứng thực",
}
FIRST = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Thanh", "Hữu", "Ngọc", "Bảo"]
LAST = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương"]
DISTRICTS = ["Ba Vì", "Đông Anh", "Sóc Sơn", "Mê Linh", "Thạch Thất", "Quốc Oai", "Chương Mỹ"]


def _token(rnd: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rnd.choice(alphabet) for _ in range(32))


def _life(rnd: random.Random, post: bool) -> list[tuple[str, str, float]]:
    """The steps one dossier went through; most are finished, some are still open."""
    steps = list(HAPPY)
    if rnd.random() < 0.4:
        steps += SUPPLEMENT
    steps += RESOLVED + (POST_END if post else PICKUP_END)
    if rnd.random() < 0.15:  # still open: cut somewhere after submission
        steps = steps[: rnd.randint(2, len(steps) - 1)]
    return steps


def build_rows(now: dt.datetime, procedures: list[tuple[int, int]], password_hash: str):
    """Every bulk row, as tuples in the column order of COLUMNS."""
    rnd = random.Random(SEED)
    organisations, points, users = [], [], []
    for o in range(1, ORGANISATIONS + 1):
        organisations.append(
            (o, f"Tổ chức thử {o}", "postal", f"09{o:08d}", "", _ts(now - dt.timedelta(days=800)))
        )
    for p in range(1, POINTS + 1):
        district = DISTRICTS[p % len(DISTRICTS)]
        points.append(
            (
                p,
                f"DL-B-{p:04d}",
                f"Điểm đại lý thử {p}",
                (p - 1) % ORGANISATIONS + 1,
                district,
                "Xã Thử",
                f"Số {p} đường Làng",
                1,
                "active",
                True,
                _ts(now - dt.timedelta(days=700)),
            )
        )
        users.append(
            (
                p,
                f"daily.{p:04d}",
                f"Nhân viên {p}",
                password_hash,
                "agent",
                p,
                (p - 1) % ORGANISATIONS + 1,
                True,
                _ts(now - dt.timedelta(days=700)),
            )
        )
    applicants, dossiers, events, deliveries = [], [], [], []
    today_vn = now.astimezone(VN_TZ).date()
    event_id = 0
    per_point_seq: dict[tuple[int, str], int] = {}
    for d in range(1, DOSSIERS + 1):
        point = (d - 1) % POINTS + 1
        # The list points get their 25 "today" dossiers at run time (refresh_today).
        created = now - dt.timedelta(days=rnd.uniform(1, 365))
        procedure_id, days = procedures[rnd.randrange(len(procedures))]
        post = rnd.random() < 0.2
        name = f"{rnd.choice(FIRST)} {rnd.choice(MIDDLE)} {rnd.choice(LAST)}"
        phone = f"09{rnd.randrange(10**8):08d}"
        applicants.append(
            (
                d,
                name,
                f"001{rnd.randrange(10**9):09d}",
                "",
                dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(20000)),
                rnd.choice(("male", "female")),
                phone,
                "",
                "",
                "",
                f"Thôn {rnd.randrange(1, 20)}, {DISTRICTS[point % len(DISTRICTS)]}, Hà Nội",
                None,
                _ts(created),
            )
        )
        steps = _life(rnd, post)
        at = created
        status = "draft"
        event_id += 1
        events.append((event_id, d, _ts(at), "", "draft", "user", point, "", "{}"))
        submitted_at = received_at = resolved_at = finished_at = None
        due = None
        supplement_note = ""
        for to_status, actor, hours in steps:
            at = at + dt.timedelta(hours=hours * rnd.uniform(0.5, 1.5))
            event_id += 1
            reason = REASONS.get(to_status, "")
            events.append(
                (
                    event_id,
                    d,
                    _ts(at),
                    status,
                    to_status,
                    actor,
                    point if actor == "user" else None,
                    reason,
                    "{}",
                )
            )
            status = to_status
            if to_status == "submitted":
                submitted_at = at
            elif to_status == "received":
                received_at = at
                due = at.astimezone(VN_TZ).date() + dt.timedelta(days=days + 2)
            elif to_status == "resolved":
                resolved_at = at
            elif to_status == "supplement_requested":
                supplement_note = reason
        if status in ("result_returned", "result_delivered"):
            finished_at = at
        key = (point, f"{created.astimezone(VN_TZ).date():%y%m%d}")
        per_point_seq[key] = per_point_seq.get(key, 0) + 1
        reference = f"DL-B-{point:04d}-{key[1]}-{per_point_seq[key]:04d}"
        portal_code = f"H26.{d:08d}" if submitted_at else None
        dossiers.append(
            (
                d,
                reference,
                point,
                point,  # the point's agent has the same id
                procedure_id,
                d,
                "agent_point",
                status,
                len(steps) + 1,
                portal_code,
                "connector" if submitted_at else "",
                0,
                0,
                "post" if post else "pickup",
                1,
                "",
                _token(rnd),
                "2025-01",
                _ts(created),
                point,
                _ts(submitted_at) if submitted_at else None,
                _ts(received_at) if received_at else None,
                due,
                _ts(resolved_at) if resolved_at else None,
                _ts(finished_at) if finished_at else None,
                supplement_note,
                _ts(created),
                _ts(at),
            )
        )
        if post and status in ("result_dispatched", "result_delivered"):
            deliveries.append(
                (
                    len(deliveries) + 1,
                    d,
                    name,
                    phone,
                    "Số 1 đường Thử",
                    "",
                    "",
                    "",
                    f"EB{d:09d}VN",
                    "delivered" if status == "result_delivered" else "dispatched",
                    _ts(resolved_at),
                    _ts(at),
                )
            )
    del today_vn
    return {
        "organisation": organisations,
        "agent_point": points,
        "staff_user": users,
        "applicant": applicants,
        "dossier": dossiers,
        "dossier_event": events,
        "postal_delivery": deliveries,
    }


COLUMNS = {
    "organisation": ("id", "name", "kind", "tax_code", "contact_phone", "created_at"),
    "agent_point": (
        "id",
        "code",
        "name",
        "organisation",
        "district",
        "commune",
        "address",
        "phase",
        "status",
        "is_outer_district",
        "created_at",
    ),
    "staff_user": (
        "id",
        "username",
        "full_name",
        "password_hash",
        "role",
        "point",
        "organisation",
        "is_active",
        "created_at",
    ),
    "applicant": (
        "id",
        "full_name",
        "id_number",
        "old_id_number",
        "date_of_birth",
        "sex",
        "phone",
        "email",
        "district_code",
        "commune_code",
        "address",
        "id_issue_date",
        "created_at",
    ),
    "dossier": (
        "id",
        "reference",
        "point",
        "agent",
        "procedure",
        "applicant",
        "channel",
        "status",
        "version",
        "portal_code",
        "submission_mode",
        "portal_seq",
        "postal_seq",
        "result_delivery",
        "sets_count",
        "notes",
        "status_token",
        "consent_version",
        "consent_at",
        "consent_by",
        "submitted_at",
        "received_at",
        "due_date",
        "resolved_at",
        "finished_at",
        "supplement_note",
        "created_at",
        "updated_at",
    ),
    "dossier_event": (
        "id",
        "dossier",
        "at",
        "from_status",
        "to_status",
        "actor_kind",
        "actor",
        "reason",
        "details",
    ),
    "postal_delivery": (
        "id",
        "dossier",
        "recipient_name",
        "phone",
        "address",
        "district_code",
        "commune_code",
        "fee_note",
        "waybill_code",
        "status",
        "registered_at",
        "updated_at",
    ),
}


def _password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


# ---------------------------------------------------------------------------
# SQLite


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC))  # as Piccolo writes Timestamptz
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_fill(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    procedures = conn.execute(
        "SELECT id, processing_days FROM procedure WHERE agent_allowed AND NOT is_retired"
    ).fetchall()
    rows = build_rows(dt.datetime.now(dt.UTC), procedures, _password_hash())
    with conn:
        for table, values in rows.items():
            columns = COLUMNS[table]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            conn.executemany(sql, ([_sqlite_value(v) for v in row] for row in values))
        conn.execute(
            "INSERT INTO key_value (key, value, expires_at) VALUES ('bench:datagen', ?, NULL)",
            (schema_hash().encode(),),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _sqlite_ready(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            row = conn.execute("SELECT value FROM key_value WHERE key = 'bench:datagen'").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and bytes(row[0]).decode() == schema_hash()


def sqlite_database() -> str:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    name = f"server-{schema_hash()}.sqlite3"
    path = CACHE_DIR / name
    for old in CACHE_DIR.glob("server-*.sqlite3*"):
        if not old.name.startswith(name):
            old.unlink()
    url = f"sqlite:///{path}"
    if not _sqlite_ready(path):
        for leftover in CACHE_DIR.glob(f"{name}*"):
            leftover.unlink()
        started = time.monotonic()
        env = _app_env(url)
        _app(env, "migrate")
        _app(env, "seed-reference")
        _sqlite_fill(path)
        print(f"\n[bench] generated {path.name} in {time.monotonic() - started:.0f} s", flush=True)
    return url


# ---------------------------------------------------------------------------
# PostgreSQL


async def _pg_connect(url: str):
    import asyncpg

    from app.db import postgres_config

    return await asyncpg.connect(**postgres_config(url))


async def _pg_fill(url: str) -> None:
    conn = await _pg_connect(url)
    try:
        procedures = [
            (r["id"], r["processing_days"])
            for r in await conn.fetch(
                "SELECT id, processing_days FROM procedure WHERE agent_allowed AND NOT is_retired"
            )
        ]
        rows = build_rows(dt.datetime.now(dt.UTC), procedures, _password_hash())
        async with conn.transaction():
            for table, values in rows.items():
                await conn.copy_records_to_table(table, records=values, columns=COLUMNS[table])
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            await conn.execute(
                "INSERT INTO key_value (key, value, expires_at) VALUES ('bench:datagen', $1, NULL)",
                schema_hash().encode(),
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _pg_databases(admin_url: str) -> list[str]:
    conn = await _pg_connect(admin_url)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'bench_%'")
        return [r["datname"] for r in rows]
    finally:
        await conn.close()


async def _pg_admin(admin_url: str, sql: str) -> None:
    conn = await _pg_connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_ready(url: str) -> bool:
    """Whether the cached database exists and was filled completely (else it is made again)."""
    import asyncpg

    try:
        conn = await _pg_connect(url)
    except (OSError, asyncpg.PostgresError):  # no such database (yet)
        return False
    try:
        row = await conn.fetchrow("SELECT value FROM key_value WHERE key = 'bench:datagen'")
    except asyncpg.PostgresError:  # its schema never got there
        return False
    finally:
        await conn.close()
    return row is not None and bytes(row["value"]).decode() == schema_hash()


def pg_database(admin_url: str) -> str:
    name = f"bench_{schema_hash()}"
    base = admin_url.rpartition("/")[0]
    url = f"{base}/{name}"

    async def prepare() -> bool:
        for old in await _pg_databases(admin_url):
            if old != name:
                await _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        if await _pg_ready(url):
            return False
        await _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
        return True

    if asyncio.run(prepare()):
        started = time.monotonic()
        env = _app_env(url)
        _app(env, "migrate")
        _app(env, "seed-reference")
        asyncio.run(_pg_fill(url))
        print(f"\n[bench] generated {name} in {time.monotonic() - started:.0f} s", flush=True)
    return url


# ---------------------------------------------------------------------------
# Per run


def _today_rows(now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """The ids of the dossiers shown as "received today" by the list points, with new times
    spread over the last hours of the local day so far."""
    start_of_day = dt.datetime.combine(now.astimezone(VN_TZ).date(), dt.time(), tzinfo=VN_TZ)
    seconds = max(60.0, (now - start_of_day).total_seconds() - 30)
    out = []
    for point in range(1, LIST_POINTS + 1):
        for k in range(LIST_ROWS):
            dossier_id = point + POINTS * k  # ids cycle over the points
            out.append(
                (dossier_id, now - dt.timedelta(seconds=seconds * (k + 1) / (LIST_ROWS + 1)))
            )
    return out


def refresh_today(database_url: str) -> None:
    """Makes the list points' 25 dossiers "received today" (and only those)."""
    now = dt.datetime.now(dt.UTC)
    start_of_day = dt.datetime.combine(now.astimezone(VN_TZ).date(), dt.time(), tzinfo=VN_TZ)
    rows = _today_rows(now)
    old = now - dt.timedelta(days=2)
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("sqlite:///", 1)[1], timeout=30)
        with conn:
            conn.execute(
                "UPDATE dossier SET created_at = ? WHERE created_at >= ?",
                (_sqlite_value(old), _sqlite_value(start_of_day.astimezone(dt.UTC))),
            )
            conn.executemany(
                "UPDATE dossier SET created_at = ? WHERE id = ?",
                [(_sqlite_value(at), i) for i, at in rows],
            )
        conn.close()
        return

    async def update() -> None:
        conn = await _pg_connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute(
                    "UPDATE dossier SET created_at = $1 WHERE created_at >= $2", old, start_of_day
                )
                await conn.executemany(
                    "UPDATE dossier SET created_at = $1 WHERE id = $2", [(at, i) for i, at in rows]
                )
        finally:
            await conn.close()

    asyncio.run(update())


def tokens(database_url: str, count: int = 2000) -> list[str]:
    """Status tokens of random dossiers that went through the whole timeline (8+ events)."""
    sql = "SELECT status_token FROM dossier WHERE version >= 7 ORDER BY id LIMIT {}"
    rnd = random.Random(SEED + 1)
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("sqlite:///", 1)[1])
        found = [r[0] for r in conn.execute(sql.format(DOSSIERS))]
        conn.close()
    else:

        async def read() -> list[str]:
            conn = await _pg_connect(database_url)
            try:
                return [r[0] for r in await conn.fetch(sql.format(DOSSIERS))]
            finally:
                await conn.close()

        found = asyncio.run(read())
    return rnd.sample(found, min(count, len(found)))


def open_tokens(database_url: str, count: int = 1000) -> list[str]:
    """Status tokens of dossiers still in progress (their status pages keep polling)."""
    sql = (
        "SELECT status_token FROM dossier WHERE status IN "
        "('submitted', 'received', 'processing', 'supplement_requested') ORDER BY id"
    )

    async def read() -> list[str]:
        conn = await _pg_connect(database_url)
        try:
            return [r[0] for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    found = asyncio.run(read())
    return random.Random(SEED + 2).sample(found, min(count, len(found)))


def pg_copy(admin_url: str, template_url: str, name: str) -> str:
    """A throw-away copy of a generated PostgreSQL database (for a run that writes)."""
    template = template_url.rpartition("/")[2]

    async def copy() -> None:
        await _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _pg_admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    asyncio.run(copy())
    return f"{admin_url.rpartition('/')[0]}/{name}"


def pg_drop(admin_url: str, name: str) -> None:
    asyncio.run(_pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def prepare(kind: str, admin_url: str = "") -> BenchData:
    url = sqlite_database() if kind == "sqlite" else pg_database(admin_url)
    refresh_today(url)
    return BenchData(
        database_url=url,
        tokens=tokens(url),
        list_agents=[f"daily.{p:04d}" for p in range(1, LIST_POINTS + 1)],
        agents=[f"daily.{p:04d}" for p in range(1, POINTS + 1)],
    )
