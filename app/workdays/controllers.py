"""The administrators' page for the holiday table that working-day deadlines are counted from."""

from __future__ import annotations

import datetime as dt
import re

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.errors import ValidationError
from app.web.forms import read_form
from app.web.i18n import N_, VN_TZ
from app.workdays import selectors, services

HOLIDAYS_PAGE = "/quan-tri/ngay-nghi"
ADMIN = [requires_role(Role.admin.value)]
KINDS = ("holiday", "compensatory", "working_weekend")
MSG_DATE = N_("Enter the date as dd/mm/yyyy.")
MSG_KIND = N_("Choose the kind of day.")
_YEAR = re.compile(r"[0-9]{4}")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_VN_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _this_year() -> int:
    return dt.datetime.now(VN_TZ).year


def _year(raw: str) -> int:
    year = int(raw) if _YEAR.fullmatch(raw) else _this_year()
    return year if services.FIRST_YEAR <= year <= services.LAST_YEAR else _this_year()


def _day(raw: str) -> dt.date | None:
    """The browser's date picker sends yyyy-mm-dd; typed by hand it is dd/mm/yyyy."""
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


async def _page(
    *,
    year: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    notice_day: dt.date | None = None,
    status: int = 200,
) -> Template:
    years = sorted({*await selectors.holiday_years(), year, _this_year(), _this_year() + 1})
    return Template(
        template_name="workdays/holidays.html",
        context={
            "year": year,
            "years": years,
            "rows": await selectors.holidays_in_year(year),
            "values": values or {"day": "", "name": "", "kind": "holiday"},
            "errors": errors or {},
            "notice": notice,
            "notice_day": notice_day,
        },
        status_code=status,
    )


@get(HOLIDAYS_PAGE, guards=ADMIN)
async def holidays_page(request: Request) -> Response:
    params = request.query_params
    notice_day = _day(params.get("ngay", ""))
    notice = params.get("da", "") if notice_day and params.get("da") in ("luu", "xoa") else ""
    return await _page(year=_year(params.get("nam", "")), notice=notice, notice_day=notice_day)


@post(HOLIDAYS_PAGE, guards=ADMIN)
async def holiday_save(request: Request) -> Response:
    form = await read_form(request)
    values = {key: form.get(key, "")[:300] for key in ("day", "name", "kind")}
    day = _day(values["day"])
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = MSG_DATE
    if values["kind"] not in KINDS:
        errors["kind"] = MSG_KIND
    if not errors:
        try:
            await services.holiday_upsert(
                day=day,
                name=values["name"],
                is_compensatory=values["kind"] == "compensatory",
                is_working_weekend=values["kind"] == "working_weekend",
                actor_id=request.scope["user"].id,
            )
        except ValidationError as exc:
            errors = exc.errors
    if errors:
        year = day.year if day else _year(form.get("nam", ""))
        return await _page(year=year, values=values, errors=errors, status=422)
    return Redirect(
        path=f"{HOLIDAYS_PAGE}?nam={day.year}&da=luu&ngay={day.isoformat()}", status_code=303
    )


@post(HOLIDAYS_PAGE + "/{holiday_id:int}/xoa", guards=ADMIN)
async def holiday_remove(request: Request, holiday_id: FromPath[int]) -> Response:
    day = await services.holiday_delete(holiday_id=holiday_id, actor_id=request.scope["user"].id)
    return Redirect(
        path=f"{HOLIDAYS_PAGE}?nam={day.year}&da=xoa&ngay={day.isoformat()}", status_code=303
    )


ROUTES: list = [holidays_page, holiday_save, holiday_remove]
