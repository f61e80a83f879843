"""Citizens rate the service from their status page once the result is in their hands: one
rating per dossier, attributed to the point and agent, validated, rate limited."""

from __future__ import annotations

import asyncio

import pytest

from app.feedback import services
from app.feedback.tables import SatisfactionRating
from app.web.ratelimit import RateLimiter
from app.web.stores import DatabaseStore
from tests.feedback.conftest import TOKEN

STATUS = f"/theo-doi/{TOKEN}"
POST = f"{STATUS}/danh-gia"
GOOD = {
    "level": "very_satisfied",
    "attitude": "good",
    "guidance": "fair",
    "waiting_time": "poor",
    "charged": "yes",
    "comment": "Chị nhân viên hướng dẫn tận tình.\r\nCảm ơn!",
    "source": "status",
}


async def _ratings() -> list[dict]:
    return await SatisfactionRating.select()


def _section(page):
    return page.by_id("danh-gia")


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _facts(el) -> dict[str, str]:
    """The recorded rating as a person reads it: each term with its value."""
    return {
        _text(d.find("dt")): _text(d.find("dd")) for d in el.iter("div") if d.find("dt") is not None
    }


@pytest.mark.parametrize(
    "status",
    ["submitted", "processing", "resolved", "result_dispatched", "delivery_failed", "stopped"],
)
async def test_no_rating_before_the_result_is_in_the_citizens_hands(client, make_dossier, status):
    await make_dossier(status)
    page = await client.page(STATUS)
    assert _section(page) is None
    assert "Đánh giá chất lượng phục vụ" not in page.text
    response = await client.submit(POST, GOOD)
    assert response.status_code == 409
    assert "khi kết quả hồ sơ đã được trả cho bạn" in response.text
    assert await _ratings() == []


@pytest.mark.parametrize("status", ["result_returned", "result_delivered"])
async def test_the_form_appears_once_the_result_is_returned(client, make_dossier, status):
    await make_dossier(status)
    page = await client.page(STATUS)
    section = _section(page)
    assert section is not None
    form = section.find(".//form")
    assert form.get("action") == POST and form.get("method") == "post"
    assert form.get("hx-post") == POST and form.get("hx-target") == "#danh-gia"
    cards = [" ".join("".join(c.itertext()).split()) for c in page.doc.iter("label")]
    assert any("Rất hài lòng" in c for c in cards)
    assert any(c.endswith("Hài lòng") and "Rất" not in c for c in cards)
    assert any("Không hài lòng" in c for c in cards)
    levels = [i.get("value") for i in form.iter("input") if i.get("name") == "level"]
    assert levels == ["very_satisfied", "satisfied", "dissatisfied"]
    source = [i for i in form.iter("input") if i.get("name") == "source"][0]
    assert source.get("value") == "status"
    assert form.find(".//textarea").get("maxlength") == "1000"


async def test_a_plain_post_records_the_rating_and_redirects_to_it(client, make_dossier, world):
    dossier_id = await make_dossier()
    response = await client.submit(POST, GOOD)
    assert response.status_code == 303
    assert response.headers["location"] == f"{STATUS}#danh-gia"
    [row] = await _ratings()
    assert row["dossier"] == dossier_id
    assert row["point"] == world["point"] and row["agent"] == world["agent"]
    assert (row["level"], row["attitude"], row["guidance"], row["waiting_time"]) == (
        "very_satisfied",
        "good",
        "fair",
        "poor",
    )
    assert row["charged_extra"] is True
    assert row["comment"] == "Chị nhân viên hướng dẫn tận tình.\nCảm ơn!"
    assert row["source"] == "status"
    page = await client.page(STATUS)
    section = _section(page)
    assert section.find(".//form") is None
    assert "Cảm ơn bạn đã đánh giá" in _text(section)
    facts = _facts(section)
    assert facts["Mức độ hài lòng"] == "Rất hài lòng"
    assert facts["Thái độ"] == "Tốt" and facts["Hướng dẫn"] == "Bình thường"
    assert facts["Thời gian chờ"] == "Chưa tốt"
    assert facts["Bị đòi trả thêm tiền ngoài phí, lệ phí"] == "Có"
    assert facts["Nhận xét"] == "Chị nhân viên hướng dẫn tận tình. Cảm ơn!"


async def test_htmx_post_swaps_in_the_thank_you(client, make_dossier):
    await make_dossier()
    response = await client.submit(POST, {"level": "satisfied"}, htmx=True)
    assert response.status_code == 200
    from tests.html_client import check_html

    doc = check_html(response.text, fragment=True)
    section = next(el for el in doc.iter() if el.get("id") == "danh-gia")
    assert "Cảm ơn bạn đã đánh giá" in _text(section)
    assert _facts(section)["Mức độ hài lòng"] == "Hài lòng"
    assert "Thái độ" not in _facts(section)  # unanswered criteria are not listed
    assert section.find(".//form") is None
    [row] = await _ratings()
    assert row["level"] == "satisfied" and row["charged_extra"] is None
    assert row["attitude"] == "" and row["comment"] == ""


async def test_a_second_post_is_told_the_dossier_was_rated(client, make_dossier):
    await make_dossier()
    assert (await client.submit(POST, GOOD)).status_code == 303
    again = await client.submit(POST, {**GOOD, "level": "dissatisfied"})
    assert again.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in again.text
    assert "Rất hài lòng" in again.text  # the rating that stands
    hx = await client.submit(POST, {**GOOD, "level": "dissatisfied"}, htmx=True)
    assert hx.status_code == 200 and "Hồ sơ này đã được đánh giá" in hx.text
    [row] = await _ratings()
    assert row["level"] == "very_satisfied"


async def test_two_posts_at_once_record_one_rating(client, make_dossier):
    await make_dossier()
    await client.csrf_token()
    first, second = await asyncio.gather(
        client.submit(POST, GOOD), client.submit(POST, {**GOOD, "level": "dissatisfied"})
    )
    assert sorted([first.status_code, second.status_code]) == [303, 409]
    loser = first if first.status_code == 409 else second
    assert "Hồ sơ này đã được đánh giá" in loser.text
    assert len(await _ratings()) == 1


async def test_the_unique_constraint_decides_a_race_the_check_missed(make_dossier, monkeypatch):
    """Both requests passed the check before either inserted (as on PostgreSQL): the loser's
    insert fails on the constraint and becomes «already rated», never a 500."""
    dossier_id = await make_dossier()
    target = {"id": dossier_id, "status": "result_returned", "point": None, "agent": None}
    row = await SatisfactionRating.select().first()
    assert row is None
    from app.dossiers.tables import Dossier

    d = await Dossier.select(Dossier.point, Dossier.agent).where(Dossier.id == dossier_id).first()
    target.update(d)
    await services.rating_create(
        dossier=target, data=services.RatingInput(level="satisfied", source="push")
    )

    class Nothing:
        def where(self, *_):
            async def no():
                return False

            return no()

    monkeypatch.setattr(SatisfactionRating, "exists", classmethod(lambda cls: Nothing()))
    with pytest.raises(services.AlreadyRated) as caught:
        await services.rating_create(
            dossier=target, data=services.RatingInput(level="dissatisfied")
        )
    assert caught.value.rating["level"] == "satisfied"
    monkeypatch.undo()
    [row] = await _ratings()
    assert row["level"] == "satisfied" and row["source"] == "push"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "level", "Hãy chọn mức độ hài lòng"),
        ({"level": "excellent"}, "level", "Hãy chọn một trong ba mức"),
        ({"level": "satisfied", "attitude": "great"}, "attitude", "Hãy chọn Tốt, Bình thường"),
        ({"level": "satisfied", "waiting_time": "1"}, "waiting_time", "Hãy chọn Tốt"),
        ({"level": "satisfied", "charged": "maybe"}, "charged", "Hãy trả lời Có hoặc Không"),
        ({"level": "satisfied", "comment": "ư" * 1001}, "comment", "Nhận xét quá dài"),
    ],
)
async def test_wrong_input_is_explained_and_nothing_is_lost(
    client, make_dossier, form, field, message
):
    await make_dossier()
    body = {"comment": "Giữ lại điều tôi đã viết", **form}
    response = await client.submit(POST, body)
    assert response.status_code == 422
    from tests.html_client import check_html

    doc = check_html(response.text)
    error = next(el for el in doc.iter() if el.get("id") == f"f-{field}-error")
    assert message in "".join(error.itertext())
    summary = next(el for el in doc.iter() if el.get("class") == "error-summary")
    assert summary.find(f".//a[@href='#f-{field}']") is not None
    assert any(el.get("id") == f"f-{field}" for el in doc.iter())
    textarea = next(el for el in doc.iter("textarea"))
    assert (textarea.text or "").startswith(body["comment"][:20])
    hx = await client.submit(POST, body, htmx=True)
    assert hx.status_code == 200 and message in hx.text and "error-summary" in hx.text
    assert await _ratings() == []


async def test_a_comment_of_1000_characters_is_accepted_and_control_characters_dropped(
    client, make_dossier
):
    await make_dossier()
    comment = "\x07" + "ư" * 1000 + "\u200b"
    response = await client.submit(POST, {"level": "dissatisfied", "comment": comment})
    assert response.status_code == 303
    [row] = await _ratings()
    assert row["comment"] == "ư" * 1000


async def test_the_push_invitations_link_records_source_push(client, make_dossier):
    await make_dossier()
    page = await client.page(f"{STATUS}?nguon=thong-bao")
    source = [i for i in _section(page).iter("input") if i.get("name") == "source"][0]
    assert source.get("value") == "push"
    assert (await client.submit(POST, {"level": "satisfied", "source": "push"})).status_code == 303
    [row] = await _ratings()
    assert row["source"] == "push"


async def test_an_unknown_source_is_recorded_as_the_status_page(client, make_dossier):
    await make_dossier()
    await client.submit(POST, {"level": "satisfied", "source": "<script>"})
    [row] = await _ratings()
    assert row["source"] == "status"


async def test_unknown_tokens_are_not_found(client, make_dossier):
    await make_dossier()
    for token in ("tok_" + "Z" * 26, "short", "x" * 200):
        response = await client.submit(f"/theo-doi/{token}/danh-gia", GOOD)
        assert response.status_code == 404
    assert await _ratings() == []


async def test_many_posts_for_one_dossier_are_slowed_down(client, make_dossier):
    await make_dossier()
    store = DatabaseStore(namespace="ratelimit")
    client.app.state["rating_limits"] = services.RatingLimits(
        per_ip=RateLimiter(store, name="t-ip", limit=100, window_seconds=600),
        per_dossier=RateLimiter(store, name="t-dossier", limit=2, window_seconds=600),
    )
    for _ in range(2):
        assert (await client.submit(POST, {"level": ""})).status_code == 422
    response = await client.submit(POST, {**GOOD, "comment": "Lần thứ ba"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Bạn đã thử quá nhiều lần" in response.text
    assert "Lần thứ ba" in response.text  # what was typed is still there
    hx = await client.submit(POST, GOOD, htmx=True)
    assert hx.status_code == 200 and "Bạn đã thử quá nhiều lần" in hx.text
    assert await _ratings() == []


async def test_many_posts_from_one_address_are_slowed_down(client, make_dossier):
    await make_dossier()
    store = DatabaseStore(namespace="ratelimit")
    client.app.state["rating_limits"] = services.RatingLimits(
        per_ip=RateLimiter(store, name="t-ip", limit=1, window_seconds=600),
        per_dossier=RateLimiter(store, name="t-dossier", limit=100, window_seconds=600),
    )
    assert (await client.submit(POST, {"level": ""})).status_code == 422
    assert (await client.submit(POST, GOOD)).status_code == 429
    assert await _ratings() == []


async def test_staff_see_the_rating_read_only_on_the_dossier_page(client, make_dossier):
    dossier_id = await make_dossier()
    await client.login("daily.fb")
    page = await client.page(f"/ho-so/{dossier_id}")
    assert "Đánh giá của người dân" in page.text
    assert "Chưa có đánh giá" in page.text
    client.cookies.clear()
    await client.submit(POST, {**GOOD, "source": "push"})
    for username in ("daily.fb", "quanly.fb"):
        client.cookies.clear()
        await client.login(username)
        page = await client.page(f"/ho-so/{dossier_id}")
        heading = page.by_id("rating-staff-heading")
        assert heading is not None
        text = page.text
        assert "Rất hài lòng" in text and "Cảm ơn!" in text
        assert "Gửi từ thông báo" in text
        assert not [f for f in page.doc.iter("form") if "danh-gia" in (f.get("action") or "")]


async def test_no_rating_card_for_staff_before_the_result(client, make_dossier):
    dossier_id = await make_dossier("processing")
    await client.login("daily.fb")
    page = await client.page(f"/ho-so/{dossier_id}")
    assert page.by_id("rating-staff-heading") is None


async def test_a_post_without_the_forms_csrf_token_is_refused(client, make_dossier):
    await make_dossier()
    await client.csrf_token()
    response = await client.post(POST, data=GOOD, follow_redirects=False)
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.text
    assert await _ratings() == []
