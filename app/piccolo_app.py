"""The one Piccolo app: every feature's tables, migrations in ../migrations/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.accounts.tables import User
from app.audit.tables import AuditEvent
from app.capture.tables import DocumentPage
from app.catalogue.tables import Procedure, ProcedureComponent
from app.dossiers.tables import (
    Applicant,
    Consultation,
    Dossier,
    DossierComponent,
    DossierEvent,
    InboundEvent,
    PostalDelivery,
)
from app.feedback.tables import SatisfactionRating
from app.inspections.tables import (
    ChecklistItem,
    ChecklistTemplate,
    CorrectiveAction,
    SpotCheck,
    SpotCheckAnswer,
    SpotCheckPhoto,
)
from app.notifications.tables import OverdueAlert, PushOutbox, PushSubscription
from app.points.tables import AgentPoint, Organisation, PointEvent
from app.territory.tables import AdminUnit
from app.training.tables import TrainingAttendance, TrainingCourse, TrainingSession
from app.web.tables import KeyValue
from app.workdays.tables import Holiday

# Parents before children: tests empty them in reverse order.
TABLES = [
    Organisation,
    AgentPoint,
    User,
    PointEvent,
    TrainingCourse,
    TrainingSession,
    TrainingAttendance,
    AuditEvent,
    KeyValue,
    AdminUnit,
    Holiday,
    Procedure,
    ProcedureComponent,
    Applicant,
    Dossier,
    DossierComponent,
    DossierEvent,
    PostalDelivery,
    InboundEvent,
    Consultation,
    DocumentPage,
    PushSubscription,
    PushOutbox,
    OverdueAlert,
    SatisfactionRating,
    ChecklistTemplate,
    ChecklistItem,
    SpotCheck,
    SpotCheckAnswer,
    SpotCheckPhoto,
    CorrectiveAction,
]

APP_CONFIG = AppConfig(
    app_name="app",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
