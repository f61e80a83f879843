"""Indexes behind the administrators' audit log viewer: its pages run newest first on `seq`
(keyset), filtered by actor or by action; with (actor, seq) and (action, seq) a filtered page
reads only its own entries, however long the trail and however rare the actor or action."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T16:21:23:861384"
VERSION = "1.38.0"
DESCRIPTION = "audit log viewer indexes"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS audit_event_actor_seq ON audit_event (actor, seq)",
    "CREATE INDEX IF NOT EXISTS audit_event_action_seq ON audit_event (action, seq)",
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
