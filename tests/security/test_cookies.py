"""Cookies in production: the session and CSRF cookies are `__Host-` prefixed, `Secure`,
`HttpOnly`, `SameSite=Lax`, `Path=/` and carry no `Domain` (the prefix's rules, which browsers
enforce); HSTS is sent; the simulators of outside systems are not mounted."""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace

import httpx
import pytest

from tests import factories
from tests.html_client import PageClient


def production(settings):
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return replace(
        settings,
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        cookie_secure=True,
        public_base_url="https://dvc.example.vn",
        portal_url="https://portal.example.vn/api",
        portal_secret=secrets.token_urlsafe(32),
        postal_url="https://post.example.vn/api",
        postal_secret=secrets.token_urlsafe(32),
        vapid_subject="https://dvc.example.vn",
        document_keys=f"k1:{key}",
        push_worker="off",
    ).validate()


def cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    """The attributes of the Set-Cookie for `name` (lower-case keys; flags map to "")."""
    for header in response.headers.get_list("set-cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        if first.partition("=")[0] == name:
            found = {"value": first.partition("=")[2]}
            for attribute in attributes:
                key, _, value = attribute.partition("=")
                found[key.lower()] = value
            return found
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.get_list('set-cookie')}")


def assert_host_only_secure(cookie: dict[str, str]) -> None:
    assert "secure" in cookie, cookie
    assert "httponly" in cookie, cookie
    assert cookie.get("samesite", "").lower() == "lax", cookie
    assert cookie.get("path") == "/", cookie
    assert "domain" not in cookie, cookie


@pytest.fixture
async def prod_client(make_app, settings):
    app = make_app(**vars(production(settings)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = PageClient(transport=transport, base_url="https://dvc.example.vn")
    client.app = app
    async with client:
        yield client


async def test_production_session_and_csrf_cookies(prod_client):
    await factories.user(role="agent", username="daily.prod")

    page = await prod_client.get("/dang-nhap")
    assert page.status_code == 200
    csrf = cookie_attributes(page, "__Host-csrftoken")
    assert_host_only_secure(csrf)
    assert "csrftoken" not in {c.name for c in prod_client.cookies.jar}

    signed_in = await prod_client.post(
        "/dang-nhap",
        data={
            "username": "daily.prod",
            "password": factories.PASSWORD,
            "_csrf_token": csrf["value"],
        },
    )
    assert signed_in.status_code == 303, signed_in.text[:500]
    session = cookie_attributes(signed_in, "__Host-sid")
    assert_host_only_secure(session)
    assert int(session["max-age"]) == prod_client.app.state.settings.session_absolute_seconds
    assert "strict-transport-security" in signed_in.headers
    assert (await prod_client.get("/dai-ly")).status_code == 200

    signed_out = await prod_client.post(
        "/dang-xuat", data={"_csrf_token": prod_client.cookies["__Host-csrftoken"]}
    )
    assert signed_out.status_code == 303
    cleared = cookie_attributes(signed_out, "__Host-sid")
    assert_host_only_secure(cleared)
    assert cleared["value"] in ("", '""') and cleared["max-age"] == "0"
    assert (await prod_client.get("/dai-ly")).status_code == 303


async def test_production_refuses_a_post_without_the_csrf_cookie(prod_client):
    response = await prod_client.post("/dang-nhap", data={"username": "x", "password": "y"})
    assert response.status_code == 403


async def test_simulators_are_not_mounted_in_production(prod_client):
    for path in ("/mo-phong/cong-dvc/sim/", "/mo-phong/buu-dien/sim/"):
        assert (await prod_client.get(path)).status_code == 404, path


async def test_development_cookies_are_plain_but_still_httponly_and_lax(client):
    page = await client.get("/dang-nhap")
    csrf = cookie_attributes(page, "csrftoken")
    assert "secure" not in csrf and "httponly" in csrf and csrf["samesite"].lower() == "lax"
    await factories.user(role="agent", username="daily.dev")
    session = cookie_attributes(await client.login("daily.dev"), "sid")
    assert "secure" not in session and "httponly" in session
    assert session["samesite"].lower() == "lax" and session["path"] == "/"
