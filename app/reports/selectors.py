"""The supervision report: one selector, `report_build`, computes every figure the dashboard,
the printable report and the XLSX show, so they cannot disagree.

Figures are counted per point by aggregate SQL (GROUP BY with conditional sums), a handful
of queries in one read transaction (one snapshot); districts and the total are those point
rows added up. Period membership compares stored UTC timestamps with bounds computed in
Python; the only date function is the local (Vietnam) date of a timestamp, one expression
per engine (`local_date_sql`). Working days come from a day-number calendar built from the
holiday table and joined as a CTE: the number of working days between two dates is the
difference of their day numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from app.accounts.guards import scope_to_user
from app.db import is_sqlite
from app.dossiers.tables import Channel, Dossier
from app.points.tables import AgentPoint, PointStatus
from app.reports.figures import Figures
from app.reports.periods import Filters, Period, local_date, local_midnight
from app.web.sessions import CurrentUser
from app.workdays.services import WorkCalendar

ONLINE_CHANNELS = (Channel.agent_point.value, Channel.online.value)
NOT_YET_APPROVED = (PointStatus.proposed.value, PointStatus.under_review.value)
OVERDUE_LIST_LIMIT = 30
LOCAL_DATE_SQL = {
    # Piccolo stores UTC as text 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00'. Vietnam has kept
    # UTC+7, without daylight saving, since 1975: before 17:00 UTC the local date is the UTC
    # date, from 17:00 the day after. Cutting the text needs no date parsing (SQLite's date()
    # is slow, and rounds fractions of a second, which would move 23:59:59.9999 a day on).
    "sqlite": (
        "(CASE WHEN substr({col}, 12, 2) < '17' THEN substr({col}, 1, 10)"
        " ELSE date(substr({col}, 1, 10), '+1 day') END)"
    ),
    "postgres": "(({col}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
}
# When a dossier stopped being in progress: resolved, or closed without a result (withdrawn,
# stopped, not accepted); "never" while it is open. Indexed exactly so (the migration
# "report indexes"): every report query narrows its dossiers with a range on it.
SETTLED_SQL = {
    "sqlite": "min(coalesce({t}.resolved_at, '9999'), coalesce({t}.finished_at, '9999'))",
    "postgres": "COALESCE(LEAST({t}.resolved_at, {t}.finished_at), 'infinity'::timestamptz)",
}


def _dialect(engine_type: str) -> str:
    return "postgres" if engine_type == "cockroach" else engine_type


def local_date_sql(engine_type: str, column: str) -> str:
    """SQL for the Vietnam calendar date of a UTC timestamp column."""
    return LOCAL_DATE_SQL[_dialect(engine_type)].format(col=column)


def settled_sql(engine_type: str, table: str = "d") -> str:
    return SETTLED_SQL[_dialect(engine_type)].format(t=table)


@dataclass
class PointRow:
    id: int
    code: str
    name: str
    district: str
    organisation: str
    phase: int
    status: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class DistrictRow:
    name: str
    points: int = 0
    figures: Figures = field(default_factory=Figures)


@dataclass
class MonthRow:
    first_day: dt.date
    received: int = 0
    received_online: int = 0

    @property
    def online_share(self) -> float | None:
        return self.received_online / self.received if self.received else None


@dataclass
class Report:
    filters: Filters
    cutoff: dt.datetime  # figures counted up to this instant (the end, or now)
    generated_at: dt.datetime
    points: list[PointRow]
    districts: list[DistrictRow]
    total: Figures
    months: list[MonthRow]
    overdue: list[dict]  # the first OVERDUE_LIST_LIMIT, oldest appointment first

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def is_running(self) -> bool:
        return self.cutoff < self.period.end

    @property
    def counted_until(self) -> dt.date:
        """The last day counted (today while the period runs)."""
        return local_date(self.cutoff - dt.timedelta(microseconds=1))

    @property
    def overdue_before(self) -> dt.date:
        """In progress is overdue when its appointment date is before this day: the day
        after the period (its appointments on the last day have passed too), or today."""
        return local_date(self.cutoff)


ONE_DAY = dt.timedelta(days=1)


# ---------------------------------------------------------------------------
# Which points


POINT_COLUMNS = (
    AgentPoint.id,
    AgentPoint.code,
    AgentPoint.name,
    AgentPoint.district,
    AgentPoint.phase,
    AgentPoint.status,
    AgentPoint.organisation.name.as_alias("organisation"),
)


async def points_in_scope(user: CurrentUser) -> list[dict]:
    """Every point the user may see: the Centre all, a point manager their organisation's
    (the report's routes refuse agents)."""
    query = (
        AgentPoint.select(*POINT_COLUMNS).order_by(AgentPoint.district).order_by(AgentPoint.code)
    )
    return await scope_to_user(query, user, AgentPoint.id)


def select_points(points: Sequence[dict], filters: Filters) -> list[dict]:
    chosen = set(filters.point_ids)
    return [
        p
        for p in points
        if (not filters.district or p["district"] == filters.district)
        and (filters.phase is None or p["phase"] == filters.phase)
        and (not chosen or p["id"] in chosen)
    ]


# ---------------------------------------------------------------------------
# SQL


_PARAM = re.compile(r"@([a-z_0-9]+)")


def _bind(template: str, **params) -> QueryString:
    """A QueryString from SQL naming its arguments `@name` (each use is its own placeholder,
    numbered in order of appearance as PostgreSQL wants)."""
    args: list = []

    def placeholder(match: re.Match) -> str:
        args.append(params[match.group(1)])
        return "{}"

    return QueryString(_PARAM.sub(placeholder, template), *args)


def _point_filter(column: str, point_ids: Sequence[int] | None) -> str:
    """`AND column IN (…)` for a chosen set of points; nothing when every point counts. The
    ids are integers read from the database, written as literals."""
    if point_ids is None:
        return ""
    ids = ",".join(str(int(i)) for i in point_ids) or "NULL"
    return f" AND {column} IN ({ids})"


ONLINE_SQL = ",".join(f"'{c}'" for c in ONLINE_CHANNELS)


async def _rows(engine: Engine, query: QueryString) -> list[dict]:
    return [dict(row) for row in await engine.run_querystring(query)]


async def _handling_counts(engine: Engine, report: Report, ids) -> list[dict]:
    """Per point: the periodic report's counts, over the dossiers in progress at some moment
    of the period (received before the cutoff, not settled before the start)."""
    resolved_day = local_date_sql(engine.engine_type, "d.resolved_at")
    settled = settled_sql(engine.engine_type)
    sql = f"""
        SELECT d.point AS point_id,
          SUM(CASE WHEN d.received_at < @start THEN 1 ELSE 0 END) AS carried_over,
          SUM(CASE WHEN d.received_at >= @start THEN 1 ELSE 0 END) AS received,
          SUM(CASE WHEN d.received_at >= @start AND d.channel IN ({ONLINE_SQL})
              THEN 1 ELSE 0 END) AS received_online,
          SUM(CASE WHEN d.resolved_at < @cutoff THEN 1 ELSE 0 END) AS resolved,
          SUM(CASE WHEN d.resolved_at < @cutoff AND {resolved_day} < d.due_date
              THEN 1 ELSE 0 END) AS resolved_early,
          SUM(CASE WHEN d.resolved_at < @cutoff AND {resolved_day} > d.due_date
              THEN 1 ELSE 0 END) AS resolved_late,
          SUM(CASE WHEN {settled} >= @cutoff THEN 1 ELSE 0 END) AS in_progress,
          SUM(CASE WHEN {settled} >= @cutoff AND d.due_date < @overdue_before
              THEN 1 ELSE 0 END) AS in_progress_overdue,
          SUM(CASE WHEN d.resolved_at IS NULL AND d.finished_at < @cutoff
              THEN 1 ELSE 0 END) AS closed,
          MIN(CASE WHEN d.resolved_at < @cutoff THEN d.received_at END) AS first_received
        FROM dossier d
        WHERE {settled} >= @start AND d.received_at < @cutoff{_point_filter("d.point", ids)}
        GROUP BY d.point
    """
    return await _rows(
        engine,
        _bind(
            sql,
            start=report.period.start,
            cutoff=report.cutoff,
            overdue_before=report.overdue_before,
        ),
    )


async def _calendar_values(engine: Engine, first: dt.date, last: dt.date) -> str:
    """VALUES rows (day, day number): the day number counts working days from `first`, so
    working days d with a < d <= b are number(b) - number(a)."""
    from app.workdays.tables import Holiday

    rows = await Holiday.select(Holiday.day, Holiday.is_working_weekend).where(
        (Holiday.day >= first) & (Holiday.day <= last)
    )
    calendar = WorkCalendar(
        days_off=frozenset(r["day"] for r in rows if not r["is_working_weekend"]),
        working_weekends=frozenset(r["day"] for r in rows if r["is_working_weekend"]),
    )
    literal = "DATE '{}'" if engine.engine_type != "sqlite" else "'{}'"
    values, number, day = [], 0, first
    while day <= last:
        number += calendar.is_working_day(day)
        values.append(f"({literal.format(day.isoformat())},{number})")
        day += ONE_DAY
    return ",".join(values)


async def _working_days(
    engine: Engine, report: Report, ids, earliest: dt.datetime | str | None
) -> list[dict]:
    """Per point, for dossiers resolved in the period: how many, and the sum of working days
    from the day received to the day resolved. `earliest`: the first time one of them was
    received (where the calendar must start)."""
    if earliest is None:
        return []
    if isinstance(earliest, str):  # SQLite's text
        earliest = dt.datetime.fromisoformat(earliest)
    values = await _calendar_values(engine, local_date(earliest), local_date(report.cutoff))
    received_day = local_date_sql(engine.engine_type, "d.received_at")
    resolved_day = local_date_sql(engine.engine_type, "d.resolved_at")
    # Resolved in the period implies settled from the start on (a result is handed over after
    # it is ready): the index's range, then the exact condition.
    sql = f"""
        WITH cal(day, n) AS (VALUES {values})
        SELECT d.point AS point_id, COUNT(*) AS working_days_count,
          SUM(cs.n - cr.n) AS working_days_sum
        FROM dossier d
        JOIN cal cr ON cr.day = {received_day}
        JOIN cal cs ON cs.day = {resolved_day}
        WHERE {settled_sql(engine.engine_type)} >= @start
          AND d.resolved_at >= @start AND d.resolved_at < @cutoff{_point_filter("d.point", ids)}
        GROUP BY d.point
    """
    return await _rows(engine, _bind(sql, start=report.period.start, cutoff=report.cutoff))


async def _quality_and_advice(engine: Engine, report: Report, ids) -> list[list[dict]]:
    bounds = {"start": report.period.start, "cutoff": report.cutoff}
    ratings = f"""
        SELECT r.point AS point_id, COUNT(*) AS ratings,
          SUM(CASE WHEN r.level = 'very_satisfied' THEN 1 ELSE 0 END) AS ratings_very_satisfied,
          SUM(CASE WHEN r.level = 'satisfied' THEN 1 ELSE 0 END) AS ratings_satisfied,
          SUM(CASE WHEN r.level = 'dissatisfied' THEN 1 ELSE 0 END) AS ratings_dissatisfied
        FROM satisfaction_rating r
        WHERE r.created_at >= @start AND r.created_at < @cutoff{_point_filter("r.point", ids)}
        GROUP BY r.point
    """
    checks = f"""
        SELECT c.point AS point_id, COUNT(*) AS checks, SUM(c.score) AS checks_score_sum
        FROM spot_check c
        WHERE c.status = 'completed' AND c.score IS NOT NULL
          AND c.completed_at >= @start AND c.completed_at < @cutoff
          {_point_filter("c.point", ids)}
        GROUP BY c.point
    """
    advice = f"""
        SELECT a.point AS point_id, COUNT(*) AS consultations
        FROM consultation a
        WHERE a.at >= @start AND a.at < @cutoff{_point_filter("a.point", ids)}
        GROUP BY a.point
    """
    return [await _rows(engine, _bind(sql, **bounds)) for sql in (ratings, checks, advice)]


async def _months(engine: Engine, report: Report, ids) -> list[MonthRow]:
    """Received and received online per month, over the twelve months ending with the
    period's last month: one range count per month (on the index of received_at)."""
    months = report.period.months(until=report.counted_until)
    params = {}
    branches = []
    for i, (first, last) in enumerate(months):
        params[f"from{i}"] = min(local_midnight(first), report.cutoff)
        params[f"to{i}"] = min(local_midnight(last + ONE_DAY), report.cutoff)
        branches.append(
            f"SELECT {i} AS bucket, COUNT(*) AS received,"
            f" SUM(CASE WHEN d.channel IN ({ONLINE_SQL}) THEN 1 ELSE 0 END) AS received_online"
            f" FROM dossier d WHERE d.received_at >= @from{i} AND d.received_at < @to{i}"
            f"{_point_filter('d.point', ids)}"
        )
    rows = {
        int(r["bucket"]): r
        for r in await _rows(engine, _bind(" UNION ALL ".join(branches), **params))
    }
    return [
        MonthRow(
            first_day=first,
            received=int(rows[i]["received"] or 0) if i in rows else 0,
            received_online=int(rows[i]["received_online"] or 0) if i in rows else 0,
        )
        for i, (first, _) in enumerate(months)
    ]


async def _overdue(engine: Engine, report: Report, ids) -> list[dict]:
    """The dossiers counted as in progress and overdue, oldest appointment first: the ids
    come from the index, the details for those few only."""
    settled = settled_sql(engine.engine_type)
    sql = f"""
        SELECT d.id, d.reference, d.portal_code, d.status, d.due_date, d.received_at,
          d.point AS point_id, pr.name AS procedure_name
        FROM dossier d JOIN procedure pr ON pr.id = d.procedure
        WHERE d.id IN (
          SELECT d.id FROM dossier d
          WHERE {settled} >= @cutoff AND d.received_at < @cutoff
            AND d.due_date < @overdue_before{_point_filter("d.point", ids)}
          ORDER BY d.due_date, d.id
          LIMIT {OVERDUE_LIST_LIMIT}
        )
        ORDER BY d.due_date, d.id
    """
    rows = await _rows(
        engine, _bind(sql, cutoff=report.cutoff, overdue_before=report.overdue_before)
    )
    for row in rows:
        if isinstance(row["due_date"], str):  # SQLite's text
            row["due_date"] = dt.date.fromisoformat(row["due_date"])
    return rows


# ---------------------------------------------------------------------------
# The report


@asynccontextmanager
async def _snapshot(engine: Engine) -> AsyncIterator[None]:
    """One read transaction, so every figure is counted from the same state of the data."""
    if engine.current_transaction.get() is not None:
        yield
        return
    async with engine.transaction():
        if not is_sqlite(engine):
            await engine.run_ddl("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _merge(target: Figures, row: dict) -> None:
    for name, value in row.items():
        if name != "point_id" and value is not None:
            setattr(target, name, type(getattr(target, name))(value))


async def report_build(
    filters: Filters,
    visible: Sequence[dict],
    *,
    every_point: bool = False,
    now: dt.datetime | None = None,
) -> Report:
    """The report for the points of `visible` (what the reader may see) that `filters`
    select. `every_point`: the reader sees every point and chose no subset, so the queries
    need no list of ids."""
    engine = Dossier._meta.db
    report, ids = _skeleton(filters, visible, every_point=every_point, now=now)
    by_id = {p.id: p for p in report.points}
    async with _snapshot(engine):
        counts = await _handling_counts(engine, report, ids)
        firsts = [r.pop("first_received") for r in counts]
        earliest = min((f for f in firsts if f is not None), default=None)
        results = [
            counts,
            await _working_days(engine, report, ids, earliest),
            *await _quality_and_advice(engine, report, ids),
        ]
        report.months = await _months(engine, report, ids)
        report.overdue = await _overdue(engine, report, ids)
    for rows in results:
        for row in rows:
            point = by_id.get(row["point_id"])
            if point is not None:
                _merge(point.figures, row)
    report.points = [
        p for p in report.points if p.status not in NOT_YET_APPROVED or not p.figures.is_empty()
    ]
    districts: dict[str, DistrictRow] = {}
    for point in report.points:
        district = districts.setdefault(point.district, DistrictRow(name=point.district))
        district.points += 1
        district.figures.add(point.figures)
        report.total.add(point.figures)
    report.districts = sorted(districts.values(), key=lambda d: d.name)
    _name_points(report.overdue, by_id)
    return report


async def overdue_build(
    filters: Filters,
    visible: Sequence[dict],
    *,
    every_point: bool = False,
    now: dt.datetime | None = None,
) -> Report:
    """The report's overdue list alone (`report.overdue`, the same rows `report_build` gives),
    without its figures: the dashboard loads the list when it is scrolled to."""
    report, ids = _skeleton(filters, visible, every_point=every_point, now=now)
    report.overdue = await _overdue(Dossier._meta.db, report, ids)
    _name_points(report.overdue, {p.id: p for p in report.points})
    return report


def _name_points(rows: list[dict], by_id: dict) -> None:
    for row in rows:
        point = by_id.get(row["point_id"])
        row["point_code"] = point.code if point else ""
        row["point_name"] = point.name if point else ""


def _skeleton(
    filters: Filters, visible: Sequence[dict], *, every_point: bool, now: dt.datetime | None
) -> tuple[Report, list[int] | None]:
    """An empty report of the chosen points, and the ids the queries filter on (None: every
    point, no filter needed)."""
    now = now or dt.datetime.now(dt.UTC)
    chosen = select_points(visible, filters)
    every_point = every_point and len(chosen) == len(visible)
    report = Report(
        filters=filters,
        cutoff=filters.period.cutoff(now),
        generated_at=now,
        points=[
            PointRow(
                id=p["id"],
                code=p["code"],
                name=p["name"],
                district=p["district"],
                organisation=p["organisation"] or "",
                phase=p["phase"],
                status=p["status"],
            )
            for p in chosen
        ],
        districts=[],
        total=Figures(),
        months=[],
        overdue=[],
    )
    return report, None if every_point else [p.id for p in report.points]
