"""Real app server processes for tests and benchmarks: `python -m app serve` in production
settings, on free loopback ports, with helpers that sign in the way a browser does.

Production settings (APP_ENV=production) make the cookies `__Host-` ones with `Secure`; the
clients here talk plain HTTP on the loopback, so they carry the cookies themselves (an
HTTP client's cookie jar would rightly refuse to send a Secure cookie over http).
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SESSION_COOKIE = "__Host-sid"
CSRF_COOKIE = "__Host-csrftoken"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, var_dir: Path, redis_url: str, **extra: str) -> dict:
    """The environment of a production deployment: PostgreSQL or SQLite, Redis for sessions
    and counters, outbox delivery left to separate workers, the outside services pointed at a
    closed loopback port (nothing here calls them). Every process given the same dict shares
    the same secrets."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    env = {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "COOKIE_SECURE": "true",
        "DOCUMENT_KEYS": f"k1:{key}",
        "PORTAL_URL": "http://127.0.0.1:9/portal",
        "POSTAL_URL": "http://127.0.0.1:9/postal",
        "PORTAL_SECRET": secrets.token_urlsafe(24),
        "POSTAL_SECRET": secrets.token_urlsafe(24),
        "VAPID_SUBJECT": "mailto:bench@dvc.example.vn",
        "PUBLIC_BASE_URL": "https://dvc.example.vn",
        "REDIS_URL": redis_url,
        "SESSION_STORE": "redis",
        "PUSH_WORKER": "off",
        "VAR_DIR": str(var_dir),
        **extra,
    }
    for name in ("TEST_DATABASE_URL", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_up(proc: subprocess.Popen, base: str, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


@contextmanager
def server(env: dict, *, workers: int = 1, log_name: str = "server", port: int | None = None):
    """`python -m app serve` on a free loopback port; stopped (SIGTERM) on exit."""
    port = port or free_port()
    log_dir = Path(env["VAR_DIR"])
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base, log_path)
        yield Server(base=base, proc=proc, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def set_cookie_value(response: httpx.Response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


def csrf_token(base: str) -> str:
    response = httpx.get(f"{base}/dang-nhap", timeout=10)
    token = set_cookie_value(response, CSRF_COOKIE)
    assert token, f"no CSRF cookie from {base}/dang-nhap"
    return token


def cookie_header(csrf: str, sid: str | None = None) -> dict[str, str]:
    value = f"{CSRF_COOKIE}={csrf}" + (f"; {SESSION_COOKIE}={sid}" if sid else "")
    return {"Cookie": value}


def post_form(
    base: str, path: str, data: dict, csrf: str, sid: str | None = None
) -> httpx.Response:
    return httpx.post(
        f"{base}{path}",
        data={**data, "_csrf_token": csrf},
        headers=cookie_header(csrf, sid),
        timeout=30,
    )


def sign_in(base: str, username: str, password: str, csrf: str) -> str:
    """The session cookie's value after a real sign-in."""
    response = post_form(base, "/dang-nhap", {"username": username, "password": password}, csrf)
    assert response.status_code == 303, (response.status_code, response.text[:500])
    sid = set_cookie_value(response, SESSION_COOKIE)
    assert sid, "no session cookie after sign-in"
    return sid


def redis_forget(url: str) -> None:
    """Deletes the app's keys (`dvc:*`) in one Redis database."""
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        keys = list(client.scan_iter(match="dvc:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()
