"""The spot-check rules without HTTP: the score, dates, locations, checklist validation, and
saves that race each other."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

from app.errors import ValidationError
from app.inspections import services
from app.inspections.tables import SpotCheck, SpotCheckAnswer
from tests import factories


def test_score_is_passed_weight_over_applicable_weight():
    rows = [
        {"result": "pass", "weight": 3},
        {"result": "fail", "weight": 1},
        {"result": "na", "weight": 5},
        {"result": "pass", "weight": 2},
    ]
    assert services.score_of(rows) == 83.3
    assert services.score_of([{"result": "pass", "weight": 1}]) == 100.0
    assert services.score_of([{"result": "fail", "weight": 4}]) == 0.0
    assert services.score_of([{"result": "na", "weight": 4}]) is None


def test_due_dates_and_locations_are_read_carefully():
    assert services.parse_due("2026-03-09") == dt.date(2026, 3, 9)
    assert services.parse_due("9/3/2026") == dt.date(2026, 3, 9)
    for bad in ("2026-02-30", "31/04/2026", "²/3/2026", "tomorrow", "", None):
        assert services.parse_due(bad) is None
    assert services.location_from("21.5", "105.8", "12.5") == (21.5, 105.8, 12.5)
    assert services.location_from("91", "105.8", "1") == (None, None, None)
    assert services.location_from("inf", "105", "") == (None, None, None)
    assert services.location_from("21", "105", "-4") == (21.0, 105.0, None)


def test_checklist_rows_are_validated_and_get_stable_codes():
    rows = [
        services.ItemInput("0", "hours_posted", "Niêm yết giờ", "2", True, "1"),
        services.ItemInput("1", "", "Đường vào có dốc cho xe lăn", "1", False, "0"),
        services.ItemInput("2", "hours_posted", "Bản sao trùng mã", "1", False, "2"),
    ]
    name, items = services.validate_items("  Bảng   kiểm tra ", rows)
    assert name == "Bảng kiểm tra"
    assert [i["code"] for i in items] == [
        "duong_vao_co_doc_cho_xe_lan",
        "hours_posted",
        "ban_sao_trung_ma",
    ]
    with pytest.raises(ValidationError) as refused:
        services.validate_items("", [services.ItemInput("a", "", "x" * 501, "①", False, "")])
    assert set(refused.value.errors) == {"name", "label-a", "weight-a"}


async def _supervisor_and_check() -> tuple[SimpleNamespace, int]:
    user_id = await factories.user(role="supervisor", username="gs.svc")
    user = SimpleNamespace(id=user_id, role="supervisor", username="gs.svc")
    check_id, created = await services.check_start(user=user, point_id=await factories.point())
    assert created
    return user, check_id


async def test_two_saves_based_on_the_same_revision_one_wins():
    user, check_id = await _supervisor_and_check()
    item = (await services.answers_with_items(check_id))[0]["item"]

    async def save(result: str):
        try:
            value = services.AnswerInput(result=result, revision=0)
            return await services.answer_save(
                user=user, check_id=check_id, item_id=item, value=value
            )
        except services.StaleSave:
            return None

    outcomes = await asyncio.gather(save("pass"), save("fail"))
    winners = [o for o in outcomes if o is not None]
    assert len(winners) == 1
    row = (await SpotCheckAnswer.select().where(SpotCheckAnswer.item == item))[0]
    assert row["revision"] == 1 and row["result"] == winners[0].answer["result"]


async def test_a_double_tap_on_start_makes_one_check():
    user_id = await factories.user(role="supervisor", username="gs.tap")
    user = SimpleNamespace(id=user_id, role="supervisor", username="gs.tap")
    point = await factories.point()
    results = await asyncio.gather(
        *(services.check_start(user=user, point_id=point) for _ in range(3))
    )
    assert len({check_id for check_id, _ in results}) == 1
    assert await SpotCheck.count() == 1
    assert await SpotCheckAnswer.count() == 8
