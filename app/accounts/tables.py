"""Staff users and their roles."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.points.tables import AgentPoint, Organisation


class Role(StrEnum):
    agent = "agent"
    point_manager = "point_manager"
    supervisor = "supervisor"
    admin = "admin"


class User(Table, tablename="staff_user"):
    username = Varchar(length=64, unique=True)
    full_name = Varchar(length=255)
    password_hash = Varchar(length=255, secret=True)
    role = Varchar(length=32, choices=Role)
    point = ForeignKey(references=AgentPoint, null=True)
    organisation = ForeignKey(references=Organisation, null=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz()
