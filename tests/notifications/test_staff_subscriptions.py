"""A staff member's «Thông báo của tôi» page and its subscribe endpoints: the same flow as the
citizen's card, with the session (not a status token) saying whose events they are."""

from __future__ import annotations

import base64

import pytest

from app.errors import DomainError
from app.notifications.services import (
    MAX_DEVICES_PER_USER,
    MAX_USERS_PER_ENDPOINT,
    staff_event,
    staff_subscription_create,
)
from app.notifications.tables import PushSubscription
from app.web.sessions import CurrentUser
from tests import factories

P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"\x02" * 16).rstrip(b"=").decode()
PAGE = "/thong-bao/cua-toi"
SUBSCRIBE = "/thong-bao/cua-toi/dang-ky"
UNSUBSCRIBE = "/thong-bao/cua-toi/huy"


def browser(endpoint: str = "https://push.example.net/abc", **keys) -> dict:
    return {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH, **keys}}


async def post(client, path: str, payload: dict, *, csrf: bool = True):
    headers = {"x-csrftoken": await client.csrf_token()} if csrf else {}
    return await client.post(path, json=payload, headers=headers)


async def signed_in(client, role: str, **kw) -> int:
    user_id = await factories.user(role=role, username=f"{role.replace('_', '')}-me", **kw)
    await client.login(f"{role.replace('_', '')}-me")
    return user_id


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("agent", "yêu cầu bổ sung giấy tờ cho hồ sơ do bạn tiếp nhận"),
        ("point_manager", "hồ sơ tại các điểm đại lý của tổ chức bạn"),
        ("supervisor", "có từ 5 hồ sơ quá hạn trở lên"),
        ("admin", "có từ 5 hồ sơ quá hạn trở lên"),
    ],
)
async def test_each_role_is_told_what_it_will_be_notified_about(client, role, says):
    await signed_in(client, role)
    page = await client.page(PAGE)
    assert page.title.startswith("Thông báo của tôi")
    assert says in page.text
    [card] = page.select_all("div", data_subscribe_url=SUBSCRIBE)
    assert card.get("data-unsubscribe-url") == UNSUBSCRIBE
    assert card.get("data-key-url") == "/thong-bao/khoa"
    assert card.get("data-follow", "").startswith("staff:")
    [link] = page.select_all("a", href=PAGE)  # in the agent's or the supervisor's menu
    assert link.get("aria-current") == "page"
    assert "Thông báo của tôi" in "".join(link.itertext())


async def test_the_menus_link_to_the_page(client):
    await signed_in(client, "agent")
    assert (await client.page("/dai-ly")).select_all("a", href=PAGE)


async def test_signed_out_the_page_asks_to_sign_in_and_the_endpoints_answer_401(client):
    response = await client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dang-nhap?next={PAGE}"
    response = await post(client, SUBSCRIBE, {"subscription": browser()})
    assert response.status_code == 401
    assert "đăng nhập lại" in response.json()["error"]
    assert (await post(client, UNSUBSCRIBE, {"subscription": browser()})).status_code == 401
    assert await PushSubscription.count() == 0


async def test_subscribe_is_idempotent_and_unsubscribe_removes(client):
    user_id = await signed_in(client, "agent")
    first = await post(client, SUBSCRIBE, {"subscription": browser(), "user": user_id})
    assert (first.status_code, first.json()) == (201, {"status": "subscribed"})
    again = await post(client, SUBSCRIBE, {"subscription": browser()})
    assert (again.status_code, again.json()) == (200, {"status": "subscribed"})
    [row] = await PushSubscription.select()
    assert (row["user"], row["dossier"]) == (user_id, None)
    assert "1 thiết bị" in (await client.page(PAGE)).text
    gone = await post(client, UNSUBSCRIBE, {"subscription": {"endpoint": browser()["endpoint"]}})
    assert (gone.status_code, gone.json()) == (200, {"status": "unsubscribed"})
    assert await PushSubscription.count() == 0


async def test_subscribe_needs_csrf(client):
    await signed_in(client, "supervisor")
    response = await post(client, SUBSCRIBE, {"subscription": browser()}, csrf=False)
    assert response.status_code == 403
    response = await client.post(f"{PAGE}/tat-ca", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert await PushSubscription.count() == 0


async def test_a_device_renewed_for_another_account_is_refused(client):
    other = await factories.user(role="agent")
    await signed_in(client, "agent")
    for claimed in (other, str(other), True):
        response = await post(client, SUBSCRIBE, {"subscription": browser(), "user": claimed})
        assert response.status_code == 403
        assert "tài khoản khác" in response.json()["error"]
    assert await PushSubscription.count() == 0


@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        ("http://push.example.net/abc", {}),
        ("https://push.example.net/" + "a" * 2048, {}),
        ("https://user:pw@push.example.net/x", {}),
        ("not a url", {}),
        ("https://push.example.net/abc", {"p256dh": AUTH}),
        ("https://push.example.net/abc", {"auth": None}),
    ],
)
async def test_invalid_subscriptions_are_refused_in_vietnamese(client, endpoint, keys):
    await signed_in(client, "agent")
    response = await post(client, SUBSCRIBE, {"subscription": browser(endpoint, **keys)})
    assert response.status_code == 400, response.text
    assert "đăng ký nhận thông báo" in response.json()["error"]
    assert await PushSubscription.count() == 0


async def test_broken_or_oversized_bodies_are_400(client):
    await signed_in(client, "agent")
    headers = {"x-csrftoken": await client.csrf_token(), "content-type": "application/json"}
    for content in (b"{not json", b"[]", b'{"subscription": "' + b"x" * 9000 + b'"}'):
        response = await client.post(SUBSCRIBE, content=content, headers=headers)
        assert response.status_code == 400
        assert "error" in response.json()


async def test_at_most_five_devices_per_staff_member(client):
    await signed_in(client, "agent")
    for n in range(MAX_DEVICES_PER_USER):
        response = await post(
            client, SUBSCRIBE, {"subscription": browser(f"https://p.example/{n}")}
        )
        assert response.status_code == 201
    response = await post(client, SUBSCRIBE, {"subscription": browser("https://p.example/x")})
    assert response.status_code == 429
    assert "5 thiết bị" in response.json()["error"]


async def test_one_shared_device_serves_at_most_ten_staff_members(settings):
    from app.accounts.selectors import current_user_by_id

    for n in range(MAX_USERS_PER_ENDPOINT + 1):
        user = await current_user_by_id(await factories.user(role="agent"))
        if n < MAX_USERS_PER_ENDPOINT:
            assert await staff_subscription_create(
                user=user, subscription=browser(), settings=settings
            )
    with pytest.raises(DomainError) as refused:
        await staff_subscription_create(user=user, subscription=browser(), settings=settings)
    assert refused.value.status_code == 429


async def test_staff_and_citizen_rows_of_one_browser_do_not_mix(client, settings):
    dossier_id = await factories.dossier(status="submitted")
    token = (await _token(dossier_id))["status_token"]
    user_id = await signed_in(client, "agent")
    assert (await post(client, SUBSCRIBE, {"subscription": browser()})).status_code == 201
    citizen = await post(client, "/thong-bao/dang-ky", {"token": token, "subscription": browser()})
    assert citizen.status_code == 201
    rows = await PushSubscription.select(PushSubscription.user, PushSubscription.dossier)
    assert sorted(rows, key=lambda r: r["user"] or 0) == [
        {"user": None, "dossier": dossier_id},
        {"user": user_id, "dossier": None},
    ]
    await post(client, UNSUBSCRIBE, {"subscription": browser()})  # the staff row only
    assert await PushSubscription.count() == 1


async def _token(dossier_id: int) -> dict:
    from app.dossiers.tables import Dossier

    return await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()


async def test_turning_off_on_every_device(client):
    user_id = await signed_in(client, "supervisor")
    for n in range(3):
        await post(client, SUBSCRIBE, {"subscription": browser(f"https://p.example/{n}")})
    colleague = await factories.user(role="supervisor")
    await PushSubscription(
        user=colleague,
        key="k",
        endpoint="https://p.example/c",
        endpoint_hash="h",
        p256dh="p",
        auth="a",
    ).save()
    page = await client.page(PAGE)
    assert "3 thiết bị" in page.text
    response = await client.submit(f"{PAGE}/tat-ca")
    assert (response.status_code, response.headers["location"]) == (303, f"{PAGE}?tat=1")
    page = await client.page(f"{PAGE}?tat=1")
    assert "Đã tắt thông báo trên mọi thiết bị" in page.text
    assert await PushSubscription.count().where(PushSubscription.user == user_id) == 0
    assert await PushSubscription.count() == 1  # the colleague's device is untouched


async def test_an_account_with_nothing_to_follow_is_refused(settings):
    loose = CurrentUser(
        id=1, username="x", full_name="X", role="agent", point_id=None, organisation_id=None
    )
    assert staff_event(loose) is None
    with pytest.raises(DomainError) as refused:
        await staff_subscription_create(user=loose, subscription=browser(), settings=settings)
    assert refused.value.status_code == 403
    assert await PushSubscription.count() == 0


def test_which_role_gets_which_event():
    def user(role, point=None, org=None):
        return CurrentUser(
            id=1, username="u", full_name="U", role=role, point_id=point, organisation_id=org
        )

    assert staff_event(user("agent", point=1)) == "supplement_requested"
    assert staff_event(user("point_manager", org=1)) == "supplement_requested"
    assert staff_event(user("supervisor")) == "overdue_threshold"
    assert staff_event(user("admin")) == "overdue_threshold"
    assert staff_event(None) is None
