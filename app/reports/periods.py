"""Report periods (a quarter, a month or a range of days in Vietnam time) and the report's
filters, read from the query string.

A period is a half-open interval of instants [start, end): `start` is local midnight of its
first day and `end` local midnight after its last day, both converted to UTC here in Python,
so that "in the period" is a plain comparison of stored UTC timestamps in SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.web.i18n import N_, VN_TZ
from app.web.ids import row_id

QUARTER, MONTH, RANGE = "quy", "thang", "khoang"
KINDS = (QUARTER, MONTH, RANGE)
FIRST_YEAR, LAST_YEAR = 2020, 2100
MAX_RANGE_DAYS = 731  # two years: longer comparisons belong in the yearly report
MAX_POINTS = 600  # ids named in one request (`diem`)
QUARTERS_OFFERED = 8
ROMAN = ("I", "II", "III", "IV")

MSG_QUARTER = N_("Choose a quarter from the list.")
MSG_MONTH = N_("Enter the month as mm/yyyy.")
MSG_DATE = N_("Enter the date as dd/mm/yyyy.")
MSG_ORDER = N_("The end date must be on or after the start date.")
MSG_TOO_LONG = N_("Choose at most two years of dates.")
MSG_FUTURE = N_("This period has not started yet.")
MSG_YEARS = N_("Choose a date from 2020 onwards.")
MSG_DISTRICT = N_("Choose a district from the list.")
MSG_PHASE = N_("Choose a phase from the list.")
MSG_POINTS = N_("Some of the chosen points do not exist.")

_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_VN_MONTH = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_VN_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which `day` begins in Vietnam."""
    return dt.datetime.combine(day, dt.time(), tzinfo=VN_TZ).astimezone(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:  # stored UTC read back naive
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ).date()


def today_local(now: dt.datetime | None = None) -> dt.date:
    return local_date(now or dt.datetime.now(dt.UTC))


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class Period:
    kind: str
    first_day: dt.date
    last_day: dt.date  # inclusive

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        first = dt.date(year, 3 * number - 2, 1)
        return cls(QUARTER, first, _month_end(year, 3 * number))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(MONTH, dt.date(year, month, 1), _month_end(year, month))

    @classmethod
    def days(cls, first: dt.date, last: dt.date) -> Period:
        return cls(RANGE, first, last)

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return local_midnight(self.last_day + dt.timedelta(days=1))

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """The instant the figures are counted at: the end, or now while the period runs."""
        return min(self.end, now)

    @property
    def quarter_number(self) -> int:
        return quarter_of(self.first_day)[1]

    @property
    def key(self) -> str:
        """A short name for file names: 2025-Q3, 2025-07 or 2025-07-01_2025-08-15."""
        if self.kind == QUARTER:
            return f"{self.first_day.year}-Q{self.quarter_number}"
        if self.kind == MONTH:
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    def months(self, until: dt.date | None = None) -> list[tuple[dt.date, dt.date]]:
        """(first day, last day) of the twelve calendar months ending with this period's last
        month (or the month of `until`, when earlier): the monthly trend."""
        last = min(self.last_day, until) if until else self.last_day
        year, month = last.year, last.month
        out = []
        for _ in range(12):
            out.append((dt.date(year, month, 1), _month_end(year, month)))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out[::-1]


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def current_quarter(today: dt.date) -> Period:
    return Period.quarter(*quarter_of(today))


def quarters_offered(today: dt.date, count: int = QUARTERS_OFFERED) -> list[Period]:
    """The current quarter and the ones before it, newest first."""
    year, number = quarter_of(today)
    out = []
    for _ in range(count):
        out.append(Period.quarter(year, number))
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return out


def parse_day(raw: str) -> dt.date | None:
    """yyyy-mm-dd (the browser's date picker) or dd/mm/yyyy (typed by hand)."""
    raw = raw.strip()
    try:
        if match := _ISO_DAY.fullmatch(raw):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _VN_DAY.fullmatch(raw):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def parse_month(raw: str) -> tuple[int, int] | None:
    raw = raw.strip()
    if match := _ISO_MONTH.fullmatch(raw):
        year, month = (int(g) for g in match.groups())
    elif match := _VN_MONTH.fullmatch(raw):
        month, year = (int(g) for g in match.groups())
    else:
        return None
    return (year, month) if 1 <= month <= 12 else None


@dataclass(frozen=True)
class Filters:
    """What one report covers: a period, and which points (the reader's scope narrowed by a
    district, a phase or chosen ids)."""

    period: Period
    district: str = ""
    phase: int | None = None
    point_ids: tuple[int, ...] = ()

    def query(self) -> list[tuple[str, str]]:
        """The query string that asks for this report again (links to the XLSX and print)."""
        p = self.period
        pairs = [("loai", p.kind)]
        if p.kind == QUARTER:
            pairs.append(("quy", p.key))
        elif p.kind == MONTH:
            pairs.append(("thang", p.key))
        else:
            pairs += [("tu", p.first_day.isoformat()), ("den", p.last_day.isoformat())]
        if self.district:
            pairs.append(("huyen", self.district))
        if self.phase is not None:
            pairs.append(("giai_doan", str(self.phase)))
        pairs += [("diem", str(i)) for i in self.point_ids]
        return pairs


@dataclass
class FilterForm:
    """The filter form as typed (re-shown on error) and the errors found."""

    values: dict[str, str]
    point_ids: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _text(params: Mapping[str, str], name: str, limit: int = 40) -> str:
    value = params.get(name, "")
    return value[:limit].replace("\x00", "") if isinstance(value, str) else ""


def _period(form: FilterForm, today: dt.date) -> Period | None:
    values, errors = form.values, form.errors
    kind = values["loai"]
    if kind == QUARTER:
        if not values["quy"]:
            return current_quarter(today)
        match = _QUARTER.fullmatch(values["quy"])
        if not match:
            errors["quy"] = MSG_QUARTER
            return None
        year, number = int(match.group(1)), int(match.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            errors["quy"] = MSG_QUARTER
            return None
        period = Period.quarter(year, number)
        field_name = "quy"
    elif kind == MONTH:
        parsed = parse_month(values["thang"])
        if parsed is None:
            errors["thang"] = MSG_MONTH
            return None
        if not FIRST_YEAR <= parsed[0] <= LAST_YEAR:
            errors["thang"] = MSG_YEARS
            return None
        period = Period.month(*parsed)
        field_name = "thang"
    else:
        first, last = parse_day(values["tu"]), parse_day(values["den"])
        if first is None:
            errors["tu"] = MSG_DATE
        if last is None:
            errors["den"] = MSG_DATE
        if first is None or last is None:
            return None
        if first.year < FIRST_YEAR or last.year > LAST_YEAR:
            errors["tu"] = MSG_YEARS
            return None
        if last < first:
            errors["den"] = MSG_ORDER
            return None
        if (last - first).days >= MAX_RANGE_DAYS:
            errors["den"] = MSG_TOO_LONG
            return None
        period = Period.days(first, last)
        field_name = "tu"
    if period.first_day > today:
        errors[field_name] = MSG_FUTURE
        return None
    return period


def read_filters(
    params: Mapping[str, str],
    point_ids: Sequence[str],
    *,
    districts: Sequence[str],
    phases: Sequence[int],
    today: dt.date,
) -> tuple[FilterForm, Filters | None]:
    """The filters named by the query string (`params` its first values, `point_ids` every
    `diem`); `districts` and `phases` are those of the points the reader may see. Nothing
    given means the current quarter over every point the reader sees."""
    kind = _text(params, "loai")
    values = {
        "loai": kind if kind in KINDS else QUARTER,
        "quy": _text(params, "quy"),
        "thang": _text(params, "thang"),
        "tu": _text(params, "tu"),
        "den": _text(params, "den"),
        "huyen": _text(params, "huyen", 100).strip(),
        "giai_doan": _text(params, "giai_doan").strip(),
    }
    form = FilterForm(values=values, point_ids=[str(p)[:12] for p in point_ids[:MAX_POINTS]])
    period = _period(form, today)
    if values["huyen"] and values["huyen"] not in districts:
        form.errors["huyen"] = MSG_DISTRICT
    phase = None
    if values["giai_doan"]:
        phase = row_id(values["giai_doan"])
        if phase is None or phase not in phases:
            form.errors["giai_doan"] = MSG_PHASE
    ids = [row_id(raw) for raw in point_ids]
    if None in ids or len(ids) > MAX_POINTS:
        form.errors["diem"] = MSG_POINTS
    if form.errors or period is None:
        return form, None
    chosen = tuple(sorted({i for i in ids if i is not None}))
    if values["loai"] == QUARTER:
        values["quy"] = period.key
    return form, Filters(period=period, district=values["huyen"], phase=phase, point_ids=chosen)
