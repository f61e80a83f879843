"""Web Push subscriptions (a citizen's browser following one dossier, or a staff member's
browser receiving their own events), the transactional outbox, and the per-point state of
the overdue alert that makes it fire once per crossing."""

from enum import StrEnum

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from app.accounts.tables import User
from app.dossiers.tables import Dossier
from app.points.tables import AgentPoint


class PushSubscription(Table, tablename="push_subscription"):
    """One browser's push endpoint following one dossier (a citizen, no account) or
    receiving one staff user's events. Exactly one of `dossier` and `user` is set."""

    dossier = ForeignKey(
        references=Dossier, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    user = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    # sha256(endpoint) + ":" + dossier id, or + ":u" + user id: one row per pair
    key = Varchar(length=80, unique=True)
    endpoint = Varchar(length=2048)
    endpoint_hash = Varchar(length=64, index=True)
    p256dh = Varchar(length=100)
    auth = Varchar(length=40)
    created_at = Timestamptz()


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    superseded = "superseded"  # a newer message with the same topic replaced it before sending
    quarantined = "quarantined"  # failed for good: shown to admins, never retried


class MessageKind(StrEnum):
    status = "status"  # citizen: the dossier's status changed
    rating_invitation = "rating_invitation"  # citizen: rate the service once complete
    supplement_requested = "supplement_requested"  # staff: the portal asks for documents
    overdue_threshold = "overdue_threshold"  # staff: a point has too many overdue dossiers


class PushOutbox(Table, tablename="push_outbox"):
    """One message for one subscription, written in the transaction of the change it reports."""

    subscription = ForeignKey(
        references=PushSubscription, null=False, on_delete=OnDelete.cascade, index=True
    )
    # The dossier the message is about; none for a point's overdue alert.
    dossier = ForeignKey(references=Dossier, null=True, default=None, on_delete=OnDelete.cascade)
    kind = Varchar(length=32)  # a MessageKind
    topic = Varchar(length=32)
    urgency = Varchar(length=8, default="normal")
    payload = Text()
    status = Varchar(length=16, default=OutboxStatus.pending, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    claim_token = Varchar(length=32, default="")
    last_status_code = Integer(default=0)
    last_error = Varchar(length=500, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class OverdueAlert(Table, tablename="push_overdue_alert"):
    """Whether the Centre was told that a point's overdue dossiers reached the threshold.
    One row per point (unique): a worker alerts only by flipping `alerted` from false to true
    in a conditional update, so two workers checking at once alert once."""

    point = ForeignKey(references=AgentPoint, null=False, unique=True, on_delete=OnDelete.cascade)
    alerted = Boolean(default=False)
    overdue_count = Integer(default=0)  # the count the last alert reported
    changed_at = Timestamptz()
