"""Maintaining the holiday table: validation, upsert by day, delete, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from app.audit.tables import AuditEvent
from app.errors import NotFoundError, ValidationError
from app.workdays import services
from app.workdays.seed import HOLIDAYS_2026, holidays_seed
from app.workdays.selectors import holiday_years, holidays_in_year
from app.workdays.tables import Holiday
from tests import factories

D = dt.date


async def test_upsert_creates_then_replaces_by_day():
    admin = await factories.user(role="admin")
    first = await services.holiday_upsert(day=D(2026, 11, 24), name="  Ngày Văn hóa  Việt Nam ")
    again = await services.holiday_upsert(
        day=D(2026, 11, 24), name="Ngày Văn hóa Việt Nam (24/11)", actor_id=admin
    )
    assert first == again
    rows = await Holiday.select().where(Holiday.day == D(2026, 11, 24))
    assert len(rows) == 1
    assert rows[0]["name"] == "Ngày Văn hóa Việt Nam (24/11)"
    events = (
        await AuditEvent.select()
        .where(AuditEvent.object_type == "holiday")
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    assert [e["action"] for e in events] == ["holiday_saved", "holiday_saved"]
    assert events[0]["details"]["created"] is True and events[1]["details"]["created"] is False
    assert events[1]["actor"] == admin


async def test_a_working_weekend_must_be_a_saturday_or_sunday():
    with pytest.raises(ValidationError) as info:
        await services.holiday_upsert(day=D(2026, 3, 4), name="Làm bù", is_working_weekend=True)
    assert info.value.errors == {"day": services.MSG_NOT_WEEKEND}
    saturday = await services.holiday_upsert(
        day=D(2026, 3, 7), name="Làm bù", is_working_weekend=True
    )
    assert saturday
    assert await services.is_working_day(D(2026, 3, 7))


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"day": D(2026, 3, 4), "name": "  "}, {"name": services.MSG_NAME_REQUIRED}),
        ({"day": D(2026, 3, 4), "name": "x" * 256}, {"name": services.MSG_NAME_TOO_LONG}),
        ({"day": D(1999, 12, 31), "name": "Cũ"}, {"day": services.MSG_DAY_RANGE}),
        (
            {
                "day": D(2026, 3, 7),
                "name": "Sai",
                "is_compensatory": True,
                "is_working_weekend": True,
            },
            {"kind": services.MSG_BOTH_FLAGS},
        ),
    ],
)
async def test_upsert_validation(kwargs, errors):
    with pytest.raises(ValidationError) as info:
        await services.holiday_upsert(**kwargs)
    assert info.value.errors == errors
    assert await Holiday.count() == 0


async def test_delete_removes_one_row_and_is_audited():
    holiday_id = await services.holiday_upsert(day=D(2026, 3, 4), name="Nghỉ")
    assert await services.holiday_delete(holiday_id=holiday_id) == D(2026, 3, 4)
    assert await Holiday.count() == 0
    assert await AuditEvent.exists().where(AuditEvent.action == "holiday_deleted")
    with pytest.raises(NotFoundError):
        await services.holiday_delete(holiday_id=holiday_id)


async def test_selectors_list_a_year_in_order():
    await holidays_seed()
    rows = await holidays_in_year(2026)
    assert [r["day"] for r in rows] == sorted(h.day for h in HOLIDAYS_2026)
    assert rows[0]["name"] == "Tết Dương lịch"
    assert await holiday_years() == [2025, 2026, 2027]
    assert await holidays_in_year(2030) == []
