"""Throughput against the ceiling, and latency at a realistic load (`make bench-server`).

One server process in the production configuration (see serverbench/harness.py) per
database, on a generated database of 100,000 dossiers with ~8 events each
(serverbench/datagen.py). wrk (a separate process, one thread; the server is the
bottleneck) keeps 64 connections busy, closed loop, for each page:

- `ceiling`: a bare handler rendering a trivial template in the same app (BENCH_ROUTES=1);
- `status`: a citizen's status page (one dossier, its timeline), random among 2,000 dossiers;
- `status_nodb`: the same template and context builder from in-memory rows;
- `dossier_list`: an agent's list of today's dossiers (25 rows), 20 agents in turn, with
  their real sessions (Redis);
- `dossier_list_nodb`: the same template from in-memory rows;
- `login`: the sign-in POST (argon2id verification, a new session, an audit entry) with
  the right password for 64 accounts in turn. Only failed sign-ins count against the
  throttle (per account and per address), so nothing is raised or bypassed for this.

Then an open-loop generator (serverbench/openloop.py, its own process) sends 300 status
page requests per second for 60 s and measures p99 from each scheduled send time: against
the production layout on this machine, one web process per core (BENCH_OPENLOOP_WORKERS,
default 2: `serve --workers 2`, as README's production mode runs it), for
`server.status[.pg].p99_ms_at_300rps`; and against the single process above, for
`server.status[.pg].p99_ms_at_300rps_one_process`. Requests that arrive one by one cost a
process about twice the CPU of the closed loop's batched ones (measured: 3.3 ms against
1.7 ms for the status page, 1.4 ms against 0.5 ms for the ceiling), so one process of two
cores, with the generator on the other, is saturated near 300/s.

Figures: `server.<page>[.pg].rps|ratio|nodb_ratio|p50_ms|p99_ms`,
`server.status[.pg].p99_ms_at_300rps`. The targets (status and dossier_list ≥ 0.3 × the
ceiling and ≥ 0.7 × their no-DB render; p99 ≤ 50 ms at 300 requests/s) are printed beside
the figures, not asserted: a busy machine must not fail the run. Errors are asserted.
Settings: BENCH_SERVER_DBS (default "sqlite,pg"), BENCH_SERVER_SECONDS (12 per page, in
BENCH_SERVER_ROUNDS rounds, default 4, the pages taking turns),
BENCH_OPENLOOP_SECONDS (60), BENCH_OPENLOOP_RATE (300).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.benchmarks.conftest import bench
from tests.benchmarks.serverbench import datagen, harness

DBS = [d for d in os.environ.get("BENCH_SERVER_DBS", "sqlite,pg").split(",") if d]
SECONDS = int(os.environ.get("BENCH_SERVER_SECONDS", "12"))
ROUNDS = int(os.environ.get("BENCH_SERVER_ROUNDS", "4"))
WARMUP = 2
LOGIN_SECONDS = 20
OPEN_SECONDS = float(os.environ.get("BENCH_OPENLOOP_SECONDS", "60"))
OPEN_RATE = float(os.environ.get("BENCH_OPENLOOP_RATE", "300"))
OPEN_WORKERS = int(os.environ.get("BENCH_OPENLOOP_WORKERS", "2"))
PAGES = ["ceiling", "status_nodb", "status", "dossier_list_nodb", "dossier_list", "login"]


def _check_pages(base: str, data: datagen.BenchData, cookies: list[str]) -> None:
    """Each benchmarked URL answers what a person would see, before it is hammered."""
    status = httpx.get(f"{base}/theo-doi/{data.tokens[0]}", timeout=10)
    assert status.status_code == 200, status.text[:300]
    assert "timeline-item" in status.text
    nodb = httpx.get(f"{base}/__bench/trang-thai", timeout=10)
    assert nodb.status_code == 200 and "timeline-item" in nodb.text
    listing = httpx.get(f"{base}/dai-ly", headers={"Cookie": cookies[0]}, timeout=10)
    assert listing.status_code == 200, listing.status_code
    assert listing.text.count('class="list-item') == datagen.LIST_ROWS, "25 rows expected"
    nodb_list = httpx.get(f"{base}/__bench/danh-sach", timeout=10)
    assert nodb_list.text.count('class="list-item') == datagen.LIST_ROWS
    assert httpx.get(f"{base}/__bench/tran", timeout=10).status_code == 200


def _scripts(base: str, data: datagen.BenchData, cookies: list[str]) -> dict[str, str]:
    """Requests as a returning browser makes them: with the CSRF cookie the first page set
    (and, for the agent, the session cookie)."""
    csrf = harness.csrf_token(base)
    jar = [f"{harness.CSRF_COOKIE}={csrf}"]
    signed_in = [f"{c}; {jar[0]}" for c in cookies]
    return {
        "ceiling": harness.lua_get(["/__bench/tran"], cookies=jar),
        "status": harness.lua_get([f"/theo-doi/{t}" for t in data.tokens], cookies=jar),
        "status_nodb": harness.lua_get(["/__bench/trang-thai"], cookies=jar),
        "dossier_list": harness.lua_get(["/dai-ly"], cookies=signed_in),
        "dossier_list_nodb": harness.lua_get(["/__bench/danh-sach"], cookies=jar),
        "login": harness.lua_login(data.agents[100:164], data.password, csrf),
    }


def _open_loop(base: str, data: datagen.BenchData, workdir: Path) -> dict:
    paths = workdir / "status-paths.txt"
    paths.write_text("\n".join(f"/theo-doi/{t}" for t in data.tokens))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.serverbench.openloop",
            base,
            str(paths),
            "--rate",
            str(OPEN_RATE),
            "--seconds",
            str(OPEN_SECONDS),
            "--header",
            "Accept-Encoding: gzip",
        ],
        cwd=harness.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _report(kind: str, results: dict[str, harness.WrkResult], open_loop: dict) -> None:
    suffix = "" if kind == "sqlite" else ".pg"
    ceiling = results["ceiling"].rps
    for page in PAGES:
        r = results[page]
        name = f"server.{page}{suffix}"
        bench(f"{name}.rps", r.rps, "req/s")
        if page != "ceiling":
            bench(f"{name}.ratio", r.rps / ceiling, "x")
        if page in ("status", "dossier_list"):
            bench(f"{name}.nodb_ratio", r.rps / results[f"{page}_nodb"].rps, "x")
        bench(f"{name}.p50_ms", r.p50_ms, "ms")
        bench(f"{name}.p99_ms", r.p99_ms, "ms")
        bench(f"{name}.cpu_us_per_req", r.cpu_us, "us")
        if r.errors:
            bench(f"{name}.errors", r.errors, "count")
    bench(f"server.status{suffix}.p99_ms_at_300rps", open_loop["p99_ms"], "ms")
    bench(f"server.status{suffix}.p50_ms_at_300rps", open_loop["p50_ms"], "ms")
    bench(f"server.status{suffix}.errors_at_300rps", open_loop["errors"], "count")
    bench(f"server.status{suffix}.workers_at_300rps", OPEN_WORKERS, "processes")
    one = open_loop["one_process"]
    bench(f"server.status{suffix}.p99_ms_at_300rps_one_process", one["p99_ms"], "ms")
    bench(f"server.status{suffix}.p50_ms_at_300rps_one_process", one["p50_ms"], "ms")
    print(
        f"\n[bench] {kind} targets: status {results['status'].rps / ceiling:.2f}x ceiling "
        f"(>= 0.3), {results['status'].rps / results['status_nodb'].rps:.2f}x no-DB (>= 0.7); "
        f"dossier_list {results['dossier_list'].rps / ceiling:.2f}x ceiling (>= 0.3), "
        f"{results['dossier_list'].rps / results['dossier_list_nodb'].rps:.2f}x no-DB "
        f"(>= 0.7); p99 at {OPEN_RATE:.0f}/s {open_loop['p99_ms']:.1f} ms (<= 50) with "
        f"{OPEN_WORKERS} processes, {one['p99_ms']:.1f} ms with one",
        flush=True,
    )


@pytest.mark.parametrize("kind", DBS)
def test_server_throughput(kind: str) -> None:
    harness.ensure_wrk()
    if kind == "pg":
        import asyncio

        from tests.pg_available import main as pg_answers

        if asyncio.run(pg_answers(harness.PG_ADMIN_URL)) != 0:
            pytest.fail(f"PostgreSQL does not answer at {harness.PG_ADMIN_URL}")
    data = datagen.prepare("sqlite" if kind == "sqlite" else "pg", harness.PG_ADMIN_URL)
    harness.redis_flush()
    workdir = Path(tempfile.mkdtemp(prefix=f"dvc-bench-{kind}-"))
    env = harness.production_env(data.database_url, workdir, BENCH_ROUTES="1")
    with harness.server(env) as srv:
        csrf = harness.csrf_token(srv.base)
        cookies = [
            f"{harness.SESSION_COOKIE}={harness.sign_in(srv.base, u, data.password, csrf)}"
            for u in data.list_agents
        ]
        _check_pages(srv.base, data, cookies)
        scripts = _scripts(srv.base, data, cookies)
        for page in PAGES[:-1]:
            harness.run_wrk(srv.base, scripts[page], seconds=WARMUP)
        # The pages in turn, ROUNDS times: this machine's speed drifts by a quarter within
        # a minute (shared), and a page measured in one stretch against its reference in
        # another gave ratios that moved by as much; interleaved, each figure spans the same
        # stretch of time.
        rounds: dict[str, list[harness.WrkResult]] = {page: [] for page in PAGES[:-1]}
        for n in range(ROUNDS):
            for page in PAGES[:-1]:
                harness.wait_idle(srv.base)
                run = harness.run_wrk(
                    srv.base, scripts[page], seconds=max(1, SECONDS // ROUNDS), pid=srv.proc.pid
                )
                rounds[page].append(run)
                print(f"\n[bench] {kind} {page} round {n + 1}: {run}", flush=True)
        results = {page: harness.combine(runs) for page, runs in rounds.items()}
        # Before the sign-ins, whose argon2 queue outlives wrk's run by seconds.
        harness.wait_idle(srv.base)
        open_loop = _open_loop(srv.base, data, workdir)
        print(f"\n[bench] {kind} open loop: {open_loop}", flush=True)
        # Sign-ins (argon2id, ~0.1-0.3 s of CPU each) get no warm-up, which would leave a
        # queue behind, and a longer run so that enough of them complete.
        harness.wait_idle(srv.base)
        results["login"] = harness.run_wrk(
            srv.base, scripts["login"], seconds=max(SECONDS, LOGIN_SECONDS), pid=srv.proc.pid
        )
        print(f"\n[bench] {kind} login: {results['login']}", flush=True)
        log_tail = srv.log_tail()
    with harness.server(env, workers=OPEN_WORKERS, log_name="openloop") as srv:
        harness.run_wrk(srv.base, scripts["status"], seconds=WARMUP)  # both processes warm
        harness.wait_idle(srv.base)
        production = _open_loop(srv.base, data, workdir)
        print(f"\n[bench] {kind} open loop, {OPEN_WORKERS} processes: {production}", flush=True)
    production["one_process"] = open_loop
    open_loop = production
    harness.redis_flush()
    _report(kind, results, open_loop)
    failed = {page: r.errors for page, r in results.items() if r.errors}
    assert not failed, (failed, log_tail)
    for run in (open_loop, open_loop["one_process"]):
        assert run["errors"] == 0, run
        assert set(run["statuses"]) == {"200"}, run
