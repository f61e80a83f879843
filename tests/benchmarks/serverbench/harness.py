"""Running the real server for benchmarks: production settings, sign-in, wrk, figures.

The server is `python -m app serve` (uvicorn) as in production: APP_ENV=production with its
required secrets, COOKIE_SECURE (so the cookies are `__Host-` ones; clients here set the
Cookie header themselves, since the benchmark talks plain HTTP on the loopback), Redis for
sessions and counters, PUSH_WORKER=off (outbox workers run apart), the portal and postal
services pointed at a closed loopback port (nothing benchmarked calls them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.servers import (  # noqa: F401 - re-exported for the benchmarks
    CSRF_COOKIE,
    ROOT,
    SESSION_COOKIE,
    csrf_token,
    redis_forget,
    server,
    sign_in,
)
from tests.servers import production_env as _production_env

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PG_ADMIN_URL = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test")


def wait_idle(base: str, timeout: float = 60) -> None:
    """Waits until the server answers its health check within 20 ms three times in a row
    (what an earlier run left queued is done)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    fast = 0
    with httpx.Client(timeout=10) as client:
        while fast < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            client.get(f"{base}/healthz")
            fast = fast + 1 if time.perf_counter() - started < 0.02 else 0
            time.sleep(0.05)


def redis_flush(url: str = REDIS_URL) -> None:
    redis_forget(url)


PG_SOCKET_DIR = os.environ.get("BENCH_PG_SOCKET_DIR", "/var/run/postgresql")


def server_database_url(url: str) -> str:
    """The URL the server uses: a local PostgreSQL through its Unix socket, as a production
    machine running its own database would (`?host=`, see app.db.postgres_config), unless
    BENCH_PG_TCP=1 or there is no socket."""
    if not url.startswith("postgres") or os.environ.get("BENCH_PG_TCP") == "1":
        return url
    if not Path(PG_SOCKET_DIR, ".s.PGSQL.5432").exists():
        return url
    from urllib.parse import urlparse

    parsed = urlparse(url)
    user = f"{parsed.username}@" if parsed.username else ""
    return f"postgresql://{user}{parsed.path}?host={PG_SOCKET_DIR}"


def production_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    return _production_env(server_database_url(database_url), var_dir, REDIS_URL, **extra)


# ---------------------------------------------------------------------------
# wrk


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors
    cpu_us: float = 0.0  # server process CPU time per request (steadier than rps on a busy box)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"([0-9]+) requests in", output).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", output):
        errors += int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(x) for x in m.groups())
    return WrkResult(rps=rps, p50_ms=p50, p99_ms=p99, requests=requests, errors=errors)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    assert path, "wrk is missing: `make bench-server` installs it (apt-get install wrk)"
    return path


def _lua_list(values: list[str]) -> str:
    return (
        "{"
        + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        + "}"
    )


def lua_get(paths: list[str], cookies: list[str] | None = None, headers: dict | None = None) -> str:
    """A wrk script cycling over paths (and session cookies, one per request in turn)."""
    lines = [f"local paths = {_lua_list(paths)}"]
    lines.append(f"local cookies = {_lua_list(cookies or [])}")
    for k, v in (headers or {}).items():
        lines.append(f'wrk.headers["{k}"] = "{v}"')
    lines.append(
        """local i = 0
request = function()
  i = i + 1
  local h = nil
  if #cookies > 0 then h = {["Cookie"] = cookies[(i % #cookies) + 1]} end
  return wrk.format("GET", paths[(i % #paths) + 1], h)
end"""
    )
    return "\n".join(lines) + "\n"


def lua_login(usernames: list[str], password: str, csrf: str) -> str:
    bodies = [f"username={u}&password={password}&_csrf_token={csrf}" for u in usernames]
    return (
        f"local bodies = {_lua_list(bodies)}\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "{CSRF_COOKIE}={csrf}"\n'
        """local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, "/dang-nhap", nil, bodies[(i % #bodies) + 1])
end
"""
    )


def combine(runs: list[WrkResult]) -> WrkResult:
    """Several runs of one page as one: requests over the total time, the median of the
    medians, the worst p99, CPU per request over all of them."""
    import statistics

    seconds = sum(r.requests / r.rps for r in runs if r.rps)
    requests = sum(r.requests for r in runs)
    return WrkResult(
        rps=requests / seconds if seconds else 0.0,
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=max(r.p99_ms for r in runs),
        requests=requests,
        errors=sum(r.errors for r in runs),
        cpu_us=sum(r.cpu_us * r.requests for r in runs) / requests if requests else 0.0,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children that were waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    base: str, script: str, *, seconds: int, connections: int = 64, pid: int | None = None
) -> WrkResult:
    cpu_before = cpu_seconds(pid) if pid else 0.0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        out = subprocess.run(
            [
                ensure_wrk(),
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "--latency",
                "-s",
                path,
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(path)
    result = parse_wrk(out)
    if pid and result.requests:
        result.cpu_us = (cpu_seconds(pid) - cpu_before) / result.requests * 1e6
    return result
