"""Online backups and restores: the database (SQLite's backup API, or `pg_dump` from an
exported snapshot on PostgreSQL) plus the encrypted document files the snapshot names, copied
as they are — never decrypted. The master keys (`DOCUMENT_KEYS`, `var/document_keys`) are
NOT in a backup: keep them apart, or the documents cannot be read after a restore.

A backup folder holds `database.sqlite3` or `database.pgdump`, `documents/ab/abcd…` and
`manifest.json` (created at, migration head, row counts per table, sha256 of every document
file, the audit chain's head). Everything in the manifest is read from the same snapshot as
the database copy, so a restore can be checked against it exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from app.audit.chain import CHAIN_QUERY, ChainReport, chain_verify
from app.capture.storage import NAME_RE
from app.db import postgres_config
from app.settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DOCUMENTS = "documents"
FORMAT = 1
KEYS_NOTE = (
    "The document master keys (DOCUMENT_KEYS or var/document_keys) are not in this backup: "
    "back them up separately; without them the documents cannot be decrypted."
)


class BackupError(Exception):
    pass


def _tables() -> list[str]:
    from app.piccolo_app import TABLES

    return [table._meta.tablename for table in TABLES] + ["migration"]


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _new_folder(path: Path) -> None:
    if not _is_empty_dir(path):
        raise BackupError(f"{path} is not empty: choose a new folder")
    path.mkdir(parents=True, exist_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _doc_path(root: Path, name: str) -> Path:
    return root / name[:2] / name


# ---------------------------------------------------------------------------
# Reading a snapshot (SQLite file, or a PostgreSQL connection inside the exported snapshot)


class _SqliteSnapshot:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False)

    async def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    async def rows(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql).fetchall()

    def fetch(self):
        query = CHAIN_QUERY.format("?", "?")

        async def fetch(after: int, limit: int) -> list[dict]:
            cursor = self.conn.execute(query, (after, limit))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor]

        return fetch

    def close(self) -> None:
        self.conn.close()


class _PgSnapshot:
    def __init__(self, conn) -> None:
        self.conn = conn

    async def scalar(self, sql: str) -> Any:
        return await self.conn.fetchval(sql)

    async def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    def fetch(self):
        query = CHAIN_QUERY.format("$1", "$2")

        async def fetch(after: int, limit: int) -> list[dict]:
            return [dict(r) for r in await self.conn.fetch(query, after, limit)]

        return fetch


async def _describe(snap) -> dict[str, Any]:
    """Migration head, row counts, the document files named and the audit chain's state."""
    counts = {name: int(await snap.scalar(f"SELECT COUNT(*) FROM {name}")) for name in _tables()}  # noqa: S608 - names from code
    head = await snap.scalar(
        "SELECT name FROM migration WHERE app_name = 'app' ORDER BY name DESC LIMIT 1"
    )
    names: set[str] = set()
    named = (
        "SELECT file_name, thumb_name FROM document_page"
        " UNION ALL SELECT file_name, thumb_name FROM spot_check_photo"
    )
    for file_name, thumb_name in await snap.rows(named):
        names.update(n for n in (file_name, thumb_name) if n and NAME_RE.match(n))
    chain = await chain_verify(fetch=snap.fetch())
    return {"migration_head": head, "row_counts": counts, "names": sorted(names), "chain": chain}


def _chain_json(report: ChainReport) -> dict[str, Any]:
    return {
        "verified": report.ok,
        "entries": report.count,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        **({} if report.ok else {"broken": report.summary()}),
    }


# ---------------------------------------------------------------------------
# Backup


@dataclass
class BackupResult:
    dest: Path
    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)


def _sqlite_copy(source: Path, target: Path) -> None:
    """One step of the online backup API: a consistent copy while writers continue (WAL)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _copy_documents(names: list[str], source: Path, target: Path) -> tuple[dict, list[str]]:
    checksums: dict[str, str] = {}
    missing: list[str] = []
    for name in names:
        src = _doc_path(source, name)
        dst = _doc_path(target, name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(src, dst)
        except FileNotFoundError:
            missing.append(name)
            continue
        checksums[name] = _sha256(dst)
    return checksums, missing


def _pg_env(dsn: str) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore, the password kept off the command line."""
    config = postgres_config(dsn)
    env = {
        **os.environ,
        "PGHOST": config["host"],
        "PGPORT": str(config["port"]),
        "PGUSER": config["user"],
        "PGDATABASE": config["database"],
    }
    if config["password"]:
        env["PGPASSWORD"] = config["password"]
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools")
    return found


async def _pg_backup(settings: Settings, dest: Path) -> dict[str, Any]:
    """pg_dump in custom format from a snapshot this connection exports and keeps open, so
    the manifest is read from exactly what the dump contains."""
    import asyncpg

    tool = _pg_tool("pg_dump")
    conn = await asyncpg.connect(**postgres_config(settings.database_url))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            command = [
                tool,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dest / PG_FILE}",
            ]
            done = await anyio.to_thread.run_sync(
                lambda: subprocess.run(  # noqa: S603 - fixed arguments
                    command, env=_pg_env(settings.database_url), capture_output=True, text=True
                )
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            return await _describe(_PgSnapshot(conn))
    finally:
        await conn.close()


async def backup_create(*, settings: Settings, dest: Path) -> BackupResult:
    await anyio.to_thread.run_sync(_new_folder, dest)
    created_at = dt.datetime.now(dt.UTC)
    if settings.is_sqlite:
        await anyio.to_thread.run_sync(_sqlite_copy, Path(settings.sqlite_path), dest / SQLITE_FILE)
        snap = _SqliteSnapshot(dest / SQLITE_FILE)
        try:
            described = await _describe(snap)
        finally:
            snap.close()
        database = {"engine": "sqlite", "file": SQLITE_FILE}
    else:
        described = await _pg_backup(settings, dest)
        database = {"engine": "postgresql", "file": PG_FILE, "format": "pg_dump custom"}
    checksums, missing = await anyio.to_thread.run_sync(
        _copy_documents, described["names"], Path(settings.document_dir), dest / DOCUMENTS
    )
    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "database": database,
        "migration_head": described["migration_head"],
        "row_counts": described["row_counts"],
        "documents": checksums,
        "missing_documents": missing,
        "audit_chain": _chain_json(described["chain"]),
        "keys_included": False,
        "note": KEYS_NOTE,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    await anyio.to_thread.run_sync((dest / MANIFEST).write_text, text)
    return BackupResult(dest=dest, manifest=manifest, missing=missing)


# ---------------------------------------------------------------------------
# Restore


@dataclass
class RestoreResult:
    problems: list[str]
    counts: dict[str, int]
    documents: int
    chain: ChainReport

    @property
    def ok(self) -> bool:
        return not self.problems


def _sqlite_target(database_url: str) -> Path | None:
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgres://")):
        return None
    raise BackupError("--database-url must be sqlite:///path or postgresql://…")


async def _pg_prepare(database_url: str):
    """Creates the target database if missing; refuses one that already has tables."""
    import asyncpg

    config = postgres_config(database_url)
    try:
        conn = await asyncpg.connect(**config)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(**{**config, "database": "postgres"})
        try:
            await admin.execute(f'CREATE DATABASE "{config["database"]}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(**config)
    tables = await conn.fetchval(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
    )
    if tables:
        await conn.close()
        raise BackupError(f"database {config['database']} is not empty: restore into a new one")
    return conn


def _restore_documents(checksums: dict[str, str], source: Path, target: Path) -> list[str]:
    problems: list[str] = []
    target.mkdir(parents=True, exist_ok=True)
    for name, expected in checksums.items():
        if not NAME_RE.match(name):
            problems.append(f"document {name!r}: not a storage name")
            continue
        dst = _doc_path(target, name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(_doc_path(source, name), dst)
        except FileNotFoundError:
            problems.append(f"document {name}: missing from the backup")
            continue
        if _sha256(dst) != expected:
            problems.append(f"document {name}: checksum differs from the manifest")
    return problems


async def backup_restore(*, source: Path, database_url: str, document_dir: Path) -> RestoreResult:
    """Restores into a fresh database and document folder, then checks them against the
    manifest: row counts, document checksums and the audit chain (up to the same head)."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup folder")
    manifest = json.loads(manifest_path.read_text())
    if not _is_empty_dir(document_dir):
        raise BackupError(f"{document_dir} is not empty: restore documents into a new folder")
    engine = manifest["database"]["engine"]
    target = _sqlite_target(database_url)
    if (engine == "sqlite") != (target is not None):
        raise BackupError(f"this backup is of a {engine} database: give a {engine} URL")
    if target is not None:
        if target.exists() and target.stat().st_size:
            raise BackupError(f"{target} exists: restore into a new file")
        target.parent.mkdir(parents=True, exist_ok=True)
        await anyio.to_thread.run_sync(_sqlite_copy, source / SQLITE_FILE, target)
        snap = _SqliteSnapshot(target)
        try:
            described = await _describe(snap)
        finally:
            snap.close()
    else:
        conn = await _pg_prepare(database_url)
        try:
            command = [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={postgres_config(database_url)['database']}",
                str(source / PG_FILE),
            ]
            done = await anyio.to_thread.run_sync(
                lambda: subprocess.run(  # noqa: S603 - fixed arguments
                    command, env=_pg_env(database_url), capture_output=True, text=True
                )
            )
            if done.returncode != 0:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
            described = await _describe(_PgSnapshot(conn))
        finally:
            await conn.close()
    problems = await anyio.to_thread.run_sync(
        _restore_documents, manifest["documents"], source / DOCUMENTS, document_dir
    )
    for table, expected in manifest["row_counts"].items():
        found = described["row_counts"].get(table)
        if found != expected:
            problems.append(f"table {table}: {found} rows restored, {expected} in the manifest")
    if described["migration_head"] != manifest["migration_head"]:
        problems.append("the migration head differs from the manifest")
    chain: ChainReport = described["chain"]
    recorded = manifest["audit_chain"]
    if not chain.ok:
        problems.append(chain.summary())
    elif (chain.head_seq, chain.head_hash) != (recorded["head_seq"], recorded["head_hash"]):
        problems.append(
            f"audit chain head is seq {chain.head_seq} {chain.head_hash}, the manifest says "
            f"seq {recorded['head_seq']} {recorded['head_hash']}"
        )
    return RestoreResult(
        problems=problems,
        counts=described["row_counts"],
        documents=len(manifest["documents"]),
        chain=chain,
    )
