"""VAPID keys from the environment or a generated file, settings, the embedded worker."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from app.dossiers.services import dossier_transition
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from app.notifications.services import MAX_PAYLOAD, _payload
from app.notifications.vapid import KEY_FILE, _load
from app.settings import SettingsError, settings_from_env
from tests import factories


def _raw(key: ec.EllipticCurvePrivateKey) -> str:
    return base64.urlsafe_b64encode(
        key.private_numbers().private_value.to_bytes(32, "big")
    ).decode()


def test_key_is_generated_once_and_kept_private(tmp_path):
    first = _load("", "", tmp_path)
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert _load("", "", tmp_path).public_key == first.public_key


def test_key_from_the_environment(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    keys = _load(_raw(key), "", tmp_path)
    assert not (tmp_path / KEY_FILE).exists()
    assert _load(_raw(key).rstrip("="), keys.public_key, tmp_path).public_key == keys.public_key
    other = _load("", "", tmp_path)
    with pytest.raises(SettingsError):
        _load(_raw(key), other.public_key, tmp_path)


def test_push_settings():
    settings = settings_from_env({"APP_ENV": "development"})
    assert (settings.push_worker, settings.push_ttl_seconds) == ("embedded", 3 * 24 * 3600)
    assert settings_from_env({"APP_ENV": "test"}).push_worker == "off"
    assert settings_from_env({"PUSH_TTL_SECONDS": "60"}).push_ttl_seconds == 60
    with pytest.raises(SettingsError):
        settings_from_env({"PUSH_WORKER": "celery"})


def test_payload_fits_a_push_message():
    text = _payload(title="T", body="ờ" * 5000, url="/theo-doi/x", tag="dossier-1", kind="status")
    assert len(text.encode()) <= MAX_PAYLOAD
    assert json.loads(text)["body"].endswith("…")


async def test_the_embedded_worker_delivers_while_the_app_runs(make_app, push_service, settings):
    from tests.html_client import PageClient

    dossier_id = await factories.dossier(status="submitted")
    token = (await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first())[
        "status_token"
    ]
    app = make_app(push_worker="embedded")
    assert dataclasses.replace(settings, push_worker="embedded").push_worker == "embedded"
    async with PageClient.for_app(app) as client:
        fake = push_service.new_subscription()
        response = await client.post(
            "/thong-bao/dang-ky",
            json={"token": token, "subscription": fake.info(push_service.base_url)},
            headers={"x-csrftoken": await client.csrf_token()},
        )
        assert response.status_code == 201
        await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
        for _ in range(100):
            if push_service.received:
                break
            await asyncio.sleep(0.05)
    assert [m["tag"] for m in push_service.messages()] == [f"dossier-{dossier_id}"]
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "push-worker"]
