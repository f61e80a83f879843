"""Looking a dossier up without an account: code plus the last 4 phone digits, rate limited."""

from __future__ import annotations

import httpx

from app.web.tables import KeyValue
from tests import factories
from tests.html_client import PageClient, check_html
from tests.tracking.support import TOKEN

CODE = "000.00.26.H26-251123-0001"
MISMATCH = "Không tìm thấy hồ sơ khớp với mã hồ sơ và 4 số điện thoại này."


def _problem(html: str) -> str:
    doc = check_html(html)
    box = next(el for el in doc.iter("div") if el.get("class") == "error-summary")
    return " ".join("".join(box.itertext()).split())


async def test_lookup_form_is_plain_and_phone_friendly(client):
    page = await client.page("/tra-cuu")
    assert page.title.startswith("Tra cứu hồ sơ")
    assert "Bạn không cần tài khoản" in page.text
    last4 = page.by_id("f-last4")
    assert last4.get("inputmode") == "numeric" and last4.get("maxlength") == "4"
    assert page.doc.find(".//label[@for='f-last4']").text == "4 số cuối của số điện thoại"
    assert page.doc.find(".//label[@for='f-code']").text == "Mã hồ sơ"
    form = page.doc.find(".//form[@action='/tra-cuu']")
    assert form.get("method") == "post" and form.get("hx-boost") == "false"
    assert page.headers["cache-control"] == "no-store"


async def test_code_and_digits_lead_to_the_status_page(client, submitted):
    response = await client.submit("/tra-cuu", {"code": CODE, "last4": "5678"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/theo-doi/{TOKEN}"
    assert response.headers["cache-control"] == "no-store"


async def test_code_is_accepted_as_people_type_it(client, submitted):
    typed = " 000.00.26.h26 - 251123 - 0001 "  # spaces and lower case
    response = await client.submit("/tra-cuu", {"code": typed, "last4": "５６７８"})  # full-width
    assert response.headers["location"] == f"/theo-doi/{TOKEN}"


async def test_the_agent_reference_works_before_the_portal_code_exists(client, point_agent):
    from app.dossiers.tables import Dossier

    _, agent_id = point_agent
    dossier_id = await factories.dossier(agent_id=agent_id, status="ready", phone="0987654321")
    row = (
        await Dossier.select(Dossier.reference, Dossier.status_token)
        .where(Dossier.id == dossier_id)
        .first()
    )
    response = await client.submit("/tra-cuu", {"code": row["reference"], "last4": "4321"})
    assert response.headers["location"] == f"/theo-doi/{row['status_token']}"


async def test_wrong_digits_and_unknown_code_look_exactly_the_same(client, submitted):
    wrong_digits = await client.submit("/tra-cuu", {"code": CODE, "last4": "1234"})
    unknown_code = await client.submit(
        "/tra-cuu", {"code": "000.00.26.H26-251123-9999", "last4": "5678"}
    )
    assert wrong_digits.status_code == unknown_code.status_code == 400
    assert _problem(wrong_digits.text) == _problem(unknown_code.text)
    assert MISMATCH in _problem(wrong_digits.text)
    # What was typed stays, except the digits.
    assert f'value="{CODE}"' in wrong_digits.text
    assert 'value="1234"' not in wrong_digits.text


async def test_bad_input_gets_a_message_next_to_the_field_never_a_500(client, submitted):
    cases = [
        ({}, ["Nhập mã hồ sơ in trên giấy tiếp nhận.", "Nhập 4 số cuối của số điện thoại"]),
        ({"code": CODE, "last4": "56a8"}, ["Nhập đúng 4 chữ số (từ 0 đến 9)"]),
        ({"code": CODE, "last4": "567"}, ["Nhập đúng 4 chữ số"]),
        ({"code": CODE, "last4": "0912345678"}, ["Nhập đúng 4 chữ số"]),
        ({"code": "X" * 5000, "last4": "5678"}, ["Mã hồ sơ chỉ gồm chữ cái"]),
        ({"code": "<script>alert(1)</script>", "last4": "5678"}, ["Mã hồ sơ chỉ gồm chữ cái"]),
        ({"code": "\x00" + CODE, "last4": "5678\x00"}, None),
    ]
    for data, messages in cases:
        response = await client.submit("/tra-cuu", data)
        if messages is None:
            assert response.status_code == 303  # NUL bytes are dropped by read_form
            continue
        assert response.status_code == 422, (data, response.text[:300])
        doc = check_html(response.text)
        field_errors = " ".join(
            "".join(p.itertext()) for p in doc.iter("p") if p.get("class") == "error-message"
        )
        for message in messages:
            assert message in field_errors, (data, field_errors)
        assert "<script>alert(1)</script>" not in response.text


async def test_a_file_instead_of_text_is_refused_cleanly(client, submitted):
    token = await client.csrf_token()
    response = await client.post(
        "/tra-cuu",
        data={"_csrf_token": token, "last4": "5678"},
        files={"code": ("code.txt", b"000.00.26.H26-251123-0001", "text/plain")},
    )
    assert response.status_code == 422
    assert "Nhập mã hồ sơ in trên giấy tiếp nhận." in response.text


async def test_too_many_failures_from_one_address_are_refused_with_429(make_app, submitted):
    async with PageClient.for_app(make_app(lookup_max_per_ip=3)) as client:
        for n in range(3):
            r = await client.submit("/tra-cuu", {"code": f"DL-X-{n}", "last4": "0000"})
            assert r.status_code == 400
        # Even the right code and digits are refused now: guessing must stop.
        r = await client.submit("/tra-cuu", {"code": CODE, "last4": "5678"})
        assert r.status_code == 429
        assert "Bạn đã tra cứu không thành công quá nhiều lần" in _problem(r.text)
        assert "Quá nhiều lần thử" in _problem(r.text)
        minutes = int(r.headers["retry-after"]) / 60
        assert 1 <= minutes <= 30
        assert f"chờ {int(-(-int(r.headers['retry-after']) // 60))} phút" in r.text
    # Nothing readable about the visitor is stored: keys are hashed.
    keys = [row["key"] for row in await KeyValue.select(KeyValue.key)]
    assert keys and all("127.0.0.1" not in k and "DL-X" not in k for k in keys)


async def test_guessing_one_codes_digits_is_limited_from_any_address(make_app, submitted):
    app = make_app(lookup_max_per_code=2, lookup_max_per_ip=100)
    async with PageClient.for_app(app) as client:
        for digits in ("0001", "0002"):
            r = await client.submit("/tra-cuu", {"code": CODE, "last4": digits})
            assert r.status_code == 400
        # Another address, same code: refused, even with the right digits.
        token = await client.csrf_token()
        other = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 5000)),
            base_url="http://testserver.local",
            cookies=client.cookies,
        )
        async with other:
            r = await other.post(
                "/tra-cuu", data={"_csrf_token": token, "code": CODE, "last4": "5678"}
            )
            assert r.status_code == 429
            # Other codes from that address are still fine.
            r = await other.post(
                "/tra-cuu", data={"_csrf_token": token, "code": "DL-Y-1", "last4": "5678"}
            )
            assert r.status_code == 400


async def test_successful_lookups_do_not_count(make_app, submitted):
    async with PageClient.for_app(make_app(lookup_max_per_code=2, lookup_max_per_ip=2)) as client:
        for _ in range(6):
            r = await client.submit("/tra-cuu", {"code": CODE, "last4": "5678"})
            assert r.status_code == 303
        r = await client.submit("/tra-cuu", {"code": CODE, "last4": "0000"})
        assert r.status_code == 400


async def test_malformed_input_does_not_count(make_app, submitted):
    async with PageClient.for_app(make_app(lookup_max_per_ip=1)) as client:
        for _ in range(3):
            r = await client.submit("/tra-cuu", {"code": CODE, "last4": "abcd"})
            assert r.status_code == 422
        r = await client.submit("/tra-cuu", {"code": CODE, "last4": "5678"})
        assert r.status_code == 303


async def test_lookup_without_csrf_token_is_refused(client, submitted):
    await client.get("/tra-cuu")
    r = await client.post("/tra-cuu", data={"code": CODE, "last4": "5678"})
    assert r.status_code == 403
