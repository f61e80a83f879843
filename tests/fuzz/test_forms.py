"""Every POST form of the app, fuzzed with hostile values: never a 5xx, nothing echoed or
stored comes back unescaped, and a refusal says what is wrong in Vietnamese.

`test_every_post_route_is_fuzzed` keeps the table below complete: a new POST route fails it
until it is fuzzed here (or in test_webhooks.py, or in a feature's own tests/fuzz/test_*.py
that registers its routes with `covers`)."""

from __future__ import annotations

import io
import urllib.parse

import pytest
from hypothesis import strategies as st
from PIL import Image

from app.dossiers.states import S
from app.dossiers.tables import Dossier
from tests import factories
from tests.fuzz.harness import (
    check_no_raw_payload,
    check_response,
    form_bodies,
    fuzz,
    hostile_text,
    maybe,
    post_form,
)

FUZZED: set[str] = set()  # route paths the tests below cover (checked at the end)
WEBHOOKS = {"/webhooks/portal", "/webhooks/buu-dien"}  # fuzzed in test_webhooks.py
DOSSIER_STATUSES = [s.value for s in S]
BIG_INTS = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31, 2**63]))


def covers(path: str):
    FUZZED.add(path)
    return lambda f: f


async def _agent(client) -> dict:
    point_id = await factories.point()
    agent_id = await factories.user(role="agent", username="fuzz.agent", point_id=point_id)
    await client.login("fuzz.agent")
    procedure_id = await factories.procedure(components=2)
    return {"agent": agent_id, "point": point_id, "procedure": procedure_id}


async def _admin(client) -> None:
    await factories.user(role="admin", username="fuzz.admin")
    await client.login("fuzz.admin")


async def _version(dossier_id: int) -> str:
    row = await Dossier.select(Dossier.version).where(Dossier.id == dossier_id).first()
    return str(row["version"])


async def _dossier(ctx: dict, status: str = "draft") -> int:
    return await factories.dossier(
        agent_id=ctx["agent"],
        procedure_id=ctx["procedure"],
        status=status,
        with_components=True,
        portal_code=None if status in ("draft", "ready", "cancelled") else None,
    )


async def _shows_safely(client, url: str, where: str) -> None:
    response = await client.get(url)
    check_response(response, where=f"GET {url} after {where}")
    check_no_raw_payload(response.text, f"GET {url} after {where}")


# ---------------------------------------------------------------------------------------
# Public forms


@covers("/dang-nhap")
async def test_login(client):
    await factories.user(role="agent", username="fuzz.login")
    fields = {"username": "fuzz.login", "password": "wrong", "next": "/dai-ly"}

    async def example(body):
        response = await post_form(client, "/dang-nhap", body)
        check_response(response, where="POST /dang-nhap")
        if response.status_code == 303:
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith("//"), location

    await fuzz(form_bodies(fields), example)


@covers("/ngon-ngu")
async def test_language_switch(client):
    async def example(body):
        response = await post_form(client, "/ngon-ngu", body)
        check_response(response, where="POST /ngon-ngu")
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert "\\" not in location and "\n" not in location

    await fuzz(form_bodies({"lang": st.sampled_from(["vi", "en"]), "next": "/tra-cuu"}), example)
    client.cookies.delete("lang") if "lang" in client.cookies else None


@covers("/tra-cuu")
async def test_status_lookup(client):
    await factories.dossier(portal_code="000.00.26.H26-251123-0001")

    async def example(body):
        response = await post_form(client, "/tra-cuu", body)
        check_response(response, where="POST /tra-cuu")

    fields = {"code": "000.00.26.H26-251123-0001", "last4": "5678"}
    await fuzz(form_bodies(fields), example)


@covers("/dang-xuat")
async def test_logout(client):
    await factories.user(role="agent", username="fuzz.out")

    async def example(drawn):
        signed_in, body = drawn
        if signed_in:
            await client.login("fuzz.out")
        response = await post_form(client, "/dang-xuat", body)
        check_response(response, where="POST /dang-xuat")

    await fuzz(st.tuples(st.booleans(), form_bodies({"next": "/"})), example)


# ---------------------------------------------------------------------------------------
# Agent: intake, dossier steps, consultations


@covers("/ho-so/moi")
async def test_intake(client):
    ctx = await _agent(client)
    fields = {
        "procedure": str(ctx["procedure"]),
        "action": st.sampled_from(["save", "prefill"]),
        "qr_payload": "001090012345|012345678|Nguyễn Văn An|17051990|Nam|Ba Vì, Hà Nội|01012021",
        "full_name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "old_id_number": "",
        "id_issue_date": "2021-01-01",
        "date_of_birth": "1990-05-17",
        "sex": st.sampled_from(["male", "female"]),
        "phone": "0912345678",
        "email": "an@example.vn",
        "address": "Số 1 Tây Đằng",
        "commune_code": "",
        "sets_count": "1",
        "result_delivery": st.sampled_from(["pickup", "post"]),
        "consent": "yes",
        "notes": "",
        "received": "1",
    }

    async def example(body):
        response = await post_form(client, "/ho-so/moi", body)
        check_response(response, where="POST /ho-so/moi")
        if response.status_code == 303 and "/ho-so/" in response.headers["location"]:
            await _shows_safely(client, response.headers["location"], "intake")

    await fuzz(form_bodies(fields), example)


STEPS = {
    "/ho-so/{dossier_id:int}/thong-tin": ("thong-tin", {}),
    "/ho-so/{dossier_id:int}/giay-to": ("giay-to", {"received": "1"}),
    "/ho-so/{dossier_id:int}/san-sang": ("san-sang", {}),
    "/ho-so/{dossier_id:int}/gui": ("gui", {}),
    "/ho-so/{dossier_id:int}/ma-ho-so": ("ma-ho-so", {"portal_code": "000.00.26.H26-251123-0001"}),
    "/ho-so/{dossier_id:int}/buu-dien": (
        "buu-dien",
        {
            "recipient_name": "Nguyễn Văn An",
            "recipient_phone": "0912345678",
            "recipient_address": "Số 1 Tây Đằng",
            "commune_code": "",
            "fee_note": "",
        },
    ),
    "/ho-so/{dossier_id:int}/tra-ket-qua": ("tra-ket-qua", {}),
    "/ho-so/{dossier_id:int}/huy": ("huy", {"reason": "Công dân rút hồ sơ"}),
}
for _path in STEPS:
    FUZZED.add(_path)


@pytest.mark.parametrize("path", list(STEPS))
async def test_dossier_steps(client, path):
    """Each step on a fresh dossier in a drawn state, with the right version or a hostile one;
    now and then a hostile dossier id in the path."""
    ctx = await _agent(client)
    action, fields = STEPS[path]
    strategy = st.tuples(
        st.sampled_from(DOSSIER_STATUSES),
        form_bodies({**fields, "version": "CURRENT"}),
        st.one_of(st.none(), st.none(), st.none(), BIG_INTS),
    )

    async def example(drawn):
        status, (encoding, items, raw), other_id = drawn
        dossier_id = await _dossier(ctx, status)
        version = await _version(dossier_id)
        items = [(k, version if v == "CURRENT" else v) for k, v in items]
        raw = raw.replace(b"CURRENT", version.encode())
        target = dossier_id if other_id is None else other_id
        url = f"/ho-so/{target}/{action}"
        response = await post_form(client, url, (encoding, items, raw))
        check_response(response, where=f"POST {url} ({status})")
        if response.status_code == 303 and other_id is None:
            await _shows_safely(client, f"/ho-so/{dossier_id}", url)
        elif response.status_code == 200 and other_id is None:
            await _shows_safely(client, f"/ho-so/{dossier_id}", url)

    await fuzz(strategy, example)


@covers("/tu-van")
async def test_consultation(client):
    ctx = await _agent(client)
    fields = {
        "procedure": st.sampled_from([str(ctx["procedure"]), ""]),
        "topic": "Hỏi về khai sinh",
        "outcome": st.sampled_from(["resolved", "referred"]),
        "citizen_name": "Trần Thị Bình",
        "notes": "",
    }

    async def example(body):
        response = await post_form(client, "/tu-van", body)
        check_response(response, where="POST /tu-van")
        if response.status_code == 303:
            await _shows_safely(client, "/tu-van", "POST /tu-van")

    await fuzz(form_bodies(fields), example)


# ---------------------------------------------------------------------------------------
# Capture


def _jpeg(seed: int, size=(320, 240)) -> bytes:
    image = Image.new("RGB", size, (200 + seed % 50, 200, 190))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


JPEGS = [_jpeg(i) for i in range(4)]
FILES = st.one_of(
    st.sampled_from(JPEGS),
    st.binary(max_size=200),
    st.sampled_from(JPEGS).map(lambda b: b[: len(b) // 2]),  # truncated
    st.sampled_from([b"", b"GIF89a" + b"\x00" * 20, b"%PDF-1.4\n", b"<svg onload=alert(1)>"]),
)


def _files_on_disk(settings) -> set[str]:
    from app.capture.storage import document_store

    return {name for name, _ in document_store(settings).storage.names()}


async def _orphans_check(settings, before: set[str]) -> None:
    """Files this test made (the document folder outlives the per-test table cleaning)."""
    from app.capture.storage import NAME_RE
    from app.capture.tables import DocumentPage

    on_disk = _files_on_disk(settings) - before
    assert all(NAME_RE.match(n) for n in on_disk), f"leftover temporary files: {on_disk}"
    named = set()
    for row in await DocumentPage.select(DocumentPage.file_name, DocumentPage.thumb_name):
        named.update((row["file_name"], row["thumb_name"]))
    named -= before
    assert on_disk == named, f"orphans {on_disk - named}, missing {named - on_disk}"


@covers("/ho-so/{dossier_id:int}/trang")
async def test_page_upload(client, settings):
    from app.dossiers.tables import DossierComponent

    before = _files_on_disk(settings)
    ctx = await _agent(client)
    dossier_id = await _dossier(ctx)
    components = [
        str(r["id"])
        for r in await DossierComponent.select(DossierComponent.id).where(
            DossierComponent.dossier == dossier_id
        )
    ]
    strategy = st.fixed_dictionaries(
        {
            "component": maybe(st.sampled_from(components)),
            "page_id": maybe(st.uuids().map(str)),
            "replaces": st.one_of(st.just(""), hostile_text(), st.uuids().map(str)),
            "file": FILES,
            "filename": st.one_of(st.just("page.jpg"), hostile_text()),
            "queue": st.booleans(),
            "extra_files": st.integers(0, 2),
        }
    )

    async def example(v):
        files = [("file", (v["filename"][:200] or "x", v["file"], "image/jpeg"))]
        files += [("file", ("more.jpg", JPEGS[i], "image/jpeg")) for i in range(v["extra_files"])]
        data = {"component": v["component"], "page_id": v["page_id"]}
        if v["replaces"]:
            data["replaces"] = v["replaces"]
        headers = {"x-csrftoken": await client.csrf_token()}
        if v["queue"]:
            headers["x-capture-queue"] = "1"
        response = await client.post(
            f"/ho-so/{dossier_id}/trang", data=data, files=files, headers=headers
        )
        check_response(response, where=f"POST upload {v['page_id']!r:.40}")
        await _shows_safely(client, f"/ho-so/{dossier_id}/chup", "upload")
        await _orphans_check(settings, before)

    await fuzz(strategy, example)


PAGE_ACTIONS = {
    "/ho-so/{dossier_id:int}/trang/{uid:str}/xoay": ("xoay", "chieu", ["trai", "phai"]),
    "/ho-so/{dossier_id:int}/trang/{uid:str}/di-chuyen": ("di-chuyen", "huong", ["len", "xuong"]),
    "/ho-so/{dossier_id:int}/trang/{uid:str}/giu": ("giu", "x", [""]),
    "/ho-so/{dossier_id:int}/trang/{uid:str}/xoa": ("xoa", "x", [""]),
}
for _path in PAGE_ACTIONS:
    FUZZED.add(_path)


@pytest.mark.parametrize("path", list(PAGE_ACTIONS))
async def test_page_actions(client, settings, path):
    from app.capture.services import page_upload
    from app.dossiers.tables import DossierComponent
    from app.settings import get_settings

    before = _files_on_disk(settings)
    ctx = await _agent(client)
    place = {"uploads": 0}

    async def fresh_place() -> None:  # a document holds at most 30 pages
        place["dossier"] = await _dossier(ctx)
        place["component"] = (
            await DossierComponent.select(DossierComponent.id)
            .where(DossierComponent.dossier == place["dossier"])
            .first()
        )["id"]
        place["uploads"] = 0

    await fresh_place()
    action, param, values = PAGE_ACTIONS[path]
    strategy = st.tuples(
        st.one_of(st.none(), hostile_text()),
        maybe(st.sampled_from(values)),
        st.booleans(),
        st.one_of(st.none(), st.none(), BIG_INTS),
    )

    async def example(drawn):
        import uuid

        from app.capture.storage import document_store

        hostile_uid, query, htmx, other_id = drawn
        uid = str(uuid.uuid4())
        if place["uploads"] >= 20:
            await fresh_place()
        dossier_id, component = place["dossier"], place["component"]
        if hostile_uid is None:
            place["uploads"] += 1
            user = await _current_user(ctx["agent"])
            await page_upload(
                user=user,
                dossier_id=dossier_id,
                component_id=component,
                uid=uid,
                data=JPEGS[0],
                store=document_store(get_settings()),
                settings=get_settings(),
            )
        else:
            uid = hostile_uid
        target = dossier_id if other_id is None else other_id
        # httpx refuses URLs over 64 KB; 2,000 characters is more than any browser sends.
        quoted = urllib.parse.quote(uid, safe="", errors="surrogatepass")[:2000] or "%20"
        url = (
            f"/ho-so/{target}/trang/{quoted}/{action}?"
            + urllib.parse.urlencode({param: query}, errors="surrogatepass")[:2000]
        )
        headers = {"x-csrftoken": await client.csrf_token()}
        if htmx:
            headers["hx-request"] = "true"
        response = await client.post(url, headers=headers)
        check_response(response, where=f"POST {path}")
        await _orphans_check(settings, before)

    await fuzz(strategy, example)


async def _current_user(user_id: int):
    from app.accounts.tables import User
    from app.web.sessions import CurrentUser

    row = await User.select().where(User.id == user_id).first()
    return CurrentUser(
        row["id"], row["username"], row["full_name"], row["role"], row["point"], None
    )


# ---------------------------------------------------------------------------------------
# Admin: holidays, catalogue


@covers("/quan-tri/ngay-nghi")
async def test_holiday_save(client):
    await _admin(client)
    fields = {
        "day": st.dates().map(lambda d: d.isoformat()),
        "name": "Nghỉ bù",
        "kind": st.sampled_from(["holiday", "compensatory", "working_weekend"]),
        "nam": "2025",
    }

    async def example(body):
        response = await post_form(client, "/quan-tri/ngay-nghi", body)
        check_response(response, where="POST /quan-tri/ngay-nghi")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], "holiday")

    await fuzz(form_bodies(fields), example)


@covers("/quan-tri/ngay-nghi/{holiday_id:int}/xoa")
async def test_holiday_remove(client):
    await _admin(client)

    async def example(drawn):
        holiday_id, body = drawn
        response = await post_form(client, f"/quan-tri/ngay-nghi/{holiday_id}/xoa", body)
        check_response(response, where="POST holiday remove")

    await fuzz(st.tuples(BIG_INTS, form_bodies({})), example)


CATALOGUE_FIELDS = {
    "code": st.from_regex(r"1\.[0-9]{6}", fullmatch=True),
    "name": "Đăng ký kết hôn",
    "field": "Hộ tịch",
    "authority_level": st.sampled_from(["commune", "district", "province"]),
    "service_level": st.sampled_from(["full_online", "partial_online"]),
    "processing_days": "3",
    "fee_amount": "0",
    "fee_note": "",
    "description": "",
    "agent_allowed": "on",
    "action": st.sampled_from(["save", "add_row"]),
    "rows": "2",
    "c-0-name": "Tờ khai",
    "c-0-copy_kind": st.sampled_from(["original", "copy", "certified_copy"]),
    "c-0-count": "1",
    "c-0-position": "1",
    "c-0-note": "",
    "c-0-mandatory": "on",
    "c-1-name": "",
    "c-99-colour": "on",
}


@covers("/quan-tri/thu-tuc/moi")
@covers("/quan-tri/thu-tuc/{procedure_id:int}/sua")
@pytest.mark.parametrize("edit", [False, True])
async def test_catalogue_editor(client, edit):
    await _admin(client)
    procedure_id = await factories.procedure()

    async def example(drawn):
        body, other_id = drawn
        target = other_id if other_id is not None else procedure_id
        url = f"/quan-tri/thu-tuc/{target}/sua" if edit else "/quan-tri/thu-tuc/moi"
        response = await post_form(client, url, body)
        check_response(response, where=f"POST {url}")
        if response.status_code == 303:
            await _shows_safely(client, response.headers["location"], url)

    strategy = st.tuples(
        form_bodies(CATALOGUE_FIELDS), st.one_of(st.none(), st.none(), st.none(), BIG_INTS)
    )
    await fuzz(strategy, example)


@covers("/quan-tri/thu-tuc/{procedure_id:int}/ngung-ap-dung")
@covers("/quan-tri/thu-tuc/{procedure_id:int}/ap-dung-lai")
@pytest.mark.parametrize("action", ["ngung-ap-dung", "ap-dung-lai"])
async def test_catalogue_retire(client, action):
    await _admin(client)
    procedure_id = await factories.procedure()

    async def example(drawn):
        other_id, body = drawn
        target = procedure_id if other_id is None else other_id
        response = await post_form(client, f"/quan-tri/thu-tuc/{target}/{action}", body)
        check_response(response, where=f"POST {action}")

    await fuzz(st.tuples(st.one_of(st.none(), BIG_INTS), form_bodies({})), example)


# ---------------------------------------------------------------------------------------
# Citizens' push subscriptions (JSON)


def _subscription_bodies(token: str):
    key65 = (
        "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
    )
    valid = {
        "token": token,
        "subscription": {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "keys": {"p256dh": key65, "auth": "tBHItJI5svbpez7KI4CCXg"},
        },
    }
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(hostile_text(), inner, max_size=3)
        ),
        max_leaves=8,
    )

    @st.composite
    def bodies(draw):
        shape = draw(st.sampled_from(["valid-ish", "valid-ish", "any", "bytes"]))
        if shape == "bytes":
            return draw(st.binary(max_size=200))
        if shape == "any":
            return __import__("json").dumps(draw(json_values)).encode()
        body = __import__("copy").deepcopy(valid)
        for path in draw(st.lists(st.sampled_from(["token", "endpoint", "p256dh", "auth"]))):
            value = draw(json_values)
            if path == "token":
                body["token"] = value
            elif path == "endpoint":
                body["subscription"]["endpoint"] = value
            else:
                body["subscription"]["keys"][path] = value
        return __import__("json").dumps(body).encode()

    return bodies()


@covers("/thong-bao/dang-ky")
@covers("/thong-bao/huy")
@pytest.mark.parametrize("action", ["dang-ky", "huy"])
async def test_push_subscriptions(client, action):
    token = (
        await Dossier.select(Dossier.status_token)
        .where(Dossier.id == await factories.dossier())
        .first()
    )["status_token"]

    async def example(body):
        response = await client.post(
            f"/thong-bao/{action}",
            content=body,
            headers={"content-type": "application/json", "x-csrftoken": await client.csrf_token()},
        )
        check_response(response, where=f"POST /thong-bao/{action}", json_api=True)

    await fuzz(_subscription_bodies(token), example)


@covers("/thong-bao/cua-toi/dang-ky")
@covers("/thong-bao/cua-toi/huy")
@pytest.mark.parametrize("action", ["dang-ky", "huy"])
async def test_staff_push_subscriptions(client, action):
    """A signed-in agent's own notifications: hostile JSON bodies, signed in or not."""
    await _agent(client)

    async def example(drawn):
        signed_in, body = drawn
        if not signed_in:
            client.cookies.clear()
        elif "sid" not in client.cookies:
            await client.login("fuzz.agent")
        response = await client.post(
            f"/thong-bao/cua-toi/{action}",
            content=body,
            headers={"content-type": "application/json", "x-csrftoken": await client.csrf_token()},
        )
        check_response(response, where=f"POST /thong-bao/cua-toi/{action}", json_api=True)

    await fuzz(st.tuples(st.booleans(), _subscription_bodies("")), example)


@covers("/thong-bao/cua-toi/tat-ca")
async def test_staff_push_turn_off_everywhere(client):
    await _agent(client)

    async def example(body):
        response = await post_form(client, "/thong-bao/cua-toi/tat-ca", body)
        check_response(response, where="POST /thong-bao/cua-toi/tat-ca")

    await fuzz(form_bodies({"next": "/"}), example)


# ---------------------------------------------------------------------------------------
# Citizens' satisfaction rating (under the status token)


@covers("/theo-doi/{token:str}/danh-gia")
async def test_rating(client):
    from app.feedback.services import RatingLimits
    from app.web.ratelimit import RateLimiter
    from app.web.stores import DatabaseStore

    store = DatabaseStore(namespace="ratelimit")  # room for every example: limits tested apart
    client.app.state["rating_limits"] = RatingLimits(
        per_ip=RateLimiter(store, name="fuzz-ip", limit=10**6, window_seconds=60),
        per_dossier=RateLimiter(store, name="fuzz-dossier", limit=10**6, window_seconds=60),
    )
    point_id = await factories.point()
    agent_id = await factories.user(role="agent", point_id=point_id)
    fields = {
        "level": st.sampled_from(["very_satisfied", "satisfied", "dissatisfied", ""]),
        "attitude": st.sampled_from(["good", "fair", "poor", ""]),
        "guidance": st.sampled_from(["good", "fair", "poor", ""]),
        "waiting_time": st.sampled_from(["good", "fair", "poor", ""]),
        "charged": st.sampled_from(["yes", "no", ""]),
        "comment": st.one_of(st.just("Cảm ơn chị nhân viên"), st.text(max_size=1100)),
        "source": st.sampled_from(["status", "push"]),
    }
    strategy = st.tuples(
        st.sampled_from(["result_returned", "result_returned", "result_delivered", "processing"]),
        form_bodies(fields),
        st.booleans(),
        st.one_of(st.none(), st.none(), st.none(), hostile_text()),
    )

    async def example(drawn):
        status, body, htmx, hostile_token = drawn
        dossier_id = await factories.dossier(agent_id=agent_id, status=status)
        token = (
            await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()
        )["status_token"]
        path_token = token
        if hostile_token is not None:
            path_token = urllib.parse.quote(hostile_token, safe="", errors="surrogatepass")
            path_token = path_token[:2000] or "%20"
        url = f"/theo-doi/{path_token}/danh-gia"
        headers = {"hx-request": "true"} if htmx else None
        response = await post_form(client, url, body, headers=headers)
        check_response(response, where=f"POST rating ({status})")
        if response.status_code in (200, 303):
            await _shows_safely(client, f"/theo-doi/{token}", "rating")

    await fuzz(strategy, example)


# ---------------------------------------------------------------------------------------
# Admin: the audit log viewer's export and integrity check

AUDIT_FILTERS = {
    "nguoi": st.sampled_from(["fuzz.admin", "daily.bavi", ""]),
    "hanh-dong": st.sampled_from(["", "personal_data_viewed", "@personal_data", "login_failed"]),
    "doi-tuong": st.sampled_from(["", "fuzz.admin", "DL-T-0001"]),
    "tu-ngay": st.sampled_from(["", "2025-01-01", "01/01/2025"]),
    "den-ngay": st.sampled_from(["", "2030-12-31", "31/12/2030"]),
}


@covers("/quan-tri/nhat-ky/xuat")
async def test_audit_log_export(client):
    await _admin(client)

    async def example(body):
        response = await post_form(client, "/quan-tri/nhat-ky/xuat", body)
        check_response(response, where="POST /quan-tri/nhat-ky/xuat")
        assert response.status_code in (200, 422), response.status_code

    await fuzz(form_bodies(AUDIT_FILTERS), example)


@covers("/quan-tri/nhat-ky")
async def test_audit_log_filters(client):
    """The viewer's filters arrive in the query string (a GET form): hostile values too."""
    await _admin(client)

    async def example(drawn):
        _encoding, items, _raw = drawn
        query = urllib.parse.urlencode(items, errors="surrogatepass")[:4000]
        response = await client.get(f"/quan-tri/nhat-ky?{query}")
        check_response(response, where="GET /quan-tri/nhat-ky")

    fields = {**AUDIT_FILTERS, "truoc": st.integers(-5, 2**70).map(str), "sau": "1"}
    await fuzz(form_bodies(fields), example)


@covers("/quan-tri/nhat-ky/kiem-tra")
async def test_audit_chain_check(client):
    await _admin(client)

    async def example(drawn):
        htmx, body = drawn
        headers = {"hx-request": "true"} if htmx else None
        response = await post_form(client, "/quan-tri/nhat-ky/kiem-tra", body, headers=headers)
        check_response(response, where="POST /quan-tri/nhat-ky/kiem-tra")

    await fuzz(st.tuples(st.booleans(), form_bodies({})), example)


# ---------------------------------------------------------------------------------------


def test_every_post_route_is_fuzzed(make_app):
    import importlib
    import pkgutil

    import tests.fuzz

    for module in pkgutil.iter_modules(tests.fuzz.__path__):  # features' own fuzz modules
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.fuzz.{module.name}")
    app = make_app()
    posts = {
        route.path
        for route in app.routes
        if "POST" in getattr(route, "methods", set()) and not route.path.startswith("/mo-phong")
    }
    from tests.fuzz import test_points_forms

    missing = posts - FUZZED - WEBHOOKS - test_points_forms.FUZZED
    assert not missing, f"POST routes nobody fuzzes: {sorted(missing)}"
    assert len(posts) >= 28
