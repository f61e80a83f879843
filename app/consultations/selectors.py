"""Reads for the consultation log, always scoped to the reader (managers and the Centre
see several points on one list, so each row names its point)."""

from __future__ import annotations

from app.accounts.guards import scope_to_user
from app.catalogue.tables import Procedure
from app.dossiers.tables import Consultation
from app.web.sessions import CurrentUser


async def consultation_list(user: CurrentUser, *, limit: int = 50) -> list[dict]:
    query = (
        Consultation.select(
            Consultation.id,
            Consultation.at,
            Consultation.topic,
            Consultation.outcome,
            Consultation.citizen_name,
            Consultation.notes,
            Consultation.procedure.name.as_alias("procedure_name"),
            Consultation.agent.full_name.as_alias("agent_name"),
            Consultation.point.name.as_alias("point_name"),
            Consultation.point.code.as_alias("point_code"),
        )
        .order_by(Consultation.at, ascending=False)
        .order_by(Consultation.id, ascending=False)
        .limit(limit)
    )
    return await scope_to_user(query, user, Consultation.point)


async def procedure_choices() -> list[dict]:
    """Procedures still in force, grouped by field for the form's select."""
    return (
        await Procedure.select(Procedure.id, Procedure.code, Procedure.name, Procedure.field)
        .where(Procedure.is_retired.eq(False))
        .order_by(Procedure.field)
        .order_by(Procedure.name)
    )
