"""Command line: `python -m app migrate | check-migrations | seed-reference | load-demo |
create-user | serve | worker | purge-documents | rewrap-documents | verify-audit | backup |
restore`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

import app  # noqa: F401 - sets PICCOLO_CONF


async def migrate() -> int:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="app", migration_id="all")
    if not result.success:
        print(result.message, file=sys.stderr)
        return 1
    return 0


async def pending_schema_changes() -> int:
    """How many schema changes the tables have that no migration file records yet."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager

    from app.piccolo_app import APP_CONFIG

    statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    return sum(len(s.statements) for s in statements)


async def create_user(args: argparse.Namespace) -> int:
    from app.accounts.services import user_create
    from app.errors import ValidationError

    password = args.password or getpass.getpass("Password: ")
    try:
        user_id = await user_create(
            username=args.username,
            full_name=args.full_name,
            password=password,
            role=args.role,
            point_id=args.point_id,
            organisation_id=args.organisation_id,
        )
    except ValidationError as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 2
    print(f"created user {args.username} (id {user_id})")
    return 0


async def seed_reference() -> int:
    """Reference data every installation needs: holidays, Hanoi's territory, the catalogue,
    the default spot-check checklist.
    Safe to run again: only what is missing is added, edits made by admins are kept."""
    from app.catalogue.seed import catalogue_seed
    from app.inspections.seed import checklist_seed
    from app.territory.seed import territory_seed
    from app.workdays.seed import holidays_seed

    holidays = await holidays_seed()
    units = await territory_seed()
    procedures = await catalogue_seed()
    checklists = await checklist_seed()
    print(
        f"reference data: {holidays} holidays, {units} units, {procedures} procedures, "
        f"{checklists} checklist added"
    )
    return 0


async def load_demo() -> int:
    from app.demo import demo_load

    await seed_reference()
    loaded = await demo_load()
    print("demo data loaded" if loaded else "database not empty: demo data not loaded")
    return 0


async def push_worker() -> int:
    """Delivers the push outbox until SIGINT/SIGTERM; several may run at once."""
    import signal

    from app.notifications.worker import run_worker
    from app.piccolo_conf import DB
    from app.settings import get_settings

    settings = get_settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    pooled = not settings.is_sqlite
    if pooled:
        await DB.start_connection_pool(min_size=1, max_size=settings.pg_pool_max)
    try:
        await run_worker(settings, stop)
    finally:
        if pooled:
            await DB.close_connection_pool()
    return 0


async def purge_documents() -> int:
    """Deletes page images of dossiers finished more than CAPTURE_RETENTION_DAYS ago (the
    records stay) and files no record names. Run it daily (cron or a systemd timer)."""
    from app.capture.services import documents_purge
    from app.capture.storage import document_store
    from app.settings import get_settings

    settings = get_settings()
    report = await documents_purge(store=document_store(settings), settings=settings)
    print(
        f"purged {report.pages} page(s) ({report.files} file(s)) of dossiers finished more "
        f"than {settings.capture_retention_days} days ago; {report.orphans} orphan file(s)"
    )
    return 0


def rewrap_documents(args: argparse.Namespace) -> int:
    """Master key rotation: every stored file's key is re-wrapped with the current (first)
    master key. With --new-key (keys kept in var/), a new current key is generated first."""
    from app.capture.crypto import add_key_to_file
    from app.capture.storage import document_store
    from app.settings import SettingsError, get_settings

    settings = get_settings()
    if args.new_key:
        try:
            print(f"new current key {add_key_to_file(settings)}")
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return 2
    changed, total = document_store(settings).rewrap_all()
    print(f"re-wrapped {changed} of {total} file(s) with the current master key")
    return 0


def _anchor(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not (sep and seq.isdigit() and len(digest) == 64):
        raise argparse.ArgumentTypeError("expected SEQ:HASH, as printed by verify-audit")
    return int(seq), digest.lower()


async def verify_audit(args: argparse.Namespace) -> int:
    """Walks the audit hash chain; exit 0 when it holds, 1 at the first broken entry."""
    from app.audit.chain import chain_verify

    report = await chain_verify(anchor=args.anchor)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


async def backup(args: argparse.Namespace) -> int:
    """An online backup: database snapshot, the encrypted documents it names, a manifest."""
    from pathlib import Path

    from app.backup import KEYS_NOTE, BackupError, backup_create
    from app.settings import get_settings

    try:
        result = await backup_create(settings=get_settings(), dest=Path(args.dest))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    manifest = result.manifest
    chain = manifest["audit_chain"]
    print(
        f"backup in {result.dest}: {manifest['database']['engine']} database "
        f"({sum(manifest['row_counts'].values())} rows), {len(manifest['documents'])} "
        f"document file(s), audit chain head seq {chain['head_seq']} {chain['head_hash']}"
    )
    print(KEYS_NOTE)
    problems = 0
    for name in result.missing:
        print(f"MISSING: document {name} is named by the database but not in the store")
        problems += 1
    if not chain["verified"]:
        print(f"AUDIT CHAIN BROKEN: {chain['broken']}")
        problems += 1
    return 1 if problems else 0


async def restore(args: argparse.Namespace) -> int:
    """Restores a backup into a fresh database and document folder, then checks it."""
    from pathlib import Path

    from app.backup import KEYS_NOTE, BackupError, backup_restore

    try:
        result = await backup_restore(
            source=Path(args.backup_dir),
            database_url=args.database_url,
            document_dir=Path(args.document_dir),
        )
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in result.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if result.ok:
        print(
            f"restored and checked: {sum(result.counts.values())} rows in "
            f"{len(result.counts)} tables, {result.documents} document file(s); "
            f"{result.chain.summary()}"
        )
        print(KEYS_NOTE)
    return 0 if result.ok else 1


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("check-migrations", help="fail if the tables changed without a migration")
    sub.add_parser("seed-reference", help="add missing holidays, territory and catalogue rows")
    sub.add_parser("load-demo", help="load demo data into an empty database")
    cu = sub.add_parser("create-user", help="create a staff account")
    cu.add_argument("--username", required=True)
    cu.add_argument("--full-name", required=True)
    cu.add_argument(
        "--role", required=True, choices=["agent", "point_manager", "supervisor", "admin"]
    )
    cu.add_argument("--point-id", type=int)
    cu.add_argument("--organisation-id", type=int)
    cu.add_argument("--password", help="read from the terminal when omitted")
    sv = sub.add_parser("serve", help="serve the app with uvicorn")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=1)
    sub.add_parser("worker", help="deliver push notifications from the outbox")
    sub.add_parser("purge-documents", help="delete document images past the retention period")
    rw = sub.add_parser("rewrap-documents", help="re-wrap document keys with the current key")
    rw.add_argument("--new-key", action="store_true", help="first add a new key to var/")
    va = sub.add_parser("verify-audit", help="check the audit trail's hash chain")
    va.add_argument(
        "--anchor",
        type=_anchor,
        help="SEQ:HASH of a head recorded earlier, which must still be in the chain",
    )
    bk = sub.add_parser("backup", help="online backup of the database and documents")
    bk.add_argument("dest", help="a new (or empty) folder")
    rs = sub.add_parser("restore", help="restore a backup into a new database and folder")
    rs.add_argument("backup_dir")
    rs.add_argument("--database-url", required=True, help="a new sqlite:/// file or empty database")
    rs.add_argument("--document-dir", required=True, help="a new (or empty) folder")
    args = parser.parse_args(argv)

    if args.command == "serve":
        return serve(args)
    if args.command == "worker":
        return asyncio.run(push_worker())
    if args.command == "migrate":
        return asyncio.run(migrate())
    if args.command == "check-migrations":
        pending = asyncio.run(pending_schema_changes())
        print(f"{pending} schema change(s) without a migration")
        return 1 if pending else 0
    if args.command == "seed-reference":
        return asyncio.run(seed_reference())
    if args.command == "load-demo":
        return asyncio.run(load_demo())
    if args.command == "purge-documents":
        return asyncio.run(purge_documents())
    if args.command == "rewrap-documents":
        return rewrap_documents(args)
    if args.command == "verify-audit":
        return asyncio.run(verify_audit(args))
    if args.command == "backup":
        return asyncio.run(backup(args))
    if args.command == "restore":
        return asyncio.run(restore(args))
    return asyncio.run(create_user(args))


if __name__ == "__main__":
    sys.exit(main())
