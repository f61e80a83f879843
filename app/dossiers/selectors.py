"""Reads about dossiers. Staff reads go through `scope_to_user`; citizen reads go through
the unguessable status token or the code-plus-phone lookup."""

from __future__ import annotations

import datetime as dt
import hmac

from litestar.exceptions import PermissionDeniedException
from piccolo.query.functions.aggregate import Count

from app.accounts.guards import CENTRE_ROLES
from app.accounts.tables import Role
from app.catalogue.tables import Procedure
from app.db import Sql, fetch, fetch_one, like_operator, like_pattern, table_columns
from app.dossiers.states import FINAL, S
from app.dossiers.tables import (
    Dossier,
    DossierComponent,
    PostalDelivery,
)
from app.errors import NotFoundError
from app.feedback.selectors import RATING_JOIN, RATING_SELECT, RATING_TYPES, pop_rating
from app.training.tables import AttendanceResult
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


def _scope_sql(user: CurrentUser, params: list) -> tuple[str, str]:
    """`scope_to_user` for a hand-written read over `dossier d`: a join and a condition."""
    if user.role in CENTRE_ROLES:
        return "", ""
    if user.role == Role.agent and user.point_id is not None:
        params.append(user.point_id)
        return "", f"d.point = ${len(params)}"
    if user.role == Role.point_manager and user.organisation_id is not None:
        params.append(user.organisation_id)
        return (
            " LEFT JOIN agent_point ap ON ap.id = d.point",
            f"ap.organisation = ${len(params)}",
        )
    raise PermissionDeniedException()


_LIST_SELECT = """SELECT d.id, d.reference, d.portal_code, d.status, d.due_date, d.created_at,
  d.finished_at, p.name AS procedure_name, a.full_name AS applicant_name
FROM dossier d
LEFT JOIN "procedure" p ON p.id = d."procedure"
LEFT JOIN applicant a ON a.id = d.applicant"""
_LIST_TYPES = {"due_date": "date", "created_at": "timestamptz", "finished_at": "timestamptz"}
_list_queries: dict[str, Sql] = {}


async def agent_dossiers(
    user: CurrentUser, *, status: str = "", q: str = "", period: str = "today", limit: int = 50
) -> list[dict]:
    """The dossiers of the user's point: today's by default, or all open ones, or overdue.
    The agent's home page: a hand-written read (one of a few shapes, each built once)."""
    params: list = []
    join, scope = _scope_sql(user, params)
    conditions = [scope] if scope else []
    today = today_local()
    if period == "today":
        params.append(_start_of_local_day(today))
        conditions.append(f"d.created_at >= ${len(params)}")
    elif period == "open":
        params.extend(FINAL_VALUES)
        marks = ", ".join(
            f"${len(params) - len(FINAL_VALUES) + i + 1}" for i in range(len(FINAL_VALUES))
        )
        conditions.append(f"d.status NOT IN ({marks})")
    elif period == "overdue":
        params.append(today)
        params.extend(OFFICE_HOLDS)
        first = len(params) - len(OFFICE_HOLDS)
        marks = ", ".join(f"${first + i + 1}" for i in range(len(OFFICE_HOLDS)))
        conditions.append(f"d.due_date < ${first} AND d.status IN ({marks})")
    if status in {s.value for s in S}:
        params.append(status)
        conditions.append(f"d.status = ${len(params)}")
    q = " ".join(q.split())[:100]
    if q:
        params.append(like_pattern(q))
        like = like_operator()
        n = len(params)
        conditions.append(
            f"(d.reference {like} ${n} OR d.portal_code {like} ${n} OR a.full_name {like} ${n})"
        )
    params.append(limit)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    text = f"{_LIST_SELECT}{join}{where} ORDER BY d.created_at DESC LIMIT ${len(params)}"
    query = _list_queries.get(text)
    if query is None:
        query = _list_queries[text] = Sql(text, types=_LIST_TYPES)
    return with_overdue(await fetch(query, *params), today)


# The point and whether the agent has passed a training session, in the same read (the home
# page is the agent's most requested page; a second, query-built read cost a fifth of it).
HOME_POINT_SQL = Sql(
    """SELECT ap.id, ap.code, ap.name, ap.district,
  EXISTS (SELECT 1 FROM training_attendance t WHERE t.staff = $2 AND t.result = $3) AS trained
FROM agent_point ap WHERE ap.id = $1""",
    types={"trained": "bool"},
)


async def home_point(user: CurrentUser) -> dict:
    """The agent's own point, for the head of their home page, with `trained`: whether the
    agent has passed a training session (see app.training.selectors.trained_staff_ids)."""
    row = None
    if user.point_id is not None:
        row = await fetch_one(HOME_POINT_SQL, user.point_id, user.id, AttendanceResult.passed.value)
    if row is None:
        raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
    return row


# The dossier page's reads, written once (Piccolo built the joined select in ~1 ms, a tenth
# of a loaded server's time went there): the dossier with its procedure, point, agent and
# applicant; then its components, timeline and postal delivery.
_DOSSIER_COLUMNS, _DOSSIER_TYPES = table_columns(Dossier, "d")
APPLICANT_FIELDS = (
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
_DETAIL_SELECT = f"""SELECT {_DOSSIER_COLUMNS},
  p.code AS procedure_code, p.name AS procedure_name, p.processing_days AS processing_days,
  p.fee_amount AS fee_amount, pt.name AS point_name, pt.code AS point_code,
  pt.address AS point_address, pt.district AS point_district, u.full_name AS agent_name,
  {", ".join(f'a."{name}" AS "{name}"' for name in APPLICANT_FIELDS)}, {RATING_SELECT}
FROM dossier d
LEFT JOIN "procedure" p ON p.id = d."procedure"
LEFT JOIN agent_point pt ON pt.id = d.point
LEFT JOIN staff_user u ON u.id = d.agent
LEFT JOIN applicant a ON a.id = d.applicant
{RATING_JOIN}"""
_DETAIL_TYPES = {
    **_DOSSIER_TYPES,
    "date_of_birth": "date",
    "id_issue_date": "date",
    **RATING_TYPES,
}
_detail_queries: dict[str, Sql] = {}

_COMPONENT_COLUMNS, _COMPONENT_TYPES = table_columns(DossierComponent, "c")
COMPONENTS_SQL = Sql(
    f"SELECT {_COMPONENT_COLUMNS} FROM dossier_component c WHERE c.dossier = $1"
    " ORDER BY c.position",
    types=_COMPONENT_TYPES,
)
TIMELINE_SQL = Sql(
    """SELECT e.at, e.from_status, e.to_status, e.actor_kind, e.reason, u.full_name AS actor_name
FROM dossier_event e LEFT JOIN staff_user u ON u.id = e.actor
WHERE e.dossier = $1 ORDER BY e.at, e.id""",
    types={"at": "timestamptz"},
)
_DELIVERY_COLUMNS, _DELIVERY_TYPES = table_columns(PostalDelivery, "pd")
DELIVERY_SQL = Sql(
    f"SELECT {_DELIVERY_COLUMNS} FROM postal_delivery pd WHERE pd.dossier = $1 LIMIT 1",
    types=_DELIVERY_TYPES,
)


async def _children(dossier_id: int) -> dict:
    return {
        "components": await fetch(COMPONENTS_SQL, dossier_id),
        "events": await fetch(TIMELINE_SQL, dossier_id),
        "delivery": await fetch_one(DELIVERY_SQL, dossier_id),
    }


async def dossier_detail(user: CurrentUser, dossier_id: int) -> dict:
    params: list = [dossier_id]
    join, scope = _scope_sql(user, params)
    text = f"{_DETAIL_SELECT}{join} WHERE d.id = $1{f' AND {scope}' if scope else ''}"
    query = _detail_queries.get(text)
    if query is None:
        query = _detail_queries[text] = Sql(text, types=_DETAIL_TYPES)
    row = await fetch_one(query, *params)
    if row is None:
        raise NotFoundError(N_("This dossier does not exist or is not yours to see."))
    row["rating"] = pop_rating(row)
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
