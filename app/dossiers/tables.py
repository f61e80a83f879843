"""Dossiers, their applicants, components, lifecycle events, postal delivery, consultations."""

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from app.accounts.tables import User
from app.catalogue.tables import Procedure, ProcedureComponent
from app.points.tables import AgentPoint


class Channel(StrEnum):
    agent_point = "agent_point"  # submitted with an agent's help (online, at the point)
    online = "online"  # by the citizen themself
    postal = "postal"  # via the public-utility postal service


class ResultDelivery(StrEnum):
    pickup = "pickup"  # at the one-stop office
    post = "post"  # by the public-utility postal service (BCCI)


class SubmissionMode(StrEnum):
    connector = "connector"  # sent through the portal connector
    manual = "manual"  # agent submitted on the portal's website and typed the code


class Applicant(Table, tablename="applicant"):
    full_name = Varchar(length=255)
    id_number = Varchar(length=12, index=True)  # CCCD, 12 digits
    old_id_number = Varchar(length=9, default="")
    date_of_birth = Date()
    sex = Varchar(length=8)  # male | female
    phone = Varchar(length=10)  # normalised national form 0xxxxxxxxx
    email = Varchar(length=255, default="")
    district_code = Varchar(length=16, default="")
    commune_code = Varchar(length=16, default="")
    address = Varchar(length=500)
    id_issue_date = Date(null=True, default=None)
    created_at = Timestamptz()


class Dossier(Table, tablename="dossier"):
    reference = Varchar(length=40, unique=True)  # agent-side reference
    point = ForeignKey(references=AgentPoint, null=False, index=True)
    agent = ForeignKey(references=User, null=False)
    procedure = ForeignKey(references=Procedure, null=False)
    applicant = ForeignKey(references=Applicant, null=False)
    channel = Varchar(length=16, choices=Channel, default=Channel.agent_point)
    status = Varchar(length=32, default="draft", index=True)
    version = Integer(default=1)  # optimistic concurrency: every write bumps it
    portal_code = Varchar(length=40, null=True, default=None, unique=True)
    submission_mode = Varchar(length=16, default="")
    portal_seq = Integer(default=0)  # last portal event sequence applied
    postal_seq = Integer(default=0)  # last postal event sequence applied
    result_delivery = Varchar(length=8, choices=ResultDelivery, default=ResultDelivery.pickup)
    sets_count = Integer(default=1)
    notes = Text(default="")
    status_token = Varchar(length=64, unique=True)  # unguessable, for the receipt's QR link
    consent_version = Varchar(length=32, default="")
    consent_at = Timestamptz(null=True, default=None)
    consent_by = ForeignKey(references=User, null=True)
    submitted_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)  # accepted by the portal
    due_date = Date(null=True, default=None)  # appointment date for the result
    resolved_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)  # reached a final state
    supplement_note = Text(default="")
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()


class DossierComponent(Table, tablename="dossier_component"):
    dossier = ForeignKey(references=Dossier, null=False, index=True)
    # SET NULL: editing the catalogue must never delete what an old dossier recorded.
    procedure_component = ForeignKey(
        references=ProcedureComponent, null=True, on_delete=OnDelete.set_null
    )
    position = Integer(default=0)
    name = Varchar(length=500)  # copied from the catalogue: old dossiers keep old wording
    copy_kind = Varchar(length=32)
    copies = Integer(default=1)
    mandatory = Boolean(default=True)
    received = Boolean(default=False)


class ActorKind(StrEnum):
    user = "user"
    portal = "portal"
    postal = "postal"
    citizen = "citizen"
    system = "system"


class DossierEvent(Table, tablename="dossier_event"):
    dossier = ForeignKey(references=Dossier, null=False, index=True)
    at = Timestamptz()
    from_status = Varchar(length=32, default="")
    to_status = Varchar(length=32)
    actor_kind = Varchar(length=16, choices=ActorKind)
    actor = ForeignKey(references=User, null=True)
    reason = Text(default="")
    details = JSON(default="{}")


class DeliveryStatus(StrEnum):
    registered = "registered"
    dispatched = "dispatched"
    delivered = "delivered"
    failed = "failed"


class PostalDelivery(Table, tablename="postal_delivery"):
    dossier = ForeignKey(references=Dossier, null=False, unique=True)
    recipient_name = Varchar(length=255)
    phone = Varchar(length=10)
    address = Varchar(length=500)
    district_code = Varchar(length=16, default="")
    commune_code = Varchar(length=16, default="")
    fee_note = Varchar(length=500, default="")
    waybill_code = Varchar(length=40, null=True, default=None, unique=True)
    status = Varchar(length=16, choices=DeliveryStatus, default=DeliveryStatus.registered)
    registered_at = Timestamptz()
    updated_at = Timestamptz()


class InboundEvent(Table, tablename="inbound_event"):
    """Every webhook event received, once: the key makes a repeated delivery a no-op."""

    key = Varchar(length=200, unique=True)  # "<source>:<event id>"
    source = Varchar(length=16)  # portal | postal
    dossier = ForeignKey(references=Dossier, null=True)
    received_at = Timestamptz()
    applied = Boolean(default=False)  # False when stale (older than what was applied)
    payload = JSON(default="{}")


class Consultation(Table, tablename="consultation"):
    """Advice given at a point without (or before) a dossier."""

    point = ForeignKey(references=AgentPoint, null=False, index=True)
    agent = ForeignKey(references=User, null=False)
    procedure = ForeignKey(references=Procedure, null=True)
    topic = Varchar(length=500)
    outcome = Varchar(length=32)  # resolved | dossier_started | referred | follow_up
    citizen_name = Varchar(length=255, default="")
    notes = Text(default="")
    at = Timestamptz(index=True)
