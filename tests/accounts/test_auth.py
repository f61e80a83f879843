"""Sign-in, throttling, sessions, CSRF and role guards, through the real ASGI app."""

from __future__ import annotations

import json
import os
import time

import pytest
import redis.asyncio

from app.audit.tables import AuditEvent
from tests import factories
from tests.html_client import PageClient


async def test_login_page_is_vietnamese_and_valid(client):
    page = await client.page("/dang-nhap")
    assert page.title.startswith("Đăng nhập cho cán bộ, nhân viên")
    assert "Tên đăng nhập" in page.text and "Mật khẩu" in page.text
    assert page.lang == "vi"


async def test_wrong_password_is_refused_and_keeps_the_username(client):
    await factories.user(role="agent", username="daily.a")
    response = await client.submit("/dang-nhap", {"username": "daily.a", "password": "wrong-pass"})
    assert response.status_code == 400
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
    assert 'value="daily.a"' in response.text
    assert "sid" not in response.cookies
    assert await AuditEvent.count().where(AuditEvent.action == "login_failed") == 1


async def test_unknown_user_gets_the_same_message(client):
    response = await client.submit("/dang-nhap", {"username": "nobody", "password": "whatever-1"})
    assert response.status_code == 400
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text


async def test_successful_login_lands_on_the_role_home(client):
    await factories.user(role="agent", username="daily.a")
    response = await client.login("daily.a")
    assert response.headers["location"] == "/dai-ly"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    page = await client.page("/dai-ly")
    assert "Tạo hồ sơ mới" in page.text and "Tiếp nhận hôm nay" in page.text
    assert await AuditEvent.count().where(AuditEvent.action == "login_succeeded") == 1


async def test_throttling_per_account(make_app):
    await factories.user(role="agent", username="daily.a")
    app = make_app(login_max_failures_per_account=3)
    async with PageClient.for_app(app) as client:
        for _ in range(3):
            r = await client.submit(
                "/dang-nhap", {"username": "daily.a", "password": "bad-bad-bad"}
            )
            assert r.status_code == 400
        r = await client.submit(
            "/dang-nhap", {"username": "daily.a", "password": factories.PASSWORD}
        )
        assert r.status_code == 429
        assert "Bạn đã đăng nhập sai quá nhiều lần" in r.text
        assert "15 phút" in r.text
    assert await AuditEvent.count().where(AuditEvent.action == "login_throttled") == 1


async def test_throttling_per_ip_across_accounts(make_app):
    await factories.user(role="agent", username="daily.z")
    app = make_app(login_max_failures_per_ip=4)
    async with PageClient.for_app(app) as client:
        for i in range(4):
            await client.submit("/dang-nhap", {"username": f"guess{i}", "password": "bad-bad-bad"})
        r = await client.submit(
            "/dang-nhap", {"username": "daily.z", "password": factories.PASSWORD}
        )
        assert r.status_code == 429


async def test_success_resets_the_account_counter(make_app):
    await factories.user(role="agent", username="daily.a")
    app = make_app(login_max_failures_per_account=3)
    async with PageClient.for_app(app) as client:
        for _ in range(2):
            await client.submit("/dang-nhap", {"username": "daily.a", "password": "bad-bad-bad"})
        await client.login("daily.a")
        for _ in range(2):
            r = await client.submit("/dang-nhap", {"username": "daily.a", "password": "bad-bad"})
            assert r.status_code == 400


async def test_session_id_is_rotated_at_login(client):
    await factories.user(role="agent", username="daily.a")
    client.cookies.set("sid", "attacker-chosen-session-id", domain="testserver.local")
    response = await client.login("daily.a")
    new_sid = response.cookies.get("sid")
    assert new_sid and new_sid != "attacker-chosen-session-id"
    await client.login("daily.a")  # signing in again also replaces the id
    assert client.cookies.get("sid") != new_sid
    assert await client.app.state.sessions.store.get(new_sid) is None


async def test_logout_invalidates_the_session_server_side(client):
    await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    sid = client.cookies.get("sid")
    response = await client.submit("/dang-xuat")
    assert response.status_code == 303
    # Replaying the old cookie gets nowhere: the session is gone from the store.
    client.cookies.set("sid", sid, domain="testserver.local")
    response = await client.get("/dai-ly", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dang-nhap")


async def test_post_without_csrf_token_is_refused(client):
    await factories.user(role="agent", username="daily.a")
    await client.get("/dang-nhap")
    response = await client.post(
        "/dang-nhap", data={"username": "daily.a", "password": factories.PASSWORD}
    )
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.text
    response = await client.post(
        "/dang-nhap",
        data={"username": "daily.a", "password": factories.PASSWORD, "_csrf_token": "forged"},
    )
    assert response.status_code == 403


async def test_htmx_requests_send_the_token_in_a_header(client):
    await factories.user(role="agent", username="daily.a")
    token = await client.csrf_token()
    response = await client.post(
        "/dang-nhap",
        data={"username": "daily.a", "password": factories.PASSWORD},
        headers={"x-csrftoken": token, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


async def test_role_guard_refuses_an_agent_on_supervisor_pages(client):
    await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    page = await client.page("/giam-sat", status=403)
    assert "Bạn không có quyền truy cập trang này" in page.text


async def test_anonymous_is_sent_to_login_with_next(client):
    response = await client.get("/giam-sat", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dang-nhap?next=/giam-sat"
    response = await client.get("/giam-sat", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/dang-nhap?next=/giam-sat"


async def test_login_redirects_to_a_local_next_only(client):
    await factories.user(role="supervisor", username="giamsat1")
    r = await client.submit(
        "/dang-nhap",
        {"username": "giamsat1", "password": factories.PASSWORD, "next": "//evil.example/x"},
    )
    assert r.headers["location"] == "/giam-sat"


async def _age_session(client, *, seen_ago: int = 0, created_ago: int = 0) -> None:
    store = client.app.state.sessions.store
    sid = client.cookies.get("sid")
    data = json.loads(await store.get(sid))
    now = int(time.time())
    data["seen"] = now - seen_ago
    data["created"] = now - created_ago
    await store.set(sid, json.dumps(data), expires_in=3600)


async def test_idle_timeout_ends_the_session(client):
    user_id = await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    await _age_session(client, seen_ago=31 * 60, created_ago=31 * 60)
    response = await client.get("/dai-ly", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dang-nhap?next=/dai-ly&expired=1"
    page = await client.page(response.headers["location"])
    assert "Phiên làm việc đã kết thúc do lâu không thao tác" in page.text
    expired = await AuditEvent.select().where(AuditEvent.action == "session_expired").first()
    assert expired["actor"] == user_id and expired["object_id"] == str(user_id)
    assert json.loads(expired["details"]) == {"timeout": "idle"}


async def test_activity_within_the_idle_window_keeps_the_session(client):
    await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    await _age_session(client, seen_ago=29 * 60, created_ago=60 * 60)
    await client.page("/dai-ly")


async def test_absolute_timeout_ends_even_an_active_session(client):
    await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    await _age_session(client, seen_ago=10, created_ago=12 * 3600 + 5)
    response = await client.get("/dai-ly", follow_redirects=False)
    assert response.status_code == 303


async def test_deactivated_user_loses_access_at_once(client):
    from app.accounts.tables import User

    uid = await factories.user(role="agent", username="daily.a")
    await client.login("daily.a")
    await User.update({User.is_active: False}).where(User.id == uid)
    response = await client.get("/dai-ly", follow_redirects=False)
    assert response.status_code == 303


async def test_sessions_work_the_same_in_redis(make_app):
    """Production keeps sessions in Redis, shared by every worker process."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        probe = redis.asyncio.from_url(url)
        await probe.ping()
        await probe.aclose()
    except Exception as exc:  # noqa: BLE001 - any failure means Redis is not there
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis not reachable at {url}: {exc}")
    await factories.user(role="agent", username="daily.r")
    app = make_app(session_store="redis", redis_url=url)
    async with PageClient.for_app(app) as client:
        await client.login("daily.r")
        sid = client.cookies.get("sid")
        assert await app.state.sessions.store.get(sid) is not None
        await client.page("/dai-ly")
        await client.submit("/dang-xuat")
        assert await app.state.sessions.store.get(sid) is None
