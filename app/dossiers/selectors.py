"""Reads about dossiers. Staff reads go through `scope_to_user`; citizen reads go through
the unguessable status token or the code-plus-phone lookup."""

from __future__ import annotations

import datetime as dt
import hmac

from piccolo.query.functions.aggregate import Count

from app.accounts.guards import scope_to_user
from app.catalogue.tables import Procedure
from app.db import icontains
from app.dossiers.states import FINAL, S
from app.dossiers.tables import (
    Dossier,
    DossierComponent,
    DossierEvent,
    PostalDelivery,
)
from app.errors import NotFoundError
from app.web.i18n import N_, VN_TZ
from app.web.sessions import CurrentUser

FINAL_VALUES = [s.value for s in FINAL]
# Overdue only while the office itself holds the dossier: not while it waits for the citizen
# (documents, fees) and not once the result is ready.
OFFICE_HOLDS = [S.received.value, S.processing.value]
LIST_COLUMNS = (
    Dossier.id,
    Dossier.reference,
    Dossier.portal_code,
    Dossier.status,
    Dossier.due_date,
    Dossier.created_at,
    Dossier.finished_at,
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.applicant.full_name.as_alias("applicant_name"),
)


def today_local() -> dt.date:
    return dt.datetime.now(VN_TZ).date()


def _start_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=VN_TZ).astimezone(dt.UTC)


def with_overdue(rows: list[dict], today: dt.date) -> list[dict]:
    for row in rows:
        row["overdue"] = bool(
            row["due_date"] and row["due_date"] < today and row["status"] in OFFICE_HOLDS
        )
    return rows


def overdue_condition(today: dt.date):
    """The rows `with_overdue` marks overdue, as a query condition."""
    return (Dossier.due_date < today) & Dossier.status.is_in(OFFICE_HOLDS)


async def overdue_counts_by_point(today: dt.date) -> dict[int, int]:
    """How many overdue dossiers each point has (points with none are left out): one grouped
    query over every point, for the overdue alert and the supervision page."""
    rows = (
        await Dossier.select(Dossier.point, Count())
        .where(overdue_condition(today))
        .group_by(Dossier.point)
    )
    return {row["point"]: row["count"] for row in rows}


async def agent_dossiers(
    user: CurrentUser, *, status: str = "", q: str = "", period: str = "today", limit: int = 50
) -> list[dict]:
    """The dossiers of the user's point: today's by default, or all open ones, or overdue."""
    query = Dossier.select(*LIST_COLUMNS).order_by(Dossier.created_at, ascending=False)
    query = scope_to_user(query, user, Dossier.point)
    today = today_local()
    if period == "today":
        query = query.where(Dossier.created_at >= _start_of_local_day(today))
    elif period == "open":
        query = query.where(Dossier.status.not_in(FINAL_VALUES))
    elif period == "overdue":
        query = query.where(overdue_condition(today))
    if status in {s.value for s in S}:
        query = query.where(Dossier.status == status)
    q = " ".join(q.split())[:100]
    if q:
        query = query.where(
            icontains(Dossier.reference, q)
            | icontains(Dossier.portal_code, q)
            | icontains(Dossier.applicant.full_name, q)
        )
    return with_overdue(await query.limit(limit), today)


DETAIL_COLUMNS = (
    Dossier.all_columns(),
    Dossier.procedure.code.as_alias("procedure_code"),
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.procedure.processing_days.as_alias("processing_days"),
    Dossier.procedure.fee_amount.as_alias("fee_amount"),
    Dossier.point.name.as_alias("point_name"),
    Dossier.point.code.as_alias("point_code"),
    Dossier.point.address.as_alias("point_address"),
    Dossier.point.district.as_alias("point_district"),
    Dossier.agent.full_name.as_alias("agent_name"),
    *(
        getattr(Dossier.applicant, name).as_alias(name)
        for name in (
            "full_name",
            "id_number",
            "old_id_number",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "commune_code",
            "address",
            "id_issue_date",
        )
    ),
)


async def _children(dossier_id: int) -> dict:
    components = (
        await DossierComponent.select()
        .where(DossierComponent.dossier == dossier_id)
        .order_by(DossierComponent.position)
    )
    events = (
        await DossierEvent.select(
            DossierEvent.at,
            DossierEvent.from_status,
            DossierEvent.to_status,
            DossierEvent.actor_kind,
            DossierEvent.reason,
            DossierEvent.actor.full_name.as_alias("actor_name"),
        )
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.at)
        .order_by(DossierEvent.id)
    )
    delivery = await PostalDelivery.select().where(PostalDelivery.dossier == dossier_id).first()
    return {"components": components, "events": events, "delivery": delivery}


async def dossier_detail(user: CurrentUser, dossier_id: int) -> dict:
    query = Dossier.select(*DETAIL_COLUMNS).where(Dossier.id == dossier_id)
    row = await scope_to_user(query, user, Dossier.point).first()
    if row is None:
        raise NotFoundError(N_("This dossier does not exist or is not yours to see."))
    row = with_overdue([row], today_local())[0]
    row.update(await _children(dossier_id))
    return row


async def token_for_lookup(code: str, phone_last4: str) -> str | None:
    """The status token when the code and the last 4 phone digits both match; None otherwise.
    The comparison of the digits is constant-time; any mismatch looks the same."""
    code = code.strip().upper()[:40]
    digits = "".join(ch for ch in phone_last4 if ch in "0123456789")
    row = None
    if code:
        row = (
            await Dossier.select(Dossier.status_token, Dossier.applicant.phone.as_alias("phone"))
            .where((Dossier.portal_code == code) | (Dossier.reference == code))
            .first()
        )
    expected = row["phone"][-4:] if row else "0000"  # compared even when no row matched
    matches = hmac.compare_digest(expected.encode(), digits.encode())
    return row["status_token"] if (row and matches) else None


async def procedure_for_intake(procedure_id: int) -> dict | None:
    row = (
        await Procedure.select(
            Procedure.id,
            Procedure.code,
            Procedure.name,
            Procedure.field,
            Procedure.processing_days,
            Procedure.fee_amount,
            Procedure.fee_note,
            Procedure.agent_allowed,
            Procedure.is_retired,
        )
        .where(Procedure.id == procedure_id)
        .first()
    )
    if row is None or row["is_retired"] or not row["agent_allowed"]:
        return None
    return row


async def procedure_components(procedure_id: int) -> list[dict]:
    from app.catalogue.tables import ProcedureComponent

    return (
        await ProcedureComponent.select()
        .where(ProcedureComponent.procedure == procedure_id)
        .order_by(ProcedureComponent.position)
    )
