"""Spot checks through the real app: starting at a point, answers saved one at a time (and
refused when stale), the plain form, completion rules, the score, corrective actions and the
re-check that closes them."""

from __future__ import annotations

import datetime as dt

from app.audit.tables import AuditEvent
from app.dossiers.selectors import today_local
from app.inspections.tables import CorrectiveAction, SpotCheck, SpotCheckAnswer
from app.points.tables import AgentPoint
from tests import factories
from tests.inspections.support import (
    CHECKS,
    answer_all,
    complete,
    items_of,
    save,
    scene_photo,
    start,
    supervisor,
    upload,
    version_of,
)


async def _check(client, **location) -> tuple[int, int]:
    await supervisor(client)
    point = await factories.point(code="DL-KT-001")
    return point, await start(client, point, **location)


def _checked(page, item_id: int) -> str:
    for el in page.select_all("input", type="radio", name=f"result-{item_id}"):
        if el.get("checked") is not None:
            return el.get("value")
    return ""


async def test_start_records_time_and_location_and_resumes(client):
    point, check_id = await _check(client, latitude="21.1601", longitude="105.4312", accuracy="12")
    row = (await SpotCheck.select().where(SpotCheck.id == check_id))[0]
    assert (row["latitude"], row["longitude"], row["location_accuracy_m"]) == (
        21.1601,
        105.4312,
        12.0,
    )
    assert row["status"] == "in_progress" and row["started_at"] is not None
    page = await client.page(f"{CHECKS}/{check_id}")
    assert "21.16010, 105.43120" in page.text
    assert "Niêm yết giờ làm việc và thông báo hỗ trợ miễn phí" in page.text
    assert len(page.select_all("li", class_="check-item")) == 8
    assert "Hoàn thành kiểm tra" in page.text
    # A second tap on «Kiểm tra» resumes the same check instead of starting another.
    assert await start(client, point) == check_id
    start_page = await client.page(f"{CHECKS}/moi")
    assert "Tiếp tục kiểm tra" in start_page.text


async def test_start_without_location_and_with_nonsense_location(client):
    await supervisor(client)
    point = await factories.point()
    check_id = await start(client, point, latitude="NaN", longitude="999", accuracy="-3")
    row = (await SpotCheck.select().where(SpotCheck.id == check_id))[0]
    assert row["latitude"] is None and row["longitude"] is None
    page = await client.page(f"{CHECKS}/{check_id}")
    assert "Không ghi nhận được" in page.text


async def test_only_approved_or_active_points_are_checked(client):
    await supervisor(client)
    point = await factories.point()
    await AgentPoint.update({AgentPoint.status: "proposed"}).where(AgentPoint.id == point)
    start_page = await client.page(f"{CHECKS}/moi")
    assert f"diem-{point}" not in start_page.response.text
    response = await client.submit(f"{CHECKS}/moi", {"point": str(point)})
    assert response.status_code == 409
    assert "Chỉ kiểm tra được điểm đã được phê duyệt hoặc đang hoạt động." in response.text
    assert await SpotCheck.count() == 0


async def test_answers_saved_one_by_one_survive_a_reload(client):
    _, check_id = await _check(client)
    first, second = (await items_of(check_id))[:2]
    before = await version_of(check_id)
    r1 = await save(client, check_id, first["item"], "pass", 0, note="Có bảng giờ làm việc")
    assert r1.status_code == 200 and "Đã lưu lúc" in r1.text
    assert r1.headers["x-revision"] == "1"
    r2 = await save(client, check_id, second["item"], "fail", 0, note="Thiếu thẻ")
    assert r2.status_code == 200
    assert int(r2.headers["x-check-version"]) == before + 2
    page = await client.page(f"{CHECKS}/{check_id}")
    assert _checked(page, first["item"]) == "pass"
    assert _checked(page, second["item"]) == "fail"
    assert "Có bảng giờ làm việc" in page.text and "Thiếu thẻ" in page.text
    assert "Đã trả lời 2/8 mục." in page.text
    # The item's corrective action was made with defaults the supervisor can edit.
    action = (await CorrectiveAction.select().where(CorrectiveAction.check == check_id))[0]
    assert action["description"] == f"Khắc phục: {second['label']}"
    assert action["due_date"] == today_local() + dt.timedelta(days=14)
    assert action["status"] == "open"


async def test_a_stale_save_is_refused_and_the_newer_answer_shown(client):
    _, check_id = await _check(client)
    item = (await items_of(check_id))[0]["item"]
    assert (await save(client, check_id, item, "pass", 0, note="Tablet A")).status_code == 200
    # An edit queued on another tab, based on revision 0, arrives later: refused.
    stale = await save(client, check_id, item, "fail", 0, note="Tablet B")
    assert stale.status_code == 409
    assert "vừa được sửa trên thiết bị hoặc thẻ khác" in stale.text
    assert 'value="pass" checked' in stale.text and "Tablet A" in stale.text
    assert stale.headers["x-revision"] == "1"
    row = (
        await SpotCheckAnswer.select().where(
            (SpotCheckAnswer.check == check_id) & (SpotCheckAnswer.item == item)
        )
    )[0]
    assert (row["result"], row["note"], row["revision"]) == ("pass", "Tablet A", 1)
    # The same edit sent again (its first answer was lost) is acknowledged, not refused.
    replay = await save(client, check_id, item, "pass", 0, note="Tablet A")
    assert replay.status_code == 200 and replay.headers["x-revision"] == "1"
    # Based on the revision it saw, the next edit goes through.
    assert (await save(client, check_id, item, "na", 1)).status_code == 200


async def test_plain_form_saves_every_item_without_javascript(client):
    _, check_id = await _check(client)
    items = await items_of(check_id)
    data = {}
    for item in items:
        i = item["item"]
        data |= {f"result-{i}": "pass", f"revision-{i}": "0", f"note-{i}": "", f"action-{i}": ""}
        data[f"due-{i}"] = ""
    last = items[-1]["item"]
    data[f"result-{last}"] = "fail"
    data[f"due-{last}"] = (today_local() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    response = await client.submit(f"{CHECKS}/{check_id}/luu", data)
    assert response.status_code == 303
    page = await client.page(response.headers["location"])
    assert "Đã lưu các câu trả lời." in page.text
    assert "Đã trả lời 8/8 mục." in page.text
    action = (await CorrectiveAction.select().where(CorrectiveAction.check == check_id))[0]
    assert action["due_date"] == today_local() + dt.timedelta(days=3)
    # Sent again unchanged (a refresh): nothing refused. A stale item is refused and named.
    assert (await client.submit(f"{CHECKS}/{check_id}/luu", data)).status_code == 303
    data[f"result-{items[0]['item']}"] = "na"
    refused = await client.submit(f"{CHECKS}/{check_id}/luu", data)
    assert refused.status_code == 422
    assert "vừa được sửa trên thiết bị hoặc thẻ khác" in refused.text


async def test_bad_values_are_refused_with_a_message(client):
    _, check_id = await _check(client)
    item = (await items_of(check_id))[0]["item"]
    bad = await save(client, check_id, item, "maybe", 0)
    assert bad.status_code == 422 and "Chọn Đạt, Không đạt hoặc Không áp dụng." in bad.text
    past = (today_local() - dt.timedelta(days=1)).isoformat()
    late = await save(client, check_id, item, "fail", 0, due=past)
    assert late.status_code == 422 and "Hạn khắc phục phải từ hôm nay" in late.text
    assert await CorrectiveAction.count() == 0
    # The plain (no script) variant shows the check page with the message next to the item.
    page = await client.submit(f"{CHECKS}/{check_id}/muc/{item}", {"result": "x", "revision": "0"})
    assert page.status_code == 422 and "error-message" in page.text


async def test_completion_rules_and_score(client):
    _, check_id = await _check(client)
    items = await items_of(check_id)
    refused = await complete(client, check_id)
    assert refused.status_code == 422
    assert refused.text.count("Hãy trả lời mục này") >= 8
    await answer_all(client, check_id, "pass")
    photo_item = next(i for i in items if i["photo_required"])
    plain_item = next(i for i in items if not i["photo_required"])
    na_item = next(i for i in items if i["item"] not in (photo_item["item"], plain_item["item"]))
    assert (await save(client, check_id, photo_item["item"], "fail", 1)).status_code == 200
    assert (await save(client, check_id, plain_item["item"], "fail", 1)).status_code == 200
    assert (await save(client, check_id, na_item["item"], "na", 1)).status_code == 200
    refused = await complete(client, check_id)
    assert refused.status_code == 422
    assert "Mục này không đạt: hãy chụp ảnh làm bằng chứng." in refused.text
    assert (await upload(client, check_id, photo_item["item"], scene_photo())).status_code == 201
    # A page loaded before the last change cannot complete the check.
    stale = await complete(client, check_id, version=1)
    assert stale.status_code == 409 and "Lần kiểm tra đã thay đổi" in stale.text
    done = await complete(client, check_id)
    assert done.status_code == 303
    total = sum(i["weight"] for i in items) - na_item["weight"]
    failed = photo_item["weight"] + plain_item["weight"]
    expected = round((total - failed) * 100 / total, 1)
    row = (await SpotCheck.select().where(SpotCheck.id == check_id))[0]
    assert row["status"] == "completed" and row["completed_at"] is not None
    assert row["score"] == expected
    page = await client.page(done.headers["location"])
    shown = str(int(expected)) if expected == int(expected) else f"{expected}".replace(".", ",")
    assert page.text_of("check-score") == f"Điểm {shown}/100"
    assert "Đã hoàn thành kiểm tra." in page.text
    assert not [f for f in page.select_all("form") if "kiem-tra" in (f.get("action") or "")]
    # Read-only from now on.
    again = await save(client, check_id, plain_item["item"], "pass", 2)
    assert again.status_code == 409 and "đã hoàn thành, không thể sửa" in again.text
    assert (await complete(client, check_id)).status_code == 409
    audit = await AuditEvent.select().where(AuditEvent.action == "spot_check_completed")
    assert len(audit) == 1 and audit[0]["object_id"] == str(check_id)


async def test_nothing_applicable_cannot_be_scored(client):
    _, check_id = await _check(client)
    await answer_all(client, check_id, "na")
    refused = await complete(client, check_id)
    assert refused.status_code == 422
    assert "Cần ít nhất một mục Đạt hoặc Không đạt để tính điểm." in refused.text


async def test_a_passing_item_takes_its_corrective_action_away(client):
    _, check_id = await _check(client)
    item = (await items_of(check_id))[4]
    assert (
        await save(client, check_id, item["item"], "fail", 0, action="Bố trí thêm quầy")
    ).status_code == 200
    action = (await CorrectiveAction.select().where(CorrectiveAction.check == check_id))[0]
    assert action["description"] == "Bố trí thêm quầy"
    assert (await save(client, check_id, item["item"], "pass", 1)).status_code == 200
    assert await CorrectiveAction.count() == 0


async def _completed_check(client, point: int, fails: dict[str, str] | None = None) -> int:
    """A completed check at `point`: every item passes but those named (code -> action)."""
    check_id = await start(client, point)
    for item in await items_of(check_id):
        result = "fail" if item["code"] in (fails or {}) else "pass"
        extra = {"action": fails[item["code"]]} if result == "fail" else {}
        assert (await save(client, check_id, item["item"], result, 0, **extra)).status_code == 200
    response = await complete(client, check_id)
    assert response.status_code == 303, response.text[:2000]
    return check_id


async def test_a_recheck_closes_the_open_corrective_action(client):
    await supervisor(client)
    point = await factories.point(code="DL-KT-100")
    other = await factories.point(code="DL-KT-200")
    fails = {"waiting_time": "Giảm thời gian chờ"}
    first = await _completed_check(client, point, fails)
    elsewhere = await _completed_check(client, other, fails)
    listing = await client.page(f"{CHECKS}?diem={point}")
    assert "Giảm thời gian chờ" in listing.text and "Đang mở" in listing.text
    start_page = await client.page(f"{CHECKS}/moi")
    assert "1 việc cần khắc phục đang mở" in start_page.text_of(f"diem-{point}")

    second = await _completed_check(client, point)
    action = (await CorrectiveAction.select().where(CorrectiveAction.check == first))[0]
    assert action["status"] == "closed"
    assert action["closed_by_check"] == second and action["closed_at"] is not None
    untouched = (await CorrectiveAction.select().where(CorrectiveAction.check == elsewhere))[0]
    assert untouched["status"] == "open"
    summary = await client.page(f"{CHECKS}/{second}")
    assert "Các việc khắc phục được đóng nhờ lần kiểm tra này" in summary.text
    assert "Giảm thời gian chờ" in summary.text
    first_page = await client.page(f"{CHECKS}/{first}")
    assert "đã đóng nhờ lần kiểm tra ngày" in first_page.text
    listing = await client.page(f"{CHECKS}?diem={point}")
    assert "Giảm thời gian chờ" not in listing.text


async def test_overdue_actions_are_flagged(client):
    await supervisor(client)
    point = await factories.point(code="DL-KT-300")
    check_id = await _completed_check(
        client, point, {"correct_guidance": "Tập huấn lại quy trình hướng dẫn"}
    )
    await CorrectiveAction.update(
        {CorrectiveAction.due_date: today_local() - dt.timedelta(days=2)}
    ).where(CorrectiveAction.check == check_id)
    listing = await client.page(CHECKS)
    assert "Quá hạn" in listing.text
    start_page = await client.page(f"{CHECKS}/moi")
    assert "1 việc quá hạn" in start_page.text_of(f"diem-{point}")


async def test_only_the_supervisor_who_started_changes_the_check(client):
    _, check_id = await _check(client)
    item = (await items_of(check_id))[0]["item"]
    await factories.user(role="supervisor", username="gs.other")
    await client.login("gs.other")
    page = await client.page(f"{CHECKS}/{check_id}")
    assert "Lần kiểm tra này đang diễn ra" in page.text
    refused = await save(client, check_id, item, "pass", 0)
    assert refused.status_code == 403
    assert "Chỉ cán bộ giám sát đã bắt đầu lần kiểm tra này mới được sửa." in refused.text
