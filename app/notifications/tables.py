"""Web Push subscriptions (per dossier, no account) and the transactional outbox."""

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.dossiers.tables import Dossier


class PushSubscription(Table, tablename="push_subscription"):
    """One browser's push endpoint following one dossier."""

    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade, index=True)
    key = Varchar(length=80, unique=True)  # sha256(endpoint) + dossier id: one row per pair
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


class PushOutbox(Table, tablename="push_outbox"):
    """One message for one subscription, written in the transaction of the change it reports."""

    subscription = ForeignKey(
        references=PushSubscription, null=False, on_delete=OnDelete.cascade, index=True
    )
    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=32)  # status | rating_invitation
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
