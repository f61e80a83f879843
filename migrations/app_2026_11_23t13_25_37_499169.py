"""Staff push subscriptions: a subscription belongs to a dossier or to a staff user, an
outbox message may have no dossier, and the per-point overdue alert state.

SQLite cannot ALTER a column's NULL constraint: there the two tables are rebuilt instead
(rows copied aside, tables re-created from their own schema text without NOT NULL on
`dossier`, rows and indexes restored), keeping ids and every other column as they were."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class AgentPoint(Table, tablename="agent_point", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class User(Table, tablename="staff_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


# Children first: dropping a parent while its children exist would cascade-delete their rows.
REBUILT = ("push_outbox", "push_subscription")
NOT_NULL = '"dossier" INTEGER NOT NULL REFERENCES'
NULLABLE = '"dossier" INTEGER REFERENCES'


async def _sqlite_rebuild(engine, *, nullable: bool) -> None:
    before, after = (NOT_NULL, NULLABLE) if nullable else (NULLABLE, NOT_NULL)
    saved = {}
    for table in REBUILT:
        rows = await engine.run_ddl(
            "SELECT type, sql FROM sqlite_master "
            f"WHERE tbl_name = '{table}' AND sql IS NOT NULL ORDER BY type DESC"
        )
        schema = [r["sql"] for r in rows if r["type"] == "table"][0]
        if before not in schema:
            raise RuntimeError(f"unexpected schema of {table}: {schema}")
        indexes = [r["sql"] for r in rows if r["type"] == "index"]
        saved[table] = (schema.replace(before, after), indexes)
        await engine.run_ddl(f'CREATE TEMP TABLE "_old_{table}" AS SELECT * FROM "{table}"')
    for table in REBUILT:
        await engine.run_ddl(f'DROP TABLE "{table}"')
    for table in reversed(REBUILT):
        schema, indexes = saved[table]
        await engine.run_ddl(schema)
        await engine.run_ddl(f'INSERT INTO "{table}" SELECT * FROM "_old_{table}"')
        await engine.run_ddl(f'DROP TABLE "_old_{table}"')
        for index in indexes:
            await engine.run_ddl(index)


async def _forget_staff_rows() -> None:
    """Backwards: rows without a dossier cannot stay once `dossier` is NOT NULL again; on
    SQLite the index on `user` must go before the column can be dropped."""
    engine = engine_finder()
    await engine.run_ddl('DELETE FROM "push_outbox" WHERE "dossier" IS NULL')
    await engine.run_ddl('DELETE FROM "push_subscription" WHERE "dossier" IS NULL')
    if engine.engine_type == "sqlite":
        await engine.run_ddl("DROP INDEX IF EXISTS push_subscription_user")


class _Manager(MigrationManager):
    async def _run_alter_columns(self, backwards: bool = False):
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            await _sqlite_rebuild(engine, nullable=not backwards)
        else:
            await super()._run_alter_columns(backwards=backwards)


ID = "2026-11-23T13:25:37:499169"
VERSION = "1.38.0"
DESCRIPTION = "staff push subscriptions and overdue alerts"


async def forwards():
    manager = _Manager(migration_id=ID, app_name="app", description=DESCRIPTION)

    manager.add_table(
        class_name="OverdueAlert",
        tablename="push_overdue_alert",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="OverdueAlert",
        tablename="push_overdue_alert",
        column_name="point",
        db_column_name="point",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": AgentPoint,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OverdueAlert",
        tablename="push_overdue_alert",
        column_name="alerted",
        db_column_name="alerted",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OverdueAlert",
        tablename="push_overdue_alert",
        column_name="overdue_count",
        db_column_name="overdue_count",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OverdueAlert",
        tablename="push_overdue_alert",
        column_name="changed_at",
        db_column_name="changed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PushSubscription",
        tablename="push_subscription",
        column_name="user",
        db_column_name="user",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="PushSubscription",
        tablename="push_subscription",
        column_name="dossier",
        db_column_name="dossier",
        params={"null": True},
        old_params={"null": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PushOutbox",
        tablename="push_outbox",
        column_name="dossier",
        db_column_name="dossier",
        params={"null": True},
        old_params={"null": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.add_raw_backwards(_forget_staff_rows)

    return manager
