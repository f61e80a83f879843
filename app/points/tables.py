"""Organisations licensed as agents, their agent points, and each point's lifecycle events."""

from enum import StrEnum

from piccolo.columns import (
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

# The staff user table imports this module (users belong to points), so events name it lazily.
STAFF_USER = LazyTableReference("User", module_path="app.accounts.tables")


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
    tax_code = Varchar(length=14, unique=True)  # mã số thuế: 10 digits, or 10 + "-" + 3
    contact_phone = Varchar(length=20, default="")
    created_at = Timestamptz()
    contact_name = Varchar(length=255, default="")
    contact_email = Varchar(length=255, default="")
    address = Varchar(length=500, default="")
    licence_number = Varchar(length=100, default="")
    licence_date = Date(null=True, default=None)
    updated_at = Timestamptz(null=True, default=None)


class AgentPoint(Table, tablename="agent_point"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=255)
    organisation = ForeignKey(references=Organisation, null=False)
    district = Varchar(length=100)  # short name of the district, e.g. "Ba Vì"
    commune = Varchar(length=100, default="")  # name of the commune-level unit
    address = Varchar(length=500, default="")
    phase = Integer(default=1)
    status = Varchar(length=32, choices=PointStatus, default=PointStatus.proposed)
    is_outer_district = Boolean(default=True)
    created_at = Timestamptz()
    district_code = Varchar(length=16, default="")  # AdminUnit code of the district (until 2025)
    commune_code = Varchar(length=16, default="")  # AdminUnit code of the commune or ward
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    opening_hours = Varchar(length=255, default="")
    phone = Varchar(length=20, default="")
    updated_at = Timestamptz(null=True, default=None)
    # The approval checklist, ticked by the Centre's reviewer (trained staff are counted live).
    has_premises = Boolean(default=False)
    has_computer = Boolean(default=False)
    has_scanner = Boolean(default=False)  # a scanner or a camera phone
    has_printer = Boolean(default=False)
    has_internet = Boolean(default=False)
    review_note = Text(default="")
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by_name = Varchar(length=255, default="")  # who ticked it (the audit has the id)


class PointEvent(Table, tablename="point_event"):
    """One step of a point's lifecycle: who moved it from which status to which, and why."""

    point = ForeignKey(references=AgentPoint, null=False, index=True)
    from_status = Varchar(length=32, default="")  # "" when the point was proposed
    to_status = Varchar(length=32)
    actor = ForeignKey(references=STAFF_USER, null=True, default=None)
    reason = Text(default="")
    at = Timestamptz()
