"""The portal's and the post's webhooks, fuzzed: hostile JSON bodies under a valid signature,
and hostile signature headers. Never a 5xx (a 500 tells the sender to retry a payload that
can never succeed); a refusal names the problem; a stored reason renders escaped."""

from __future__ import annotations

import json

import pytest
from hypothesis import strategies as st

from app.integrations.signing import HEADER, sign
from tests import factories
from tests.fuzz.harness import check_no_raw_payload, check_response, fuzz, hostile_text

PORTAL_CODE = "000.00.26.H26-251123-0001"
WAYBILL = "EB123456785VN"

# JSON values including lone surrogates and NUL (json.dumps writes them as \\ud800, \\u0000).
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    hostile_text(),
    st.text(st.characters(exclude_categories=()), max_size=10),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text(), inner, max_size=3)
    ),
    max_leaves=10,
)
TIMES = st.one_of(
    st.just("2025-11-23T08:00:00+07:00"),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2025-11-23T08:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]),
)


def _valid(source: str, seq) -> dict:
    if source == "portal":
        return {
            "event_id": f"ev-{seq}",
            "portal_code": PORTAL_CODE,
            "seq": seq,
            "status_code": 2,
            "occurred_at": "2025-11-23T08:00:00+07:00",
            "reason": "",
            "details": {},
        }
    return {
        "event_id": f"ev-{seq}",
        "waybill_code": WAYBILL,
        "seq": seq,
        "event": "dispatched",
        "occurred_at": "2025-11-23T08:00:00+07:00",
        "order_number": "",
        "reason": "",
        "details": {},
    }


@st.composite
def bodies(draw, source: str) -> bytes:
    shape = draw(st.sampled_from(["fields", "fields", "fields", "any", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=300))
    if shape == "any":
        return json.dumps(draw(JSON_VALUES)).encode()
    body = _valid(source, draw(st.integers(1, 2**31 - 1)))
    for name in draw(st.lists(st.sampled_from([*body, "extra"]), max_size=4)):
        choice = draw(st.sampled_from(["value", "drop", "time"]))
        if choice == "drop":
            body.pop(name, None)
        elif choice == "time":
            body[name] = draw(TIMES)
        else:
            body[name] = draw(JSON_VALUES)
    text = json.dumps(body)
    if draw(st.booleans()):  # a duplicated key: the last one wins in most parsers
        text = text[:-1] + ', "event_id": ' + json.dumps(draw(hostile_text())) + "}"
    return text.encode()


HEADERS = st.one_of(
    st.none(),
    hostile_text(),
    st.builds(lambda t, v: f"t={t},v1={v}", hostile_text(), hostile_text()),
    st.builds(lambda t: f"t={t},v1=00", st.integers(-(2**70), 2**70)),
)


async def _setup(source: str) -> int:
    dossier_id = await factories.dossier(status="submitted", portal_code=PORTAL_CODE)
    if source == "postal":
        import datetime as dt

        from app.dossiers.tables import PostalDelivery

        now = dt.datetime.now(dt.UTC)
        await PostalDelivery(
            dossier=dossier_id,
            recipient_name="Nguyễn Văn An",
            phone="0912345678",
            address="Số 1",
            waybill_code=WAYBILL,
            registered_at=now,
            updated_at=now,
        ).save()
    return dossier_id


@pytest.mark.parametrize(
    "source,path", [("portal", "/webhooks/portal"), ("postal", "/webhooks/buu-dien")]
)
async def test_signed_hostile_bodies(client, settings, source, path):
    await _setup(source)
    secret = settings.portal_secret if source == "portal" else settings.postal_secret
    staff = await factories.user(role="supervisor", username=f"fuzz.{source}")  # noqa: F841

    async def example(body: bytes):
        response = await client.post(
            path,
            content=body,
            headers={HEADER: sign(secret, body), "content-type": "application/json"},
        )
        check_response(response, where=f"POST {path}", json_api=True)
        if response.status_code == 400:
            assert response.json()["error"] == "payload" and response.json()["detail"]

    await fuzz(bodies(source), example)
    # Whatever was applied renders escaped on the citizen's status page.
    from app.dossiers.tables import Dossier

    token = (await Dossier.select(Dossier.status_token).first())["status_token"]
    page = await client.get(f"/theo-doi/{token}")
    check_response(page, where="status page after webhooks")
    check_no_raw_payload(page.text, "status page after webhooks")


@pytest.mark.parametrize("path", ["/webhooks/portal", "/webhooks/buu-dien"])
async def test_hostile_signature_headers(client, path):
    async def example(drawn):
        header, body = drawn
        headers = {"content-type": "application/json"}
        if header is not None:
            raw = header.encode("utf-8", "surrogatepass")  # no client can send CR, LF or NUL
            headers[HEADER] = raw.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
        response = await client.post(path, content=body, headers=headers)
        check_response(response, where=f"POST {path} (header {header!r:.60})", json_api=True)
        assert response.status_code == 401, response.text

    await fuzz(
        st.tuples(HEADERS, st.sampled_from([b"{}", json.dumps(_valid("portal", 1)).encode()])),
        example,
    )
