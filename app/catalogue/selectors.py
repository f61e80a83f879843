"""Reads of the procedure catalogue: agent search, a procedure with its documents, admin lists."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.search import fold, query_words, rank
from app.catalogue.tables import Procedure, ProcedureComponent
from app.errors import NotFoundError
from app.web.i18n import N_

SEARCH_LIMIT = 25
BROWSE_LIMIT = 50
ADMIN_LIMIT = 200
MATCH_CAP = 500
MAX_ID = 2_147_483_647  # INTEGER on PostgreSQL; larger ids cannot exist
STATUS_CURRENT, STATUS_RETIRED, STATUS_ALL = "current", "retired", "all"
STATUSES = (STATUS_CURRENT, STATUS_RETIRED, STATUS_ALL)

RESULT_COLUMNS = (
    Procedure.id,
    Procedure.code,
    Procedure.name,
    Procedure.field,
    Procedure.authority_level,
    Procedure.service_level,
    Procedure.processing_days,
    Procedure.fee_amount,
    Procedure.agent_allowed,
    Procedure.is_retired,
)
COMPONENT_COLUMNS = (
    ProcedureComponent.id,
    ProcedureComponent.position,
    ProcedureComponent.name,
    ProcedureComponent.copy_kind,
    ProcedureComponent.copies,
    ProcedureComponent.mandatory,
    ProcedureComponent.note,
    ProcedureComponent.is_greyscale,
)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    rows: list[dict]
    total: int  # matches found (capped at MATCH_CAP)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _valid_id(procedure_id: int) -> bool:
    return isinstance(procedure_id, int) and 0 < procedure_id <= MAX_ID


async def procedure_search(
    query: str, *, status: str = STATUS_CURRENT, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """Procedures whose folded name, code or field contain every typed word, best first.

    Agents search the current procedures only; the admin list can ask for retired ones or all.
    With no words, the first procedures by name are listed so the page is never empty.
    """
    words = query_words(query)
    select = Procedure.select(*RESULT_COLUMNS)
    if status == STATUS_CURRENT:
        select = select.where(Procedure.is_retired.eq(False))
    elif status == STATUS_RETIRED:
        select = select.where(Procedure.is_retired.eq(True))
    for word in words:
        select = select.where(Procedure.search_text.like(f"%{word}%"))
    if not words:  # search_text starts with the folded name: alphabetical, accents ignored
        rows = await select.order_by(Procedure.search_text).order_by(Procedure.id).limit(limit + 1)
        return SearchResult(query=query, rows=rows[:limit], total=len(rows))
    rows = await select.order_by(Procedure.search_text).limit(MATCH_CAP)
    rows.sort(key=lambda r: _ranking(query, r))
    return SearchResult(query=query, rows=rows[:limit], total=len(rows))


def _ranking(query: str, row: dict) -> tuple:
    folded_name = fold(row["name"])
    return (rank(query=query, code=row["code"], name=row["name"]), len(folded_name), folded_name)


async def procedure_detail(procedure_id: int) -> dict:
    """One procedure with its documents in order; retired ones stay readable."""
    row = None
    if _valid_id(procedure_id):
        row = (
            await Procedure.select(
                *RESULT_COLUMNS,
                Procedure.fee_note,
                Procedure.description,
                Procedure.retired_at,
                Procedure.updated_at,
            )
            .where(Procedure.id == procedure_id)
            .first()
        )
    if row is None:
        raise NotFoundError(N_("This procedure is not in the catalogue."))
    row["components"] = await procedure_components(procedure_id)
    return row


async def procedure_components(procedure_id: int) -> list[dict]:
    return (
        await ProcedureComponent.select(*COMPONENT_COLUMNS)
        .where(ProcedureComponent.procedure == procedure_id)
        .order_by(ProcedureComponent.position)
        .order_by(ProcedureComponent.id)
    )


async def procedure_fields() -> list[str]:
    """The fields (lĩnh vực) already used, for suggestions in the admin form."""
    rows = await Procedure.select(Procedure.field).distinct().order_by(Procedure.field)
    return [r["field"] for r in rows if r["field"]]


async def procedure_dossier_count(procedure_id: int) -> int:
    from app.dossiers.tables import Dossier

    return await Dossier.count().where(Dossier.procedure == procedure_id)
