"""Writes to the procedure catalogue: create, edit (documents included), retire, bring back.

Every write validates all fields first (raising `ValidationError` with one message per field),
then runs in one transaction and keeps `Procedure.search_text` in step with name, code and field.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from app.audit.services import audit_record
from app.catalogue.search import search_text_for
from app.catalogue.tables import (
    AuthorityLevel,
    CopyKind,
    Procedure,
    ProcedureComponent,
    ServiceLevel,
)
from app.db import write_transaction
from app.errors import NotFoundError, ValidationError
from app.web.i18n import N_
from app.web.sessions import CurrentUser

CODE_RE = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")
DIGITS_RE = re.compile(r"^[0-9]{1,12}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CODE, MAX_NAME, MAX_FIELD, MAX_FEE_NOTE, MAX_DESCRIPTION = 40, 500, 255, 2000, 5000
MAX_COMPONENTS, MAX_COMPONENT_NOTE, MAX_COUNT, MAX_POSITION = 40, 1000, 20, 99
MAX_DAYS, MAX_FEE = 365, 1_000_000_000
MAX_ID = 2_147_483_647
TRUE_WORDS = {"1", "on", "true", "yes", "y"}


class CatalogueAction:
    created = "procedure_created"
    edited = "procedure_edited"
    retired = "procedure_retired"
    unretired = "procedure_unretired"


E_CODE_MISSING = N_("Enter the procedure code.")
E_CODE_FORMAT = N_(
    "The code must look like 1.001193, or 1.001193.000.00.00.H26 with the province suffix."
)
E_CODE_TAKEN = N_("Another procedure already has this code.")
E_NAME_MISSING = N_("Enter the name of the procedure.")
E_NAME_LONG = N_("The name must be at most 500 characters.")
E_FIELD_MISSING = N_("Enter the field of the procedure, for example Civil status.")
E_FIELD_LONG = N_("The field must be at most 255 characters.")
E_AUTHORITY = N_("Choose the level of the authority that decides.")
E_SERVICE = N_("Choose how much of the procedure can be done online.")
E_DAYS = N_("Enter the processing time as a whole number of working days from 0 to 365.")
E_FEE = N_("Enter the fee as a whole number of đồng, for example 100000. Enter 0 if it is free.")
E_FEE_NOTE_LONG = N_("The fee note must be at most 2000 characters.")
E_DESCRIPTION_LONG = N_("The description must be at most 5000 characters.")
E_NO_COMPONENTS = N_("Add at least one document the citizen must provide.")
E_TOO_MANY = N_("A procedure can have at most 40 documents.")
E_COMPONENT_NAME = N_("Enter the name of the document.")
E_COMPONENT_NAME_LONG = N_("The document name must be at most 500 characters.")
E_COPY_KIND = N_("Choose the kind of copy.")
E_COUNT = N_("Enter the number of copies, from 1 to 20.")
E_POSITION = N_("Enter the order as a number from 1 to 99, or leave it empty.")
E_NOTE_LONG = N_("The note must be at most 1000 characters.")


@dataclass(frozen=True, slots=True)
class ComponentInput:
    name: str
    copy_kind: str
    copies: int
    mandatory: bool
    note: str
    is_greyscale: bool
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ProcedureInput:
    code: str
    name: str
    field: str
    authority_level: str
    service_level: str
    processing_days: int
    fee_amount: int
    fee_note: str
    agent_allowed: bool
    description: str
    components: tuple[ComponentInput, ...]

    @property
    def search_text(self) -> str:
        return search_text_for(code=self.code, name=self.name, field=self.field)

    def columns(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "search_text": self.search_text,
            "field": self.field,
            "authority_level": self.authority_level,
            "service_level": self.service_level,
            "processing_days": self.processing_days,
            "fee_amount": self.fee_amount,
            "fee_note": self.fee_note,
            "agent_allowed": self.agent_allowed,
            "description": self.description,
        }


def _text(value: Any, *, one_line: bool = True) -> str:
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else str(value or ""))
    text = CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return " ".join(text.split()) if one_line else text.strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


def _whole(value: Any, *, low: int, high: int, money: bool = False) -> int | None:
    """A whole number within bounds, or None. Money may carry thousand marks and a currency."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = _text(value).lower()
        if money:
            text = re.sub(r"[.,\s]", "", re.sub(r"(đồng|đ|₫|vnđ|vnd)$", "", text))
        if not DIGITS_RE.match(text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def _clean_component(raw: Mapping[str, Any], key: str, errors: dict[str, str]):
    """One document row, or None when the row is blank (no name and no note)."""
    name, note = _text(raw.get("name")), _text(raw.get("note"), one_line=False)
    if not name and not note:
        return None
    if not name:
        errors[f"c-{key}-name"] = E_COMPONENT_NAME
    elif len(name) > MAX_NAME:
        errors[f"c-{key}-name"] = E_COMPONENT_NAME_LONG
    copy_kind = _text(raw.get("copy_kind"))
    if copy_kind not in {k.value for k in CopyKind}:
        errors[f"c-{key}-copy_kind"] = E_COPY_KIND
    count = _whole(raw.get("count", 1), low=1, high=MAX_COUNT)
    if count is None:
        errors[f"c-{key}-count"] = E_COUNT
    position_raw = raw.get("position")
    position = MAX_POSITION + 1
    if _text(position_raw) != "":
        position = _whole(position_raw, low=1, high=MAX_POSITION)
        if position is None:
            errors[f"c-{key}-position"] = E_POSITION
    if len(note) > MAX_COMPONENT_NOTE:
        errors[f"c-{key}-note"] = E_NOTE_LONG
    raw_id = raw.get("id")
    component_id = _whole(raw_id, low=1, high=MAX_ID) if raw_id not in (None, "") else None
    component = ComponentInput(
        name=name,
        copy_kind=copy_kind,
        copies=count or 1,
        mandatory=_flag(raw.get("mandatory", True)),
        note=note,
        is_greyscale=_flag(raw.get("is_greyscale", True)),
        id=component_id,
    )
    return (position or MAX_POSITION + 1, component)


def procedure_clean(
    values: Mapping[str, Any], components: Sequence[Mapping[str, Any]]
) -> ProcedureInput:
    """Checks every field and document row; raises `ValidationError` listing all problems.

    `values` and each component may hold form strings or typed values. A component's `key`
    (default: its index) names its fields in the errors, e.g. `c-2-name`.
    """
    errors: dict[str, str] = {}
    code = _text(values.get("code")).upper()
    if not code:
        errors["code"] = E_CODE_MISSING
    elif len(code) > MAX_CODE or not CODE_RE.match(code):
        errors["code"] = E_CODE_FORMAT
    name = _text(values.get("name"))
    if not name:
        errors["name"] = E_NAME_MISSING
    elif len(name) > MAX_NAME:
        errors["name"] = E_NAME_LONG
    field = _text(values.get("field"))
    if not field:
        errors["field"] = E_FIELD_MISSING
    elif len(field) > MAX_FIELD:
        errors["field"] = E_FIELD_LONG
    authority_level = _text(values.get("authority_level"))
    if authority_level not in {a.value for a in AuthorityLevel}:
        errors["authority_level"] = E_AUTHORITY
    service_level = _text(values.get("service_level"))
    if service_level not in {s.value for s in ServiceLevel}:
        errors["service_level"] = E_SERVICE
    processing_days = _whole(values.get("processing_days"), low=0, high=MAX_DAYS)
    if processing_days is None:
        errors["processing_days"] = E_DAYS
    fee_amount = _whole(values.get("fee_amount", 0), low=0, high=MAX_FEE, money=True)
    if fee_amount is None:
        errors["fee_amount"] = E_FEE
    fee_note = _text(values.get("fee_note"), one_line=False)
    if len(fee_note) > MAX_FEE_NOTE:
        errors["fee_note"] = E_FEE_NOTE_LONG
    description = _text(values.get("description"), one_line=False)
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = E_DESCRIPTION_LONG
    ordered = []
    for index, raw in enumerate(components):
        cleaned = _clean_component(raw, str(raw.get("key", index)), errors)
        if cleaned is not None:
            ordered.append((cleaned[0], index, cleaned[1]))
    if not ordered:
        errors["components"] = E_NO_COMPONENTS
    elif len(ordered) > MAX_COMPONENTS:
        errors["components"] = E_TOO_MANY
    if errors:
        raise ValidationError(errors)
    ordered.sort(key=lambda item: (item[0], item[1]))
    return ProcedureInput(
        code=code,
        name=name,
        field=field,
        authority_level=authority_level,
        service_level=service_level,
        processing_days=processing_days or 0,
        fee_amount=fee_amount or 0,
        fee_note=fee_note,
        agent_allowed=_flag(values.get("agent_allowed", False)),
        description=description,
        components=tuple(item[2] for item in ordered),
    )


async def _code_taken(code: str, *, other_than: int | None = None) -> bool:
    query = Procedure.exists().where(Procedure.code == code)
    if other_than is not None:
        query = query.where(Procedure.id != other_than)
    return await query


def _component_columns(component: ComponentInput, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "name": component.name,
        "copy_kind": component.copy_kind,
        "copies": component.copies,
        "mandatory": component.mandatory,
        "note": component.note,
        "is_greyscale": component.is_greyscale,
    }


async def _insert_components(
    procedure_id: int, components: Sequence[tuple[int, ComponentInput]]
) -> None:
    rows = [
        ProcedureComponent(procedure=procedure_id, **_component_columns(component, position))
        for position, component in components
    ]
    if rows:
        await ProcedureComponent.insert(*rows)


async def _audit(action: str, procedure_id: int, code: str, actor: CurrentUser | None) -> None:
    await audit_record(
        action=action,
        actor_id=actor.id if actor else None,
        actor_label=actor.username if actor else "system",
        object_type="procedure",
        object_id=str(procedure_id),
        details={"code": code},
    )


def _code_taken_error() -> ValidationError:
    return ValidationError({"code": E_CODE_TAKEN})


async def procedure_create(
    *,
    values: Mapping[str, Any],
    components: Sequence[Mapping[str, Any]],
    actor: CurrentUser | None = None,
) -> int:
    """Adds a procedure and its documents; the code must be new."""
    data = procedure_clean(values, components)
    now = dt.datetime.now(dt.UTC)
    try:
        async with write_transaction(Procedure._meta.db):
            if await _code_taken(data.code):
                raise _code_taken_error()
            row = Procedure(created_at=now, updated_at=now, **data.columns())
            await row.save()
            await _insert_components(row.id, list(enumerate(data.components, start=1)))
            await _audit(CatalogueAction.created, row.id, data.code, actor)
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:  # a concurrent create won
        raise _code_taken_error() from exc
    return row.id


async def procedure_edit(
    *,
    procedure_id: int,
    values: Mapping[str, Any],
    components: Sequence[Mapping[str, Any]],
    actor: CurrentUser | None = None,
) -> None:
    """Saves the procedure and makes its documents exactly the given rows, in that order.

    Rows carrying the id of one of this procedure's documents update it; other rows are new.
    Documents left out are deleted, after detaching them from dossiers (which keep their own
    copy of the wording), so old dossiers are never touched.
    """
    data = procedure_clean(values, components)
    try:
        async with write_transaction(Procedure._meta.db):
            await _existing(procedure_id)
            if await _code_taken(data.code, other_than=procedure_id):
                raise _code_taken_error()
            await Procedure.update({**data.columns(), "updated_at": dt.datetime.now(dt.UTC)}).where(
                Procedure.id == procedure_id
            )
            await _sync_components(procedure_id, data.components)
            await _audit(CatalogueAction.edited, procedure_id, data.code, actor)
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:
        raise _code_taken_error() from exc


async def _existing(procedure_id: int) -> dict:
    row = None
    if isinstance(procedure_id, int) and 0 < procedure_id <= MAX_ID:
        row = (
            await Procedure.select(Procedure.id, Procedure.code, Procedure.is_retired)
            .where(Procedure.id == procedure_id)
            .first()
        )
    if row is None:
        raise NotFoundError(N_("This procedure is not in the catalogue."))
    return row


async def _sync_components(procedure_id: int, components: Sequence[ComponentInput]) -> None:
    from app.dossiers.tables import DossierComponent

    rows = await ProcedureComponent.select(ProcedureComponent.id).where(
        ProcedureComponent.procedure == procedure_id
    )
    existing = {r["id"] for r in rows}
    kept: set[int] = set()
    plan = []
    for position, component in enumerate(components, start=1):
        reuse = component.id in existing and component.id not in kept
        if reuse:
            kept.add(component.id)
        plan.append((position, component, reuse))
    dropped = list(existing - kept)
    if dropped:
        await DossierComponent.update({DossierComponent.procedure_component: None}).where(
            DossierComponent.procedure_component.is_in(dropped)
        )
        await ProcedureComponent.delete().where(ProcedureComponent.id.is_in(dropped))
    for position, component, reuse in plan:
        if reuse:
            await ProcedureComponent.update(_component_columns(component, position)).where(
                ProcedureComponent.id == component.id
            )
    await _insert_components(procedure_id, [(p, c) for p, c, reuse in plan if not reuse])


async def _set_retired(procedure_id: int, retired: bool, actor: CurrentUser | None) -> None:
    async with write_transaction(Procedure._meta.db):
        row = await _existing(procedure_id)
        if row["is_retired"] == retired:
            return
        now = dt.datetime.now(dt.UTC)
        await Procedure.update(
            {
                Procedure.is_retired: retired,
                Procedure.retired_at: now if retired else None,
                Procedure.updated_at: now,
            }
        ).where(Procedure.id == procedure_id)
        action = CatalogueAction.retired if retired else CatalogueAction.unretired
        await _audit(action, procedure_id, row["code"], actor)


async def procedure_retire(*, procedure_id: int, actor: CurrentUser | None = None) -> None:
    """No longer offered for new dossiers or in the agents' search; old dossiers keep it."""
    await _set_retired(procedure_id, True, actor)


async def procedure_unretire(*, procedure_id: int, actor: CurrentUser | None = None) -> None:
    """Offered again for new dossiers."""
    await _set_retired(procedure_id, False, actor)
