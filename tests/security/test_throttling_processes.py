"""Throttling holds across processes: two real app servers (uvicorn, `python -m app serve`)
share one database and one Redis, and a client alternating between them meets the citizen
look-up limit and the sign-in failure limit exactly where one server alone would.

The look-up counters live in Redis (the rate-limit store follows the session store); sign-in
failures are counted from the audit table in the shared database. Runs in the SQLite pass of
`make test` (two processes on one SQLite file); needs Redis at TEST_REDIS_URL (default
db 14 of the local server, whose `dvc:*` keys it deletes before and after): skipped with
the reason when Redis does not answer, failed instead under CI=true.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "correct-horse-battery"
SETUP = """
import asyncio, sys
import app  # noqa: F401 - sets PICCOLO_CONF
from tests import factories

async def main():
    point = await factories.point(code="DL-PROC-001")
    await factories.user(role="agent", username="daily.proc", point_id=point)
    dossier = await factories.dossier(point_id=point, phone="0912345678")
    from app.dossiers.tables import Dossier
    row = await Dossier.select(Dossier.reference).where(Dossier.id == dossier).first()
    print(row["reference"])

asyncio.run(main())
"""

pytestmark = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="runs in the SQLite pass (the servers use their own SQLite file)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_client():
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # no server, or not a Redis
        client.close()
        reason = f"Redis does not answer at {REDIS_URL} ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI: {reason}")
        pytest.skip(reason)
    return client


def _forget_app_keys(redis) -> None:
    keys = list(redis.scan_iter(match="dvc:*", count=500))
    if keys:
        redis.delete(*keys)


def _wait_until_up(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not start:\n{log_path.read_text()}")
        time.sleep(0.1)


@pytest.fixture
def two_servers():
    redis = _redis_client()
    _forget_app_keys(redis)
    workdir = Path(tempfile.mkdtemp(prefix="dvc-procs-"))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{workdir / 'shared.sqlite3'}",
        "VAR_DIR": str(workdir),
        "REDIS_URL": REDIS_URL,
        "SESSION_STORE": "redis",
        "PUSH_WORKER": "off",
    }
    env.pop("TEST_DATABASE_URL", None)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "-m", "app", "migrate"], **run)
    reference = subprocess.run([sys.executable, "-c", SETUP], **run).stdout.strip()
    servers = []
    try:
        for n in (1, 2):
            port = _free_port()
            log_path = workdir / f"server{n}.log"
            with log_path.open("w") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "app", "serve", "--port", str(port)],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            servers.append((proc, f"http://127.0.0.1:{port}", log_path))
        for proc, base, log_path in servers:
            _wait_until_up(proc, base, log_path)
        yield [base for _, base, _ in servers], reference
    finally:
        for proc, _, _ in servers:
            proc.terminate()
        for proc, _, _ in servers:
            proc.wait(timeout=10)
        _forget_app_keys(redis)
        redis.close()


async def _csrf(client: httpx.AsyncClient, base: str) -> str:
    if "csrftoken" not in client.cookies:
        await client.get(f"{base}/dang-nhap")
    return client.cookies["csrftoken"]


async def _post(client: httpx.AsyncClient, base: str, path: str, data: dict) -> httpx.Response:
    data = {**data, "_csrf_token": await _csrf(client, base)}
    return await client.post(f"{base}{path}", data=data)


async def test_sessions_and_limits_are_shared_by_two_processes(two_servers):
    (one, two), reference = two_servers
    per_code = Settings.lookup_max_per_code
    per_account = Settings.login_max_failures_per_account
    async with httpx.AsyncClient(timeout=10) as client:
        # A session made by one process is honoured, and ended, by the other (Redis).
        signed_in = await _post(
            client, one, "/dang-nhap", {"username": "daily.proc", "password": PASSWORD}
        )
        assert signed_in.status_code == 303
        assert (await client.get(f"{two}/dai-ly")).status_code == 200
        assert (await _post(client, two, "/dang-xuat", {})).status_code == 303
        assert (await client.get(f"{one}/dai-ly")).status_code == 303

        # The look-up: wrong digits, alternating servers; neither has seen more than about half
        # of the attempts when the shared limit is reached.
        statuses = []
        for attempt in range(per_code):
            base = (one, two)[attempt % 2]
            response = await _post(client, base, "/tra-cuu", {"code": reference, "last4": "0000"})
            statuses.append(response.status_code)
        assert statuses == [400] * per_code
        for base in (one, two):
            refused = await _post(client, base, "/tra-cuu", {"code": reference, "last4": "5678"})
            assert refused.status_code == 429, f"{base}: right digits, but the limit is met"
            assert int(refused.headers["retry-after"]) > 0

        # Sign-in: failures alternate between the servers (counted in the shared audit table);
        # then even the right password is refused by either one.
        failures = []
        for attempt in range(per_account):
            base = (one, two)[attempt % 2]
            response = await _post(
                client, base, "/dang-nhap", {"username": "daily.proc", "password": "wrong-pass"}
            )
            failures.append(response.status_code)
        assert failures == [400] * per_account
        for base in (one, two):
            response = await _post(
                client, base, "/dang-nhap", {"username": "daily.proc", "password": PASSWORD}
            )
            assert response.status_code == 429, base
            assert "sid" not in response.cookies
