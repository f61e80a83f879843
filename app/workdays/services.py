"""Working days for statutory time limits, and the writes that maintain the holiday table.

A working day is Monday–Friday, unless the Holiday table lists it as a day off, or a Saturday /
Sunday the table flags as a working day (đi làm bù). Every public function reads the table in
one query (only rows from the first date it needs); the table holds a few dozen rows a year,
so there is no cache to go stale across worker processes or after a direct SQL edit. A caller
with many dates to compute loads a `WorkCalendar` once with `load_calendar()`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from app.audit.services import audit_record
from app.db import write_transaction
from app.errors import NotFoundError, ValidationError
from app.web.i18n import N_, VN_TZ
from app.workdays.tables import Holiday

log = logging.getLogger("app.workdays")

OFFICE_CLOSES = dt.time(
    17, 0
)  # dossiers received at or after this local time count from the next working day
MAX_WORKING_DAYS = 2000  # about eight years: no statutory time limit comes close
NAME_MAX_LENGTH = 255
FIRST_YEAR, LAST_YEAR = 2000, 2100
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and working weekends already loaded: pure, synchronous arithmetic."""

    days_off: frozenset[dt.date] = frozenset()
    working_weekends: frozenset[dt.date] = frozenset()
    covered_until: dt.date | None = None  # 31 Dec of the last year the table has rows for

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The day on which `days` full working days after `start` have passed: the
        `days`-th working day after `start`. With 0: `start` itself if it is a working day,
        else the next working day."""
        if days < 0 or days > MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}: {days}")
        if days == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        day = start
        for _ in range(days):
            day = self.next_working_day(day)
        self._warn_if_uncovered(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days `d` with start < d <= end, so that
        `working_days_between(s, add_working_days(s, n)) == n` for n >= 1; negative when
        `end` is before `start` (e.g. how many working days early a result was)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count

    def reception_day(self, received_at: dt.datetime) -> dt.date:
        """The working day a dossier counts as received (see `due_date_for`)."""
        local = _as_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < OFFICE_CLOSES:
            return day
        return self.next_working_day(day)

    def due_date_for(self, received_at: dt.datetime, working_days: int) -> dt.date:
        return self.add_working_days(self.reception_day(received_at), working_days)

    def _warn_if_uncovered(self, day: dt.date) -> None:
        if self.covered_until is None or day > self.covered_until:
            log.warning("working days computed up to %s, beyond the holiday table", day)


def _as_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:  # the database stores UTC; a naive value is taken as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ)


async def load_calendar(since: dt.date | None = None, until: dt.date | None = None) -> WorkCalendar:
    """The holiday table in one query: rows from 1 January of `since`'s year (so the calendar
    knows which years the table covers) up to `until`, when given."""
    query = Holiday.select(Holiday.day, Holiday.is_working_weekend)
    if since is not None:
        query = query.where(Holiday.day >= dt.date(since.year, 1, 1))
    if until is not None:
        query = query.where(Holiday.day <= until)
    rows = await query
    days_off = frozenset(r["day"] for r in rows if not r["is_working_weekend"])
    working = frozenset(r["day"] for r in rows if r["is_working_weekend"])
    last = max((r["day"] for r in rows), default=None)
    return WorkCalendar(
        days_off=days_off,
        working_weekends=working,
        covered_until=dt.date(last.year, 12, 31) if last else None,
    )


async def is_working_day(day: dt.date) -> bool:
    return (await load_calendar(day, day)).is_working_day(day)


async def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (0: `start` if it is a working day, else the
    next working day)."""
    return (await load_calendar(start)).add_working_days(start, days)


async def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end; negative when end is before start."""
    low, high = min(start, end), max(start, end)
    return (await load_calendar(low, high)).working_days_between(start, end)


async def due_date_for(received_at: dt.datetime, working_days: int) -> dt.date:
    """The appointment date for the result of a dossier received at `received_at`.

    The rule implemented: `received_at` (UTC; a naive value is taken as UTC) is converted to
    Asia/Ho_Chi_Minh. A dossier received on a working day before 17:00 local time counts as
    received that day; one received at or after 17:00, or on a Saturday, Sunday or holiday,
    counts as received on the next working day. The due date is the `working_days`-th working
    day after that reception day (so 1 working day from a Monday morning is Tuesday), and the
    reception day itself when `working_days` is 0.
    """
    local_day = _as_local(received_at).date()
    return (await load_calendar(local_day)).due_date_for(received_at, working_days)


# --- maintaining the table -----------------------------------------------------------------

MSG_NAME_REQUIRED = N_("Enter the name of the holiday.")
MSG_NAME_TOO_LONG = N_("The name of the holiday is too long.")
MSG_DAY_RANGE = N_("Choose a date between 2000 and 2100.")
MSG_NOT_WEEKEND = N_("Only a Saturday or a Sunday can be made a working day.")
MSG_BOTH_FLAGS = N_("A day cannot be both a compensatory day off and a working day.")
MSG_NOT_FOUND = N_("This holiday is not in the list.")


async def holiday_upsert(
    *,
    day: dt.date,
    name: str,
    is_compensatory: bool = False,
    is_working_weekend: bool = False,
    actor_id: int | None = None,
) -> int:
    """Adds the day to the table, or replaces what the table says about it; returns its id."""
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["day"] = MSG_DAY_RANGE
    elif is_working_weekend and day.weekday() < 5:
        errors["day"] = MSG_NOT_WEEKEND
    if not name:
        errors["name"] = MSG_NAME_REQUIRED
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = MSG_NAME_TOO_LONG
    if is_compensatory and is_working_weekend:
        errors["kind"] = MSG_BOTH_FLAGS
    if errors:
        raise ValidationError(errors)
    values = {
        Holiday.name: name,
        Holiday.is_compensatory: is_compensatory,
        Holiday.is_working_weekend: is_working_weekend,
    }
    async with write_transaction(Holiday._meta.db):
        existing = await Holiday.select(Holiday.id).where(Holiday.day == day).first()
        if existing is None:
            row = Holiday(day=day, **{column._meta.name: value for column, value in values.items()})
            await row.save()
            holiday_id = row.id
        else:
            holiday_id = existing["id"]
            await Holiday.update(values).where(Holiday.id == holiday_id)
        await audit_record(
            action="holiday_saved",
            actor_id=actor_id,
            object_type="holiday",
            object_id=day.isoformat(),
            details={
                "name": name,
                "is_compensatory": is_compensatory,
                "is_working_weekend": is_working_weekend,
                "created": existing is None,
            },
        )
    return holiday_id


async def holiday_delete(*, holiday_id: int, actor_id: int | None = None) -> dt.date:
    """Removes one row; returns its day."""
    async with write_transaction(Holiday._meta.db):
        row = (
            await Holiday.select(Holiday.day, Holiday.name).where(Holiday.id == holiday_id).first()
        )
        if row is None:
            raise NotFoundError(MSG_NOT_FOUND)
        await Holiday.delete().where(Holiday.id == holiday_id)
        await audit_record(
            action="holiday_deleted",
            actor_id=actor_id,
            object_type="holiday",
            object_id=row["day"].isoformat(),
            details={"name": row["name"]},
        )
    return row["day"]
