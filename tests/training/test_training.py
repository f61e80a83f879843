"""Training: courses, sessions, attendance per point; who counts as trained, and the
«Chưa được đào tạo» flag wherever an untrained agent is assigned."""

from __future__ import annotations

import datetime as dt

from app.accounts.tables import User
from app.audit.tables import AuditEvent
from app.training.selectors import staff_counts
from app.training.tables import TrainingAttendance, TrainingCourse, TrainingSession
from tests import factories
from tests.points.support import passed_training

FLAG = "Chưa được đào tạo"


async def _sign_in(client, role: str, username: str, **kw) -> int:
    user_id = await factories.user(role=role, username=username, **kw)
    await client.login(username)
    return user_id


async def test_trained_staff_are_active_agents_who_passed_at_least_once():
    point_id = await factories.point()
    other_point = await factories.point()
    passed = await factories.user(role="agent", point_id=point_id)
    failed = await factories.user(role="agent", point_id=point_id)
    absent = await factories.user(role="agent", point_id=point_id)
    never = await factories.user(role="agent", point_id=point_id)
    left = await factories.user(role="agent", point_id=point_id)
    elsewhere = await factories.user(role="agent", point_id=other_point)
    await passed_training(passed)
    await passed_training(passed, result="failed")  # a later failure does not undo a pass
    await passed_training(failed, result="failed")
    await passed_training(absent, attended=False, result="pending")
    await passed_training(left)
    await passed_training(elsewhere)
    await User.update({User.is_active: False}).where(User.id == left)
    assert never

    counts = await staff_counts([point_id, other_point])
    assert counts[point_id] == {"staff": 4, "trained": 1, "untrained": 3}
    assert counts[other_point] == {"staff": 1, "trained": 1, "untrained": 0}


async def test_untrained_agents_are_flagged_on_the_point_and_registry_pages(client):
    point_id = await factories.point(code="DL-FLAG-1")
    trained = await factories.user(role="agent", point_id=point_id, username="da.hoc")
    await factories.user(role="agent", point_id=point_id, username="chua.hoc")
    await passed_training(trained)
    await _sign_in(client, "supervisor", "gs.flag")

    page = await client.page(f"/giam-sat/diem/{point_id}")
    staff = {
        item.findtext(".//p[@class='muted mono']"): " ".join("".join(item.itertext()).split())
        for item in page.doc.iter("li")
        if item.find(".//p[@class='muted mono']") is not None
    }
    assert FLAG in staff["chua.hoc"] and FLAG not in staff["da.hoc"]
    assert "Đã được đào tạo" in staff["da.hoc"]
    assert "1 trên 2 nhân viên đã được đào tạo." in page.text
    assert "Nhân viên đã được đào tạo: có 1 người đã được đào tạo, cần ít nhất 1" in page.text

    registry = await client.page("/giam-sat/diem")
    assert "Nhân viên: 2 · đã đào tạo: 1 · 1 người chưa được đào tạo" in registry.text


async def test_an_untrained_agent_sees_a_notice_on_their_home_page(client):
    point_id = await factories.point()
    agent_id = await _sign_in(client, "agent", "moi.vao", point_id=point_id)
    page = await client.page("/dai-ly")
    assert FLAG in page.text_of("untrained-notice")
    await passed_training(agent_id, result="failed")
    assert (await client.page("/dai-ly")).by_id("untrained-notice") is not None
    await passed_training(agent_id)
    assert (await client.page("/dai-ly")).by_id("untrained-notice") is None


async def test_the_centre_records_a_course_a_session_and_attendance(client):
    point_id = await factories.point(code="DL-TRAIN-1")
    hoa = await factories.user(role="agent", point_id=point_id, username="hoa.agent")
    minh = await factories.user(role="agent", point_id=point_id, username="minh.agent")
    await _sign_in(client, "supervisor", "gs.train")

    bad = await client.submit("/giam-sat/dao-tao", {"topic": "  "})
    assert bad.status_code == 422 and "Nhập chủ đề của khóa đào tạo." in bad.text
    done = await client.submit(
        "/giam-sat/dao-tao", {"topic": "Kỹ năng hướng dẫn", "description": "Giao tiếp"}
    )
    assert done.status_code == 303
    course_url = done.headers["location"]
    bad = await client.submit(course_url, {"day": "31/02/2025", "trainer": "", "place": "HT"})
    assert bad.status_code == 422
    assert "Nhập ngày theo dạng" in bad.text and "Nhập tên giảng viên." in bad.text
    done = await client.submit(
        course_url, {"day": "2025-02-20", "trainer": "Cô Lan", "place": "Hội trường 2"}
    )
    assert done.status_code == 303
    session_url = done.headers["location"]
    session_id = int(session_url.rsplit("/", 1)[1])

    roster = await client.page(f"{session_url}?diem={point_id}")
    assert roster.by_id(f"f-r-{hoa}") is not None and roster.by_id(f"f-r-{minh}") is not None

    refused = await client.submit(
        session_url, {"diem": str(point_id), f"r-{hoa}": "passed", f"r-{minh}": "excellent"}
    )
    assert refused.status_code == 422 and "Chọn vắng mặt, có tham gia, đạt hoặc không đạt" in (
        refused.text
    )
    assert await TrainingAttendance.count() == 0

    saved = await client.submit(
        session_url,
        {
            "diem": str(point_id),
            f"r-{hoa}": "passed",
            f"r-{minh}": "failed",
            f"n-{minh}": "Học lại phần số hóa",
        },
    )
    assert saved.status_code == 303
    page = await client.page(saved.headers["location"])
    assert "Đã lưu kết quả tham gia." in page.text
    assert "Học lại phần số hóa" in page.text

    point = await client.page(f"/giam-sat/diem/{point_id}")
    assert "1 trên 2 nhân viên đã được đào tạo." in point.text
    assert "Kỹ năng hướng dẫn · 20/02/2025" in point.text

    cleared = await client.submit(session_url, {"diem": str(point_id), f"r-{minh}": ""})
    assert cleared.status_code == 303
    assert await TrainingAttendance.count().where(TrainingAttendance.session == session_id) == 1
    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action)}
    assert {
        "training_course_created",
        "training_session_created",
        "training_attendance_recorded",
    } <= actions


async def test_only_the_points_own_agents_can_be_recorded(client):
    point_id = await factories.point()
    other = await factories.user(role="agent", point_id=await factories.point())
    now = dt.datetime.now(dt.UTC)
    course = TrainingCourse(topic="Chủ đề", created_at=now)
    await course.save()
    session = TrainingSession(
        course=course.id, day=dt.date(2025, 1, 2), trainer="A", place="B", created_at=now
    )
    await session.save()
    await _sign_in(client, "admin", "qt.train")
    response = await client.submit(
        f"/giam-sat/dao-tao/buoi/{session.id}", {"diem": str(point_id), f"r-{other}": "passed"}
    )
    assert response.status_code == 422
    assert "Người này không phải nhân viên của điểm." in response.text
    assert await TrainingAttendance.count() == 0
    missing = await client.submit(f"/giam-sat/dao-tao/buoi/{session.id}", {"diem": "x"})
    assert missing.status_code == 404
