"""Puts the audit events already recorded into the hash chain (in the order they were
inserted, by id), then makes `seq` unique and adds the composite indexes behind login
throttling. Rows are read and written in batches, so a large trail migrates in bounded
memory; the migration runs in one transaction, so a failure leaves nothing half-chained."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from app.audit.chain import GENESIS, entry_hash

ID = "2026-11-23T14:00:38:253941"
VERSION = "1.38.0"
DESCRIPTION = "audit hash chain backfill"

BATCH = 1000
INDEXES = (
    "CREATE UNIQUE INDEX audit_event_seq_unique ON audit_event (seq)",
    "CREATE INDEX audit_event_action_object_at ON audit_event (action, object_id, at)",
    "CREATE INDEX audit_event_action_ip_at ON audit_event (action, ip, at)",
)


async def backfill() -> None:
    engine = engine_finder()
    seq, prev_hash, last_id = 0, GENESIS, 0
    while True:
        rows = await engine.run_ddl(
            "SELECT id, at, actor, actor_label, action, object_type, object_id, ip, details "
            f"FROM audit_event WHERE id > {int(last_id)} ORDER BY id LIMIT {BATCH}"
        )
        if not rows:
            break
        values = []
        for row in rows:
            seq += 1
            entry = {**row, "seq": seq, "prev_hash": prev_hash}
            prev_hash = entry_hash(entry)
            # Integers and hexadecimal digits only: safe to write as literals.
            values.append(f"({int(row['id'])}, {seq}, '{entry['prev_hash']}', '{prev_hash}')")
        await engine.run_ddl(
            f"WITH v(id, seq, prev_hash, hash) AS (VALUES {', '.join(values)}) "
            "UPDATE audit_event SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
            "FROM v WHERE audit_event.id = v.id"
        )
        last_id = rows[-1]["id"]
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def drop_indexes() -> None:
    engine = engine_finder()
    for statement in INDEXES:
        name = statement.split(" ON ")[0].split()[-1]
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="app", description=DESCRIPTION)
    manager.add_raw(backfill)
    manager.add_raw_backwards(drop_indexes)
    return manager
