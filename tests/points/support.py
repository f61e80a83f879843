"""Helpers for the points tests: territory seeded, a point with every criterion ticked."""

from __future__ import annotations

from app.accounts.selectors import current_user_by_id
from app.points.tables import AgentPoint
from app.territory.seed import territory_seed
from app.training.tables import TrainingAttendance, TrainingCourse, TrainingSession
from tests import factories

ALL_CRITERIA = {
    "has_premises": True,
    "has_computer": True,
    "has_scanner": True,
    "has_printer": True,
    "has_internet": True,
}


async def seeded() -> None:
    await territory_seed()


async def actor(role: str, **kw):
    return await current_user_by_id(await factories.user(role=role, **kw))


async def tick_all(point_id: int) -> None:
    await AgentPoint.update(ALL_CRITERIA).where(AgentPoint.id == point_id)


async def passed_training(staff_id: int, *, result: str = "passed", attended: bool = True) -> None:
    """Records `staff_id` in a fresh course's session with `result`."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    course = TrainingCourse(topic="Sử dụng Cổng DVC quốc gia", created_at=now)
    await course.save()
    session = TrainingSession(
        course=course.id,
        day=dt.date(2025, 1, 15),
        trainer="Cô Lan",
        place="Hội trường",
        created_at=now,
    )
    await session.save()
    await TrainingAttendance(
        key=f"{session.id}:{staff_id}",
        session=session.id,
        staff=staff_id,
        attended=attended,
        result=result,
        recorded_at=now,
    ).save()


POINT_FORM = {
    "code": "DL-GL-009",
    "name": "Điểm Bưu điện Trâu Quỳ",
    "district_code": "018",
    "commune_code": "00565",
    "address": "Số 9 phố Ngô Xuân Quảng",
    "latitude": "21.0180",
    "longitude": "105.9390",
    "opening_hours": "Thứ 2 – Thứ 6: 7:30–17:00",
    "phone": "024 3876 5432",
    "phase": "2",
}
