"""Production mode under load (`make bench-server`, `make bench`): PostgreSQL, Redis for
sessions and counters, LOAD_WORKERS web processes (`python -m app serve --workers N`,
default 2) and a separate outbox worker (`python -m app worker`), on a copy of the
generated 100,000-dossier database. For LOAD_SECONDS (default 300, the full 5 minutes) 200
agents do intakes with photographed pages and 1,000 citizens poll their dossier's status
(serverbench/loadgen.py, its own process; loopback only; it stops by itself).

The agents sign in first (as at the start of their day; a session lasts 12 hours), before
the measured window. Figures: `load.errors` (anything but the expected answer, dropped or
timed-out requests included, sign-ins too), `load.p95_ms` / `load.p50_ms` over pages (every
GET page, the intake POST, the citizen's first page load), and per kind: `load.<kind>.p95_ms` and
`load.<kind>.count` for page, intake, upload (one photographed page, cleaned and encrypted
on the server), status_page, poll, sign_in. Targets: 0 errors, p95 <= 200 ms for pages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from tests.benchmarks.conftest import bench
from tests.benchmarks.serverbench import datagen, harness

SECONDS = int(os.environ.get("LOAD_SECONDS", "300"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
AGENTS = int(os.environ.get("LOAD_AGENTS", "200"))
CITIZENS = int(os.environ.get("LOAD_CITIZENS", "1000"))


def _procedure(database_url: str) -> int:
    import asyncio

    async def read() -> int:
        conn = await datagen._pg_connect(database_url)
        try:
            return await conn.fetchval(
                "SELECT p.id FROM procedure p JOIN procedure_component c ON c.procedure = p.id"
                " WHERE p.agent_allowed AND NOT p.is_retired"
                " GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1"
            )
        finally:
            await conn.close()

    return asyncio.run(read())


def test_production_mode_under_load() -> None:
    data = datagen.prepare("pg", harness.PG_ADMIN_URL)
    name = f"load_{uuid.uuid4().hex[:8]}"
    url = datagen.pg_copy(harness.PG_ADMIN_URL, data.database_url, name)
    harness.redis_flush()
    workdir = Path(tempfile.mkdtemp(prefix="dvc-load-"))
    env = harness.production_env(url, workdir)
    worker_log = (workdir / "outbox-worker.log").open("w")
    outbox = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=harness.ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        with harness.server(env, workers=WORKERS, log_name="load") as srv:
            config = {
                "base": srv.base,
                "seconds": SECONDS,
                "agents": data.agents[100 : 100 + AGENTS],  # none of the list benchmark's
                "citizens": CITIZENS,
                "tokens": datagen.open_tokens(url),
                "password": data.password,
                "csrf": harness.csrf_token(srv.base),
                "procedure": _procedure(url),
            }
            config_path = workdir / "load.json"
            config_path.write_text(json.dumps(config))
            out = subprocess.run(
                [sys.executable, "-m", "tests.benchmarks.serverbench.loadgen", str(config_path)],
                cwd=harness.ROOT,
                check=True,
                capture_output=True,
                text=True,
                timeout=SECONDS + 300,
            )
            figures = json.loads(out.stdout)
            log_tail = srv.log_tail()
    finally:
        outbox.terminate()
        outbox.wait(timeout=20)
        worker_log.close()
        harness.redis_flush()
        datagen.pg_drop(harness.PG_ADMIN_URL, name)
    print(f"\n[bench] load: {json.dumps(figures)}", flush=True)
    bench("load.errors", figures["errors"], "count")
    bench("load.p95_ms", figures["p95_ms"], "ms")
    bench("load.p50_ms", figures["p50_ms"], "ms")
    bench("load.requests", figures["requests"], "count")
    bench("load.seconds", SECONDS, "s")
    bench("load.workers", WORKERS, "processes")
    for kind in ("page", "intake", "upload", "status_page", "poll", "sign_in"):
        bench(f"load.{kind}.count", figures.get(f"{kind}_count", 0), "count")
        bench(f"load.{kind}.p95_ms", figures.get(f"{kind}_p95_ms", 0), "ms")
    assert figures["errors"] == 0, (figures["error_kinds"], figures["examples"], log_tail)
