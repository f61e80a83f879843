"""Open-loop load: GET requests sent on a fixed schedule (e.g. 300 per second), whatever the
server's answers, each on an idle keep-alive connection or a new one. Latency is measured
from the *scheduled* send time, so a stalled server (or a late client) shows up in the
figures instead of silently slowing the sender (no coordinated omission).

Run as its own process (`python -m tests.benchmarks.serverbench.openloop BASE PATHS_FILE
--rate 300 --seconds 60`); prints one JSON object. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlparse

IDLE_MAX = 2.0  # seconds; the server closes idle keep-alive connections after 5


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    async def get(self, host: str, path: str, headers: str) -> int:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        chunked = False
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            raise ConnectionResetError("server closed the connection")
        return status


async def run(
    base: str, paths: list[str], rate: float, seconds: float, headers: dict[str, str]
) -> dict:
    url = urlparse(base)
    host, port = url.hostname, url.port or 80
    assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
    header_text = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    idle: list[Connection] = []
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    error_kinds: dict[str, int] = {}
    opened = 0
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()

    def reuse() -> Connection | None:
        while idle:
            conn = idle.pop()
            if loop.time() - conn.idle_since < IDLE_MAX:
                return conn
            conn.writer.close()
        return None

    async def one(path: str, scheduled: float) -> None:
        nonlocal errors, opened
        conn = reuse()
        # As a browser does, a request that finds its kept-alive connection closed by the
        # server goes again once on a new connection; any other failure is an error.
        for attempt in (1, 2):
            reused = conn is not None
            try:
                if conn is None:
                    opened += 1
                    conn = Connection(*await asyncio.open_connection(host, port))
                status = await asyncio.wait_for(conn.get(f"{host}:{port}", path, header_text), 30)
                break
            except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
                if conn is not None:
                    conn.writer.close()
                conn = None
                if reused and attempt == 1:
                    continue
                failure = exc
            except Exception as exc:
                if conn is not None:
                    conn.writer.close()
                failure = exc
            errors += 1
            kind = type(failure).__name__
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
            return
        latencies.append(loop.time() - scheduled)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        conn.idle_since = loop.time()
        idle.append(conn)

    tasks = set()
    start = loop.time() + 0.2
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(paths[i % len(paths)], scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    elapsed = loop.time() - start
    for conn in idle:
        conn.writer.close()
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {
        "sent": total,
        "answered": len(latencies),
        "errors": errors,
        "error_kinds": error_kinds,
        "statuses": statuses,
        "connections": opened,
        "seconds": elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths_file")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    with open(args.paths_file) as fh:
        paths = [line.strip() for line in fh if line.strip()]
    headers = dict(h.split(": ", 1) for h in args.header)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    started = time.monotonic()
    result = asyncio.run(run(args.base, paths, args.rate, args.seconds, headers))
    result["wall_seconds"] = time.monotonic() - started
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
