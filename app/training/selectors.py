"""Reads about training: courses, sessions, attendance, and who counts as trained.

A staff member is trained once they have passed at least one session. A point's trained staff
are its active agents who are trained; the approval of a point counts them."""

from __future__ import annotations

from collections.abc import Iterable

from app.accounts.tables import Role, User
from app.errors import NotFoundError
from app.points.tables import AgentPoint
from app.training.tables import (
    AttendanceResult,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)
from app.web.i18n import N_


async def trained_staff_ids(staff_ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(staff_ids))
    if not wanted:
        return set()
    rows = (
        await TrainingAttendance.select(TrainingAttendance.staff)
        .where(
            TrainingAttendance.staff.is_in(wanted)
            & (TrainingAttendance.result == AttendanceResult.passed.value)
        )
        .distinct()
    )
    return {row["staff"] for row in rows}


async def is_trained(staff_id: int) -> bool:
    return bool(await trained_staff_ids([staff_id]))


async def _active_agents(point_ids: list[int]) -> list[dict]:
    if not point_ids:
        return []
    return (
        await User.select(User.id, User.full_name, User.username, User.point)
        .where(
            User.point.is_in(point_ids) & (User.role == Role.agent.value) & (User.is_active == True)  # noqa: E712 - Piccolo builds SQL from ==
        )
        .order_by(User.full_name)
    )


async def staff_counts(point_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{point id: {"staff": active agents, "trained": of whom trained, "untrained": the rest}}."""
    ids = sorted(set(point_ids))
    counts = {pid: {"staff": 0, "trained": 0, "untrained": 0} for pid in ids}
    agents = await _active_agents(ids)
    trained = await trained_staff_ids(a["id"] for a in agents)
    for agent in agents:
        count = counts[agent["point"]]
        count["staff"] += 1
        count["trained" if agent["id"] in trained else "untrained"] += 1
    return counts


async def trained_count(point_id: int) -> int:
    return (await staff_counts([point_id]))[point_id]["trained"]


async def point_staff(point_id: int) -> list[dict]:
    """The point's active agents, each with `trained` and their latest training result."""
    agents = await _active_agents([point_id])
    trained = await trained_staff_ids(a["id"] for a in agents)
    latest: dict[int, dict] = {}
    if agents:
        rows = (
            await TrainingAttendance.select(
                TrainingAttendance.staff,
                TrainingAttendance.attended,
                TrainingAttendance.result,
                TrainingAttendance.session.day.as_alias("day"),
                TrainingAttendance.session.course.topic.as_alias("topic"),
            )
            .where(TrainingAttendance.staff.is_in([a["id"] for a in agents]))
            .order_by(TrainingAttendance.session.day)
        )
        for row in rows:
            latest[row["staff"]] = row
    return [{**a, "trained": a["id"] in trained, "latest": latest.get(a["id"])} for a in agents]


async def courses() -> list[dict]:
    rows = await TrainingCourse.select(
        TrainingCourse.id, TrainingCourse.topic, TrainingCourse.description
    ).order_by(TrainingCourse.id, ascending=False)
    sessions = await TrainingSession.select(
        TrainingSession.id,
        TrainingSession.course,
        TrainingSession.day,
        TrainingSession.trainer,
        TrainingSession.place,
    ).order_by(TrainingSession.day, ascending=False)
    by_course: dict[int, list[dict]] = {}
    for session in sessions:
        by_course.setdefault(session["course"], []).append(session)
    return [{**row, "sessions": by_course.get(row["id"], [])} for row in rows]


async def course(course_id: int) -> dict:
    row = (
        await TrainingCourse.select(
            TrainingCourse.id, TrainingCourse.topic, TrainingCourse.description
        )
        .where(TrainingCourse.id == course_id)
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This training course does not exist."))
    row["sessions"] = (
        await TrainingSession.select(
            TrainingSession.id, TrainingSession.day, TrainingSession.trainer, TrainingSession.place
        )
        .where(TrainingSession.course == course_id)
        .order_by(TrainingSession.day, ascending=False)
    )
    return row


async def session(session_id: int) -> dict:
    row = (
        await TrainingSession.select(
            TrainingSession.id,
            TrainingSession.day,
            TrainingSession.trainer,
            TrainingSession.place,
            TrainingSession.course,
            TrainingSession.course.topic.as_alias("topic"),
        )
        .where(TrainingSession.id == session_id)
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This training session does not exist."))
    return row


async def session_attendance(session_id: int) -> list[dict]:
    """Everyone recorded for the session, with their point, by point then name."""
    return (
        await TrainingAttendance.select(
            TrainingAttendance.staff,
            TrainingAttendance.attended,
            TrainingAttendance.result,
            TrainingAttendance.note,
            TrainingAttendance.staff.full_name.as_alias("full_name"),
            TrainingAttendance.staff.point.as_alias("point_id"),
            TrainingAttendance.staff.point.code.as_alias("point_code"),
            TrainingAttendance.staff.point.name.as_alias("point_name"),
        )
        .where(TrainingAttendance.session == session_id)
        .order_by(TrainingAttendance.staff.point.code)
        .order_by(TrainingAttendance.staff.full_name)
    )


async def roster(session_id: int, point_id: int) -> list[dict]:
    """The point's active agents with what is recorded for them in this session (if anything)."""
    agents = await _active_agents([point_id])
    recorded = {
        row["staff"]: row
        for row in await TrainingAttendance.select(
            TrainingAttendance.staff,
            TrainingAttendance.attended,
            TrainingAttendance.result,
            TrainingAttendance.note,
        ).where(
            (TrainingAttendance.session == session_id)
            & TrainingAttendance.staff.is_in([a["id"] for a in agents] or [0])
        )
    }
    return [{**a, "record": recorded.get(a["id"])} for a in agents]


async def point_choices() -> list[dict]:
    """Points whose staff may be trained (every point not closed), by code."""
    return await (
        AgentPoint.select(AgentPoint.id, AgentPoint.code, AgentPoint.name)
        .where(AgentPoint.status != "closed")
        .order_by(AgentPoint.code)
    )
