"""The one Piccolo app: every feature's tables, migrations in ../migrations/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.accounts.tables import User
from app.audit.tables import AuditEvent
from app.points.tables import AgentPoint, Organisation
from app.web.tables import KeyValue

TABLES = [Organisation, AgentPoint, User, AuditEvent, KeyValue]

APP_CONFIG = AppConfig(
    app_name="app",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
