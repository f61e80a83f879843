"""Audit events: an append-only hash chain (see `app.audit.chain` for the canonical form).

Rows are only ever inserted, by `app.audit.services.audit_record`; `update` and `delete`
refuse on this table, so no code path can change the trail. `seq` runs 1, 2, 3… without gaps
and is unique; that index, and the composite indexes behind login throttling, are created by
the migration "audit hash chain backfill" (Piccolo declares single-column indexes only).
"""

from piccolo.columns import JSON, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class AppendOnly(Exception):
    """The audit trail is never updated nor deleted from."""


class AuditEvent(Table, tablename="audit_event"):
    seq = BigInt(default=0)
    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True)
    actor_label = Varchar(length=255, default="")
    action = Varchar(length=64, index=True)
    object_type = Varchar(length=64, default="")
    object_id = Varchar(length=255, default="", index=True)
    ip = Varchar(length=64, default="", index=True)
    details = JSON(default="{}")
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AppendOnly("audit events are never updated")

    @classmethod
    def delete(cls, *args, **kwargs):
        raise AppendOnly("audit events are never deleted")
