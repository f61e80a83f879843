"""The point registry, organisation and training forms, fuzzed with hostile values: never a
5xx, nothing echoed unescaped, a refusal says what is wrong in Vietnamese, and the pages that
show what was saved stay safe. `test_every_post_route_is_fuzzed` (test_forms.py) counts the
routes listed in FUZZED here."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from app.territory.seed import territory_seed
from tests import factories
from tests.fuzz.harness import check_no_raw_payload, check_response, form_bodies, fuzz, post_form

FUZZED: set[str] = set()
BIG_INTS = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31, 2**63]))
OTHER_ID = st.one_of(st.none(), st.none(), st.none(), BIG_INTS)


def covers(path: str):
    FUZZED.add(path)
    return lambda f: f


async def _sign_in(client, role: str, **kw) -> int:
    username = f"fuzz.{role.replace('_', '')}"
    user_id = await factories.user(role=role, username=username, **kw)
    await client.login(username)
    return user_id


async def _shows_safely(client, url: str, where: str) -> None:
    response = await client.get(url)
    check_response(response, where=f"GET {url} after {where}")
    check_no_raw_payload(response.text, f"GET {url} after {where}")


def _point_fields(organisation_id: int) -> dict:
    return {
        "code": st.from_regex(r"DL-[A-Z]{2}-[0-9]{3}", fullmatch=True),
        "name": "Điểm Bưu điện Trâu Quỳ",
        "organisation": str(organisation_id),
        "district_code": st.sampled_from(["018", "271", "00565", ""]),
        "commune_code": st.sampled_from(["00565", "09619", "018"]),
        "address": "Số 9 phố Ngô Xuân Quảng",
        "latitude": st.sampled_from(["21.018", "21,2", "", "90", "-0"]),
        "longitude": st.sampled_from(["105.939", "", "106.5"]),
        "opening_hours": "Thứ 2 – Thứ 6: 7:30–17:00",
        "phone": st.sampled_from(["0912345678", "024 3876 5432", "+84912345678", "1"]),
        "phase": st.sampled_from(["1", "2", "3"]),
    }


@covers("/giam-sat/diem/moi")
@covers("/giam-sat/diem/{point_id:int}/sua")
@pytest.mark.parametrize(("role", "edit"), [("supervisor", False), ("point_manager", True)])
async def test_point_form(client, role, edit):
    await territory_seed()
    organisation_id = await factories.organisation()
    point_id = await factories.point(organisation_id=organisation_id, status="proposed")
    kw = {"organisation_id": organisation_id} if role == "point_manager" else {}
    await _sign_in(client, role, **kw)

    async def example(drawn):
        body, other_id = drawn
        target = point_id if other_id is None else other_id
        url = f"/giam-sat/diem/{target}/sua" if edit else "/giam-sat/diem/moi"
        response = await post_form(client, url, body)
        check_response(response, where=f"POST {url}")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], url)
            await _shows_safely(client, "/giam-sat/diem", url)

    await fuzz(st.tuples(form_bodies(_point_fields(organisation_id)), OTHER_ID), example)


@covers("/giam-sat/diem/{point_id:int}/tieu-chi")
async def test_point_review(client):
    point_id = await factories.point(status="under_review")
    await _sign_in(client, "supervisor")
    fields = {
        "premises": st.sampled_from(["on", "off", ""]),
        "computer": "on",
        "scanner": "on",
        "printer": st.sampled_from(["on", ""]),
        "internet": "on",
        "review_note": "Đã kiểm tra thực tế",
    }

    async def example(drawn):
        body, other_id = drawn
        target = point_id if other_id is None else other_id
        response = await post_form(client, f"/giam-sat/diem/{target}/tieu-chi", body)
        check_response(response, where="POST tieu-chi")
        if response.status_code == 303:
            await _shows_safely(client, f"/giam-sat/diem/{point_id}", "tieu-chi")

    await fuzz(st.tuples(form_bodies(fields), OTHER_ID), example)


@covers("/giam-sat/diem/{point_id:int}/trang-thai")
async def test_point_transition(client):
    await _sign_in(client, "admin")
    statuses = ["proposed", "under_review", "approved", "active", "suspended", "closed"]
    fields = {
        "to": st.sampled_from(statuses),
        "from": st.sampled_from([*statuses, ""]),
        "reason": "Kiểm tra định kỳ",
    }
    strategy = st.tuples(st.sampled_from(statuses), form_bodies(fields), OTHER_ID)

    async def example(drawn):
        start, body, other_id = drawn
        point_id = await factories.point(status=start)
        target = point_id if other_id is None else other_id
        response = await post_form(client, f"/giam-sat/diem/{target}/trang-thai", body)
        check_response(response, where=f"POST trang-thai from {start}")
        await _shows_safely(client, f"/giam-sat/diem/{point_id}", "trang-thai")

    await fuzz(strategy, example)


ORGANISATION_FIELDS = {
    "name": "Công ty TNHH Dịch vụ số Hòa Lạc",
    "kind": st.sampled_from(["postal", "it_company", "licensed_org", "bank"]),
    "tax_code": st.sampled_from(["0100109106", "0100109106-001", "0100109107", "0102456786"]),
    "contact_name": "Trần Thị Hà",
    "contact_phone": st.sampled_from(["0912000111", "02438245678", "9"]),
    "contact_email": st.sampled_from(["ha@hoalac.vn", "", "ha@"]),
    "address": "Khu công nghệ cao Hòa Lạc",
    "licence_number": "30/GP",
    "licence_date": st.sampled_from(["2025-02-01", "01/02/2025", "2999-01-01", "x"]),
}


@covers("/giam-sat/to-chuc/moi")
@covers("/giam-sat/to-chuc/{organisation_id:int}/sua")
@pytest.mark.parametrize("edit", [False, True])
async def test_organisation_form(client, edit):
    organisation_id = await factories.organisation()
    await _sign_in(client, "supervisor")

    async def example(drawn):
        body, other_id = drawn
        target = organisation_id if other_id is None else other_id
        url = f"/giam-sat/to-chuc/{target}/sua" if edit else "/giam-sat/to-chuc/moi"
        response = await post_form(client, url, body)
        check_response(response, where=f"POST {url}")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], url)
            await _shows_safely(client, "/giam-sat/to-chuc", url)

    await fuzz(st.tuples(form_bodies(ORGANISATION_FIELDS), OTHER_ID), example)


@covers("/giam-sat/dao-tao")
async def test_course_form(client):
    await _sign_in(client, "supervisor")

    async def example(body):
        response = await post_form(client, "/giam-sat/dao-tao", body)
        check_response(response, where="POST /giam-sat/dao-tao")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], "course")
            await _shows_safely(client, "/giam-sat/dao-tao", "course")

    await fuzz(form_bodies({"topic": "Kỹ năng hướng dẫn", "description": "Giao tiếp"}), example)


async def _session() -> tuple[int, int]:
    import datetime as dt

    from app.training.tables import TrainingCourse, TrainingSession

    now = dt.datetime.now(dt.UTC)
    course = TrainingCourse(topic="Khóa thử", created_at=now)
    await course.save()
    session = TrainingSession(
        course=course.id, day=dt.date(2025, 1, 2), trainer="A", place="B", created_at=now
    )
    await session.save()
    return course.id, session.id


@covers("/giam-sat/dao-tao/khoa-hoc/{course_id:int}")
async def test_session_form(client):
    course_id, _ = await _session()
    await _sign_in(client, "admin")
    fields = {
        "day": st.sampled_from(["2025-02-20", "20/02/2025", "2025-02-30", "1800-01-01"]),
        "trainer": "Cô Lan",
        "place": "Hội trường 2",
    }

    async def example(drawn):
        body, other_id = drawn
        target = course_id if other_id is None else other_id
        response = await post_form(client, f"/giam-sat/dao-tao/khoa-hoc/{target}", body)
        check_response(response, where="POST session")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], "session")
            await _shows_safely(client, f"/giam-sat/dao-tao/khoa-hoc/{course_id}", "session")

    await fuzz(st.tuples(form_bodies(fields), OTHER_ID), example)


@covers("/giam-sat/dao-tao/buoi/{training_session_id:int}")
async def test_attendance_form(client):
    _, session_id = await _session()
    point_id = await factories.point()
    staff = [await factories.user(role="agent", point_id=point_id) for _ in range(2)]
    outsider = await factories.user(role="agent")
    await _sign_in(client, "supervisor")
    outcomes = st.sampled_from(["", "absent", "attended", "passed", "failed", "excellent"])
    fields = {
        "diem": st.sampled_from([str(point_id), "0", ""]),
        f"r-{staff[0]}": outcomes,
        f"n-{staff[0]}": "Ghi chú",
        f"r-{staff[1]}": outcomes,
        f"r-{outsider}": st.sampled_from(["", "passed"]),
        "r-99999999999": "passed",
    }

    async def example(drawn):
        body, other_id = drawn
        target = session_id if other_id is None else other_id
        response = await post_form(client, f"/giam-sat/dao-tao/buoi/{target}", body)
        check_response(response, where="POST attendance")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], "attendance")
            await _shows_safely(client, f"/giam-sat/diem/{point_id}", "attendance")

    await fuzz(st.tuples(form_bodies(fields), OTHER_ID), example)
