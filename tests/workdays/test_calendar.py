"""Working-day arithmetic on the seeded holidays of 2025–2027."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from app.workdays import services
from app.workdays.seed import HOLIDAYS, holidays_seed
from app.workdays.services import (
    WorkCalendar,
    add_working_days,
    due_date_for,
    is_working_day,
    load_calendar,
    working_days_between,
)
from app.workdays.tables import Holiday

D = dt.date
VN = dt.timezone(dt.timedelta(hours=7))


def hanoi(*args: int) -> dt.datetime:
    """A moment given in Hanoi time, handed over in UTC as the database stores it."""
    return dt.datetime(*args, tzinfo=VN).astimezone(dt.UTC)


@pytest.fixture
async def seeded():
    assert await holidays_seed() == len(HOLIDAYS)


@pytest.fixture
async def calendar(seeded) -> WorkCalendar:
    return await load_calendar()


# --- the seed -----------------------------------------------------------------------------


async def test_the_seed_is_idempotent_and_keeps_corrections():
    assert await holidays_seed() == len(HOLIDAYS)
    assert await holidays_seed() == 0
    assert await Holiday.count() == len(HOLIDAYS)
    await Holiday.update({Holiday.name: "Tết (đã sửa)"}).where(Holiday.day == D(2026, 2, 16))
    await Holiday.delete().where(Holiday.day == D(2026, 2, 17))
    assert await holidays_seed() == 1
    assert await Holiday.count() == len(HOLIDAYS)
    row = await Holiday.select(Holiday.name).where(Holiday.day == D(2026, 2, 16)).first()
    assert row["name"] == "Tết (đã sửa)"


def test_the_seed_data_is_consistent():
    days = [h.day for h in HOLIDAYS]
    assert len(days) == len(set(days)), "a day is listed twice"
    for h in HOLIDAYS:
        assert h.name.strip()
        assert not (h.is_compensatory and h.is_working_weekend)
        if h.is_working_weekend:
            assert h.day.weekday() >= 5, h
        if h.is_compensatory:
            assert h.day.weekday() < 5, h
    by_day = {h.day: h for h in HOLIDAYS}
    for year in (2025, 2026, 2027):
        for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert D(year, month, day) in by_day, (year, month, day)
        swaps_off = [h for h in HOLIDAYS if h.day.year == year and "hoán đổi" in h.name]
        swaps_on = [h for h in HOLIDAYS if h.day.year == year and h.is_working_weekend]
        assert len(swaps_off) == len(swaps_on), year
    tet_weekdays = {
        year: sorted(
            h.day
            for h in HOLIDAYS
            if h.day.year == year and "Tết Nguyên đán" in h.name and h.day.weekday() < 5
        )
        for year in (2025, 2026, 2027)
    }
    assert tet_weekdays[2025] == [D(2025, 1, d) for d in range(27, 32)]
    assert tet_weekdays[2026] == [D(2026, 2, d) for d in range(16, 21)]
    assert len(tet_weekdays[2027]) == 5


async def test_seeded_days_have_the_flags_of_their_kind(seeded):
    rows = {r["day"]: r for r in await Holiday.select()}
    assert rows[D(2026, 1, 10)]["is_working_weekend"] is True
    assert rows[D(2026, 4, 27)]["is_compensatory"] is True
    assert rows[D(2025, 4, 26)]["is_working_weekend"] is True
    assert rows[D(2025, 9, 1)]["is_compensatory"] is False


# --- is_working_day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 3), True),  # an ordinary Tuesday
        (D(2026, 3, 7), False),  # Saturday
        (D(2026, 3, 8), False),  # Sunday
        (D(2026, 1, 1), False),  # New Year
        (D(2026, 1, 2), False),  # Friday swapped for Saturday 10 Jan
        (D(2026, 1, 10), True),  # that working Saturday
        (D(2026, 2, 18), False),  # Tết
        (D(2026, 2, 23), True),  # back to work after Tết
        (D(2026, 4, 27), False),  # compensatory day for Hùng Kings' day on a Sunday
        (D(2025, 4, 26), True),  # working Saturday of 2025
        (D(2025, 5, 2), False),
        (D(2025, 9, 1), False),
        (D(2027, 5, 3), False),  # 1 May 2027 is a Saturday
    ],
)
async def test_is_working_day(seeded, day, expected):
    assert await is_working_day(day) is expected


# --- add_working_days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 3, 2), 1, D(2026, 3, 3)),  # Monday → Tuesday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Friday → Monday, over the weekend
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday
        (D(2026, 3, 2), 5, D(2026, 3, 9)),
        (D(2026, 3, 2), 10, D(2026, 3, 16)),
        (D(2026, 2, 13), 1, D(2026, 2, 23)),  # Tết 2026 in between
        (D(2026, 2, 12), 3, D(2026, 2, 24)),
        (D(2026, 4, 24), 1, D(2026, 4, 28)),  # Mon 27 Apr is the compensatory day
        (D(2026, 4, 29), 1, D(2026, 5, 4)),  # 30 Apr and 1 May
        (D(2026, 1, 9), 1, D(2026, 1, 10)),  # the working Saturday counts
        (D(2026, 1, 9), 2, D(2026, 1, 12)),
        (D(2025, 4, 25), 1, D(2025, 4, 26)),  # 2025's working Saturday
        (D(2025, 4, 29), 1, D(2025, 5, 5)),  # 30 Apr – 4 May 2025
        (D(2025, 1, 24), 1, D(2025, 2, 3)),  # Tết 2025
        (D(2025, 8, 29), 1, D(2025, 9, 3)),  # National Day 2025
        (D(2025, 12, 31), 1, D(2026, 1, 5)),  # year boundary: 1 Jan, swapped 2 Jan, weekend
        (D(2025, 12, 30), 2, D(2026, 1, 5)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # 1 Jan 2027 is a Friday
        (D(2027, 4, 29), 1, D(2027, 5, 4)),  # 30 Apr, weekend, compensatory 3 May
        (D(2026, 3, 3), 0, D(2026, 3, 3)),  # 0 days on a working day: the same day
        (D(2026, 3, 7), 0, D(2026, 3, 9)),  # 0 days on a Saturday: the next working day
        (D(2026, 2, 16), 0, D(2026, 2, 23)),  # 0 days during Tết
        (D(2026, 1, 10), 0, D(2026, 1, 10)),  # 0 days on the working Saturday
    ],
)
async def test_add_working_days(seeded, start, days, expected):
    assert await add_working_days(start, days) == expected


async def test_negative_or_absurd_day_counts_are_refused(seeded):
    with pytest.raises(ValueError):
        await add_working_days(D(2026, 3, 2), -1)
    with pytest.raises(ValueError):
        await add_working_days(D(2026, 3, 2), 100_000)


async def test_without_any_holiday_only_weekends_count_and_a_warning_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="app.workdays"):
        assert await add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 16)
    assert "beyond the holiday table" in caplog.text


async def test_no_warning_inside_the_seeded_years(seeded, caplog):
    with caplog.at_level(logging.WARNING, logger="app.workdays"):
        await add_working_days(D(2027, 12, 1), 10)
    assert "beyond the holiday table" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="app.workdays"):
        await add_working_days(D(2027, 12, 30), 5)
    assert "beyond the holiday table" in caplog.text


# --- working_days_between ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 3, 2), D(2026, 3, 2), 0),
        (D(2026, 3, 2), D(2026, 3, 3), 1),
        (D(2026, 3, 6), D(2026, 3, 9), 1),
        (D(2026, 3, 2), D(2026, 3, 9), 5),
        (D(2026, 2, 13), D(2026, 2, 23), 1),  # all of Tết is skipped
        (D(2026, 1, 9), D(2026, 1, 12), 2),  # the working Saturday counts
        (D(2025, 12, 31), D(2026, 1, 5), 1),
        (D(2026, 3, 9), D(2026, 3, 2), -5),
        (D(2026, 3, 7), D(2026, 3, 8), 0),  # a weekend alone
    ],
)
async def test_working_days_between(seeded, start, end, expected):
    assert await working_days_between(start, end) == expected


def test_between_is_the_inverse_of_add(calendar):
    start = D(2025, 1, 1)
    while start < D(2027, 12, 1):
        for n in (1, 2, 3, 5, 7, 15, 20):
            end = calendar.add_working_days(start, n)
            assert calendar.working_days_between(start, end) == n, (start, n)
            assert calendar.is_working_day(end)
            assert calendar.working_days_between(start, end - dt.timedelta(days=1)) == n - 1
        start += dt.timedelta(days=3)


def test_a_full_year_of_working_days(calendar):
    # 2026: 261 weekdays, minus 1 Jan, 2 Jan (swapped), 5 days of Tết, 27 Apr (compensatory),
    # 30 Apr, 1 May, 31 Aug (swapped), 1–2 Sep; plus the working Saturdays 10 Jan and 22 Aug.
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 261 - 13 + 2


# --- due_date_for --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        (hanoi(2026, 3, 2, 9, 0), 3, D(2026, 3, 5)),  # Monday morning
        (hanoi(2026, 3, 2, 16, 59), 3, D(2026, 3, 5)),
        (hanoi(2026, 3, 2, 17, 0), 3, D(2026, 3, 6)),  # at 17:00: counts from Tuesday
        (hanoi(2026, 3, 2, 22, 30), 3, D(2026, 3, 6)),
        (hanoi(2026, 3, 6, 17, 30), 1, D(2026, 3, 10)),  # Friday evening → Monday → Tuesday
        (hanoi(2026, 3, 7, 10, 0), 1, D(2026, 3, 10)),  # Saturday counts from Monday
        (hanoi(2026, 3, 8, 23, 59), 1, D(2026, 3, 10)),
        (hanoi(2026, 3, 9, 6, 30), 1, D(2026, 3, 10)),  # Sun 23:30 UTC is Monday morning here
        (hanoi(2026, 2, 18, 9, 0), 1, D(2026, 2, 24)),  # during Tết: from Mon 23 Feb
        (hanoi(2026, 2, 13, 17, 5), 2, D(2026, 2, 25)),  # after hours on the eve of Tết
        (hanoi(2026, 1, 10, 9, 0), 1, D(2026, 1, 12)),  # on the working Saturday morning
        (hanoi(2025, 12, 31, 8, 0), 2, D(2026, 1, 6)),  # across the new year
        (hanoi(2025, 12, 31, 18, 0), 0, D(2026, 1, 5)),
        (hanoi(2026, 3, 3, 10, 0), 0, D(2026, 3, 3)),  # 0 days: the same day
        (hanoi(2026, 3, 3, 17, 0), 0, D(2026, 3, 4)),
        (hanoi(2026, 4, 24, 15, 0), 15, D(2026, 5, 20)),
    ],
)
async def test_due_date_for(seeded, received, days, expected):
    assert received.tzinfo is dt.UTC
    assert await due_date_for(received, days) == expected


async def test_due_date_for_takes_a_naive_moment_as_utc(seeded):
    naive = dt.datetime(2026, 3, 2, 10, 0)  # 17:00 in Hanoi
    assert await due_date_for(naive, 1) == D(2026, 3, 4)
    assert await due_date_for(naive.replace(tzinfo=dt.UTC), 1) == D(2026, 3, 4)


# --- one query per call --------------------------------------------------------------------


@pytest.fixture
def count_queries(monkeypatch):
    engine_class = type(Holiday._meta.db)
    calls: list[str] = []
    original = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        calls.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return calls


async def test_each_call_reads_the_table_once(seeded, count_queries):
    await add_working_days(D(2025, 1, 2), 300)
    assert len(count_queries) == 1
    await due_date_for(hanoi(2026, 2, 13, 18, 0), 40)
    assert len(count_queries) == 2
    await working_days_between(D(2025, 1, 1), D(2027, 12, 31))
    assert len(count_queries) == 3
    await is_working_day(D(2026, 1, 10))
    assert len(count_queries) == 4


async def test_a_change_to_the_table_counts_at_once(seeded):
    assert await add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 3)
    await services.holiday_upsert(day=D(2026, 3, 3), name="Ngày nghỉ đột xuất")
    assert await add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 4)
    holiday_id = (await Holiday.select(Holiday.id).where(Holiday.day == D(2026, 3, 3)).first())[
        "id"
    ]
    await services.holiday_delete(holiday_id=holiday_id)
    assert await add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 3)
