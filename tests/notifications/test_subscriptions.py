"""The subscription API the service worker's page uses: key, subscribe, unsubscribe."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from app.dossiers.tables import Dossier
from app.errors import DomainError
from app.notifications.services import validate_endpoint
from app.notifications.tables import PushSubscription
from tests import factories

P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"\x02" * 16).rstrip(b"=").decode()


def body(token: str, endpoint: str = "https://push.example.net/abc", **keys) -> dict:
    return {
        "token": token,
        "subscription": {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH, **keys}},
    }


async def _token(dossier_id: int) -> str:
    row = await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()
    return row["status_token"]


async def post(client, path: str, payload: dict):
    return await client.post(path, json=payload, headers={"x-csrftoken": await client.csrf_token()})


async def test_public_key_is_an_uncompressed_p256_point(client):
    response = await client.get("/thong-bao/khoa")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    key = response.text
    assert "=" not in key
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4


async def test_subscribe_is_idempotent_and_unsubscribe_removes(client):
    token = await _token(await factories.dossier(status="submitted"))
    first = await post(client, "/thong-bao/dang-ky", body(token))
    assert (first.status_code, first.json()) == (201, {"status": "subscribed"})
    again = await post(client, "/thong-bao/dang-ky", body(token))
    assert (again.status_code, again.json()) == (200, {"status": "subscribed"})
    assert await PushSubscription.count() == 1
    gone = await post(
        client,
        "/thong-bao/huy",
        {"token": token, "subscription": {"endpoint": "https://push.example.net/abc"}},
    )
    assert (gone.status_code, gone.json()) == (200, {"status": "unsubscribed"})
    assert await PushSubscription.count() == 0


async def test_subscribe_needs_csrf(client):
    token = await _token(await factories.dossier(status="submitted"))
    response = await client.post("/thong-bao/dang-ky", json=body(token))
    assert response.status_code == 403
    assert await PushSubscription.count() == 0


async def test_unknown_token_is_404(client):
    response = await post(client, "/thong-bao/dang-ky", body("no-such-token"))
    assert response.status_code == 404
    assert response.json()["error"] != "This dossier does not exist."  # translated


@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        ("http://push.example.net/abc", {}),  # not https
        ("https://push.example.net/" + "a" * 2048, {}),  # too long
        ("", {}),
        ("https://user:pw@push.example.net/x", {}),
        ("not a url", {}),
        ("https://push.example.net/abc", {"p256dh": AUTH}),  # 16 bytes, not a point
        (
            "https://push.example.net/abc",
            {"p256dh": base64.urlsafe_b64encode(b"\x03" + b"\x01" * 64).decode()},
        ),
        ("https://push.example.net/abc", {"auth": P256DH}),
        ("https://push.example.net/abc", {"auth": "***"}),
        ("https://push.example.net/abc", {"auth": None}),
    ],
)
async def test_invalid_subscriptions_are_refused_in_vietnamese(client, endpoint, keys):
    token = await _token(await factories.dossier(status="submitted"))
    response = await post(client, "/thong-bao/dang-ky", body(token, endpoint, **keys))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "đăng ký nhận thông báo" in error
    assert await PushSubscription.count() == 0


async def test_broken_json_is_400(client):
    response = await client.post(
        "/thong-bao/dang-ky",
        content=b"{not json",
        headers={"x-csrftoken": await client.csrf_token(), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_loopback_and_ip_endpoints_only_outside_production(settings):
    prod = dataclasses.replace(settings, environment="production")
    assert validate_endpoint("http://127.0.0.1:9000/push/1", settings=settings)
    assert validate_endpoint("https://localhost/push/1", settings=settings)
    for endpoint in (
        "https://127.0.0.1/push/1",
        "https://[::1]/push/1",
        "https://localhost/push/1",
        "https://10.0.0.5/push",
        "http://127.0.0.1:9000/push/1",
    ):
        with pytest.raises(DomainError):
            validate_endpoint(endpoint, settings=prod)
    with pytest.raises(DomainError):
        validate_endpoint("http://push.example.net/1", settings=settings)  # http: local only
    assert validate_endpoint("https://fcm.googleapis.com/fcm/send/abc", settings=prod)


async def test_at_most_five_devices_per_dossier(client):
    token = await _token(await factories.dossier(status="submitted"))
    for n in range(5):
        response = await post(client, "/thong-bao/dang-ky", body(token, f"https://p.example/{n}"))
        assert response.status_code == 201
    response = await post(client, "/thong-bao/dang-ky", body(token, "https://p.example/6"))
    assert response.status_code == 429
    assert "5 thiết bị" in response.json()["error"]


async def test_one_device_follows_at_most_twenty_dossiers(client):
    agent = await factories.user(role="agent")
    for _ in range(20):
        token = await _token(await factories.dossier(agent_id=agent, status="submitted"))
        assert (await post(client, "/thong-bao/dang-ky", body(token))).status_code == 201
    token = await _token(await factories.dossier(agent_id=agent, status="submitted"))
    response = await post(client, "/thong-bao/dang-ky", body(token))
    assert response.status_code == 429
    assert "20 hồ sơ" in response.json()["error"]


async def test_the_same_browser_subscribing_twice_at_once_makes_one_row(settings):
    import asyncio

    from app.notifications.services import subscription_create

    token = await _token(await factories.dossier(status="submitted"))
    created = await asyncio.gather(
        *(
            subscription_create(
                token=token, subscription=body(token)["subscription"], settings=settings
            )
            for _ in range(5)
        )
    )
    assert sorted(created) == [False, False, False, False, True]
    assert await PushSubscription.count() == 1
