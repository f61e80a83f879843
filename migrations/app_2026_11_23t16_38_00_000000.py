"""Indexes behind the supervision report (app/reports/selectors.py).

`dossier_report_settled` is on the moment a dossier stopped being in progress (resolved, or
closed without a result; never for one still open): the report's dossiers are those received
before the period's end and not settled before its start, so a range on this one expression
finds them without reading the whole table. It carries the columns the counts read, so the
counting is done on the index alone. SQLite gets the point first, so its GROUP BY point needs
no sort; PostgreSQL groups by hashing and keeps the other columns as INCLUDE. The expressions
must stay exactly those of `SETTLED_SQL` in app/reports/selectors.py (a test checks it).

`dossier_report_received` serves the monthly trend (received, and online, per month).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T16:38:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report indexes"

SQLITE = (
    "CREATE INDEX dossier_report_settled ON dossier (point,"
    " min(coalesce(resolved_at, '9999'), coalesce(finished_at, '9999')),"
    " received_at, channel, due_date, resolved_at, finished_at)",
    "CREATE INDEX dossier_report_received ON dossier (received_at, channel, point)",
)
POSTGRES = (
    "CREATE INDEX dossier_report_settled ON dossier"
    " ((COALESCE(LEAST(resolved_at, finished_at), 'infinity'::timestamptz)))"
    " INCLUDE (point, received_at, channel, due_date, resolved_at, finished_at, id)",
    "CREATE INDEX dossier_report_received ON dossier (received_at) INCLUDE (channel, point)",
)
NAMES = ("dossier_report_settled", "dossier_report_received")


async def create_indexes() -> None:
    engine = engine_finder()
    for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
        await engine.run_ddl(statement)


async def drop_indexes() -> None:
    engine = engine_finder()
    for name in NAMES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
