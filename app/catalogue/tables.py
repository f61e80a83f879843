"""Procedures and the document components each one requires."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuthorityLevel(StrEnum):
    commune = "commune"
    district = "district"
    city = "city"


class ServiceLevel(StrEnum):
    full_online = "full_online"
    partly_online = "partly_online"


class CopyKind(StrEnum):
    original = "original"
    certified_copy = "certified_copy"
    copy = "copy"
    original_or_certified_copy = "original_or_certified_copy"


class Procedure(Table, tablename="procedure"):
    code = Varchar(length=40, unique=True)  # national code, e.g. 1.001193
    name = Varchar(length=500)
    search_text = Varchar(length=1000, default="", index=True)  # folded: no diacritics, lower
    field = Varchar(length=255)  # lĩnh vực
    authority_level = Varchar(length=16, choices=AuthorityLevel)
    service_level = Varchar(length=16, choices=ServiceLevel)
    processing_days = Integer()  # statutory time in working days (0 = same day)
    fee_amount = Integer(default=0)  # VND
    fee_note = Text(default="")  # who is exempt, how it is collected
    agent_allowed = Boolean(default=True)
    description = Text(default="")
    is_retired = Boolean(default=False, index=True)
    retired_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ProcedureComponent(Table, tablename="procedure_component"):
    procedure = ForeignKey(references=Procedure, null=False)
    position = Integer(default=0)
    name = Varchar(length=500)
    copy_kind = Varchar(length=32, choices=CopyKind)
    copies = Integer(default=1)  # how many copies of the document
    mandatory = Boolean(default=True)
    note = Text(default="")
    is_greyscale = Boolean(default=True)  # digitise in greyscale (text) or colour (photos, seals)
