"""The advice log: agents record consultations; managers and the Centre read within scope."""

from __future__ import annotations

import datetime as dt

from app.catalogue.tables import Procedure
from app.consultations.services import CONSULTATION_OUTCOMES, OUTCOME_LABELS
from app.dossiers.tables import Consultation
from tests import factories
from tests.html_client import check_html


async def _setup():
    org_a = await factories.organisation(name="Bưu điện A")
    org_b = await factories.organisation(name="Công ty B")
    point_a = await factories.point(organisation_id=org_a, code="DL-A-001")
    point_b = await factories.point(organisation_id=org_b, code="DL-B-001")
    await factories.user(role="agent", username="daily.a", point_id=point_a)
    await factories.user(role="agent", username="daily.b", point_id=point_b)
    return org_a, org_b


def _errors(html: str) -> dict[str, str]:
    doc = check_html(html)
    return {
        p.get("id"): "".join(p.itertext())
        for p in doc.iter("p")
        if p.get("class") == "error-message"
    }


def test_every_outcome_has_a_label():
    assert set(OUTCOME_LABELS) == set(CONSULTATION_OUTCOMES)


async def test_agent_sees_the_form_with_procedures_in_force(client):
    await _setup()
    kept = await factories.procedure(name="Đăng ký khai sinh")
    retired = await factories.procedure(name="Thủ tục đã bãi bỏ")
    await Procedure.update({Procedure.is_retired: True}).where(Procedure.id == retired)
    await client.login("daily.a")
    page = await client.page("/tu-van")
    assert page.title.startswith("Sổ tư vấn")
    options = {o.get("value"): o.text for o in page.by_id("f-procedure").iter("option")}
    assert options[str(kept)] == "Đăng ký khai sinh"
    assert str(retired) not in options
    radios = [i.get("value") for i in page.doc.iter("input") if i.get("name") == "outcome"]
    assert radios == list(CONSULTATION_OUTCOMES)
    for label in (
        "Đã giải đáp xong",
        "Đã lập hồ sơ",
        "Đã hướng dẫn đến cơ quan có thẩm quyền",
        "Cần liên hệ lại",
    ):
        assert label in page.text
    assert page.doc.find(".//label[@for='f-topic']").text == "Nội dung tư vấn"
    assert "Chưa có buổi tư vấn nào được ghi nhận." in page.text


async def test_agent_records_a_consultation_and_sees_it_listed(client):
    await _setup()
    procedure_id = await factories.procedure(name="Đăng ký kết hôn")
    await client.login("daily.a")
    response = await client.submit(
        "/tu-van",
        {
            "procedure": str(procedure_id),
            "topic": "  Giấy tờ cần   để đăng ký kết hôn ",
            "outcome": "resolved",
            "citizen_name": "Trần Thị Bình",
            "notes": "Hẹn quay lại thứ Hai",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/tu-van?da_luu=1"
    page = await client.page(response.headers["location"])
    assert "Đã lưu buổi tư vấn." in page.text
    item = " ".join(
        "".join(
            next(li for li in page.doc.iter("li") if li.get("class") == "list-item").itertext()
        ).split()
    )
    assert "Giấy tờ cần để đăng ký kết hôn" in item
    assert "Đã giải đáp xong · Đăng ký kết hôn" in item
    assert "Trần Thị Bình" in item and "Hẹn quay lại thứ Hai" in item
    row = await Consultation.select().first()
    assert row["topic"] == "Giấy tờ cần để đăng ký kết hôn" and row["procedure"] == procedure_id


async def test_procedure_is_optional(client):
    await _setup()
    await client.login("daily.a")
    response = await client.submit("/tu-van", {"topic": "Hỏi giờ làm việc", "outcome": "referred"})
    assert response.status_code == 303
    assert (await Consultation.select(Consultation.procedure).first())["procedure"] is None


async def test_missing_fields_are_named_and_what_was_typed_stays(client):
    await _setup()
    await client.login("daily.a")
    response = await client.submit("/tu-van", {"citizen_name": "Lê Văn Cường", "notes": "abc"})
    assert response.status_code == 422
    errors = _errors(response.text)
    assert errors["f-topic-error"]  # the service's message (its wording is the service's)
    assert "f-outcome-error" in errors
    doc = check_html(response.text)
    summary = next(d for d in doc.iter("div") if d.get("class") == "error-summary")
    links = [a.get("href") for a in summary.iter("a")]
    assert links == ["#f-topic", "#f-outcome"]
    assert doc.find(".//input[@id='f-citizen_name']").get("value") == "Lê Văn Cường"
    assert doc.find(".//textarea[@id='f-notes']").text == "abc"
    assert await Consultation.count() == 0


async def test_bad_values_get_messages_never_a_500(client):
    await _setup()
    await client.login("daily.a")
    cases = [
        ({"topic": "x" * 501, "outcome": "resolved"}, "f-topic-error"),
        ({"topic": "Hỏi", "outcome": "hacked"}, "f-outcome-error"),
        ({"topic": "Hỏi", "outcome": "resolved", "procedure": "abc"}, "f-procedure-error"),
        ({"topic": "Hỏi", "outcome": "resolved", "procedure": "99999999"}, "f-procedure-error"),
        ({"topic": "Hỏi", "outcome": "resolved", "procedure": "9" * 40}, "f-procedure-error"),
        ({"topic": "Hỏi", "outcome": "resolved", "procedure": "²"}, "f-procedure-error"),
        ({"topic": "Hỏi", "outcome": "resolved", "procedure": "3000000000"}, "f-procedure-error"),
        (
            {"topic": "Hỏi", "outcome": "resolved", "citizen_name": "A" * 300},
            "f-citizen_name-error",
        ),
        ({"topic": "Hỏi", "outcome": "resolved", "notes": "n" * 2001}, "f-notes-error"),
    ]
    for data, field in cases:
        response = await client.submit("/tu-van", data)
        assert response.status_code == 422, (data, response.status_code, response.text[:500])
        errors = _errors(response.text)
        assert field in errors, (data, errors)
    assert await Consultation.count() == 0


async def test_lists_are_scoped_to_the_reader(client):
    org_a, _ = await _setup()
    for username, topic in (("daily.a", "Chủ đề của A"), ("daily.b", "Chủ đề của B")):
        await client.login(username)
        r = await client.submit("/tu-van", {"topic": topic, "outcome": "follow_up"})
        assert r.status_code == 303
    await client.login("daily.a")
    page = await client.page("/tu-van")
    assert "Chủ đề của A" in page.text and "Chủ đề của B" not in page.text
    await factories.user(role="point_manager", username="ql.a", organisation_id=org_a)
    await client.login("ql.a")
    page = await client.page("/tu-van")
    assert "Chủ đề của A" in page.text and "Chủ đề của B" not in page.text
    assert "DL-A-001" in page.text  # managers see which point
    assert page.doc.find(".//form[@action='/tu-van']") is None  # and do not log
    await factories.user(role="supervisor", username="gs.a")
    await client.login("gs.a")
    page = await client.page("/tu-van")
    assert "Chủ đề của A" in page.text and "Chủ đề của B" in page.text


async def test_only_agents_may_log(client):
    await _setup()
    await factories.user(role="supervisor", username="gs.a")
    await client.login("gs.a")
    response = await client.submit("/tu-van", {"topic": "Hỏi", "outcome": "resolved"})
    assert response.status_code == 403
    assert await Consultation.count() == 0


async def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = await client.get("/tu-van", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")
    response = await client.submit("/tu-van", {"topic": "Hỏi", "outcome": "resolved"})
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")


async def test_newest_first(client):
    await _setup()
    await client.login("daily.a")
    for topic in ("Thứ nhất", "Thứ hai"):
        await client.submit("/tu-van", {"topic": topic, "outcome": "resolved"})
    await Consultation.update({Consultation.at: dt.datetime(2025, 1, 1, tzinfo=dt.UTC)}).where(
        Consultation.topic == "Thứ hai"
    )
    page = await client.page("/tu-van")
    assert page.text.index("Thứ nhất") < page.text.index("Thứ hai")
