"""Audit events. Rows are only ever inserted."""

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class AuditEvent(Table, tablename="audit_event"):
    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True)
    actor_label = Varchar(length=255, default="")
    action = Varchar(length=64, index=True)
    object_type = Varchar(length=64, default="")
    object_id = Varchar(length=255, default="", index=True)
    ip = Varchar(length=64, default="", index=True)
    details = JSON(default="{}")
