"""Reads of the holiday table for the administrators' page."""

from __future__ import annotations

import datetime as dt

from app.workdays.tables import Holiday


async def holidays_in_year(year: int) -> list[dict]:
    """Every row of `year`, in date order."""
    return await (
        Holiday.select(
            Holiday.id,
            Holiday.day,
            Holiday.name,
            Holiday.is_compensatory,
            Holiday.is_working_weekend,
        )
        .where((Holiday.day >= dt.date(year, 1, 1)) & (Holiday.day <= dt.date(year, 12, 31)))
        .order_by(Holiday.day)
    )


async def holiday_years() -> list[int]:
    """The years the table has rows for, ascending."""
    return sorted({row["day"].year for row in await Holiday.select(Holiday.day)})
