"""Composite indexes for the hot reads: an agent's list of their point's dossiers, newest
first (`WHERE point = ? ORDER BY created_at DESC`), read straight from the index instead of
fetching every dossier of the point and sorting; and a dossier's timeline in order."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T17:33:08:751165"
VERSION = "1.38.0"
DESCRIPTION = "hot path indexes"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS dossier_point_created_at ON dossier (point, created_at)",
    "CREATE INDEX IF NOT EXISTS dossier_event_dossier_at ON dossier_event (dossier, at)",
)


async def create_indexes() -> None:
    engine = engine_finder()
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def drop_indexes() -> None:
    engine = engine_finder()
    for statement in INDEXES:
        name = statement.split(" ON ")[0].split()[-1]
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
