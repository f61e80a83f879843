"""Organisations and agent points."""

from enum import StrEnum

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class OrganisationKind(StrEnum):
    postal = "postal"
    it_company = "it_company"
    licensed_org = "licensed_org"


class PointStatus(StrEnum):
    proposed = "proposed"
    under_review = "under_review"
    approved = "approved"
    active = "active"
    suspended = "suspended"
    closed = "closed"


class Organisation(Table, tablename="organisation"):
    name = Varchar(length=255)
    kind = Varchar(length=32, choices=OrganisationKind)
    tax_code = Varchar(length=14, unique=True)
    contact_phone = Varchar(length=20, default="")
    created_at = Timestamptz()


class AgentPoint(Table, tablename="agent_point"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=255)
    organisation = ForeignKey(references=Organisation, null=False)
    district = Varchar(length=100)
    commune = Varchar(length=100, default="")
    address = Varchar(length=500, default="")
    phase = Integer(default=1)
    status = Varchar(length=32, choices=PointStatus, default=PointStatus.proposed)
    is_outer_district = Boolean(default=True)
    created_at = Timestamptz()
