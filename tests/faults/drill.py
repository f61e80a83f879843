"""Upload fault drills: the real server (uvicorn in its own process, its own SQLite file and
VAR_DIR), a fault-injecting TCP proxy on loopback in front of it, and an uploader that
follows the browser queue's rules (static/js/capture.js):

- a page leaves the queue only on 200 or 201;
- a network error, 429 or 5xx is retried after min(MAX, BASE * 2**(attempts-1)) seconds,
  times a jitter of 0.75-1.25; the browser's BASE is 1 s and MAX 60 s, the drill uses
  20 ms and 0.5 s so 500 uploads take seconds, not hours (the rule is the same);
- 401 (or a redirect to the sign-in page) pauses the queue until the agent signs in again;
- any other 4xx is a permanent refusal (the page is marked failed).

One connection per attempt (no keep-alive), so every dropped connection is one attempt."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
BASE_DELAY, MAX_DELAY = 0.02, 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# The server


class LiveServer:
    """`python -m app serve` on a fixed port, restartable on the same database and folders."""

    def __init__(self, *, push_worker: str = "off") -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="dvc-faults-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = self.workdir / "faults.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.db_path}",
            "VAR_DIR": str(self.workdir),
            "PUBLIC_BASE_URL": self.base,
            "APP_ENV": "development",
            "PUSH_WORKER": push_worker,
        }
        for name in ("TEST_DATABASE_URL", "DOCUMENT_DIR", "DOCUMENT_KEYS", "SESSION_STORE"):
            self.env.pop(name, None)
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def document_dir(self) -> Path:
        return self.workdir / "documents"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )
        return done.stdout.decode()

    def setup(self) -> None:
        self.run("-m", "app", "migrate")
        self.run("-m", "app", "load-demo")

    def start(self) -> None:
        self.starts += 1
        log = (self.workdir / f"server-{self.starts}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError((self.workdir / f"server-{self.starts}.log").read_text())

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def query(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.db_path, timeout=30) as db:
            return db.execute(sql, args).fetchall()


# ---------------------------------------------------------------------------------------
# The proxy


@dataclass
class ProxyStats:
    connections: int = 0
    dropped_mid_body: int = 0
    dropped_before_response: int = 0


class FaultProxy:
    """Forwards 127.0.0.1:port to the server; with probability `drop`, a connection is cut
    half-way through the request body, or after the whole request went through but before
    any of the response comes back (the server did the work; the client never hears)."""

    def __init__(self, target_port: int, *, drop: float, seed: int = 1) -> None:
        self.target_port = target_port
        self.drop = drop
        self.rng = random.Random(seed)
        self.stats = ProxyStats()
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.AbstractServer | None = None

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        async def close():
            self.server.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _handle(self, reader, writer) -> None:
        self.stats.connections += 1
        roll = self.rng.random()
        mode = (
            "mid_body"
            if roll < self.drop / 2
            else "before_response"
            if roll < self.drop
            else "pass"
        )
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        try:
            if mode == "pass":
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                head += chunk
            header, _, body = head.partition(b"\r\n\r\n")
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", header)
            length = int(match.group(1)) if match else 0
            while len(body) < length:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                body += chunk
            request = header + b"\r\n\r\n" + body
            if mode == "mid_body" and length > 1:
                cut = len(header) + 4 + self.rng.randint(1, length - 1)
                up_writer.write(request[:cut])
                await up_writer.drain()
                self.stats.dropped_mid_body += 1
                return
            up_writer.write(request)
            await up_writer.drain()
            await up_reader.read(1)  # the server answered: now lose the answer
            self.stats.dropped_before_response += 1
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (writer, up_writer):
                w.close()


async def _pipe(reader, writer) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError):
            pass


# ---------------------------------------------------------------------------------------
# The uploader (capture.js's queue rules)


def page_jpeg(n: int, size: tuple[int, int] = (800, 600)) -> bytes:
    """A distinct small photo of a page (flagged low-resolution by the quality gate; stored)."""
    rnd = random.Random(n)
    image = Image.new("L", size, 225)
    draw = ImageDraw.Draw(image)
    for i in range(30):
        y = 20 + i * 18
        draw.rectangle((40, y, 40 + rnd.randint(200, 700), y + 8), fill=rnd.randint(20, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@dataclass
class Page:
    dossier: int
    component: int
    uid: str
    data: bytes
    attempts: int = 0
    state: str = "waiting"  # waiting | done | failed
    answers: list[int] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Uploader:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.username = username
        self.password = password
        self.cookies = httpx.Cookies()
        self.rng = random.Random(7)

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base,
            cookies=self.cookies,
            timeout=30,
            limits=httpx.Limits(max_keepalive_connections=0),
            follow_redirects=False,
        )

    def login(self) -> None:
        while True:
            try:
                with self._client() as c:
                    c.get("/dang-nhap")
                    answer = c.post(
                        "/dang-nhap",
                        data={
                            "username": self.username,
                            "password": self.password,
                            "_csrf_token": c.cookies.get("csrftoken"),
                        },
                    )
                    self.cookies = c.cookies
                if answer.status_code == 303:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(BASE_DELAY)

    def send(self, page: Page) -> int:
        try:
            with self._client() as c:
                answer = c.post(
                    f"/ho-so/{page.dossier}/trang",
                    data={"component": str(page.component), "page_id": page.uid},
                    files={"file": (f"page-{page.uid}.jpg", page.data, "image/jpeg")},
                    headers={
                        "X-Capture-Queue": "1",
                        "X-CSRFToken": self.cookies.get("csrftoken") or "",
                    },
                )
        except httpx.HTTPError:
            return 0
        if "/dang-nhap" in answer.headers.get("location", ""):
            return 401
        return answer.status_code

    def deliver(self, page: Page, *, stop_after: float = 300) -> None:
        """One page through the queue's loop until it is acknowledged or refused for good."""
        deadline = time.monotonic() + stop_after
        while time.monotonic() < deadline:
            status = self.send(page)
            page.answers.append(status)
            if status in (200, 201):
                page.state = "done"
                return
            if status == 401:
                self.login()
                continue
            if status == 0 or status == 429 or status >= 500:
                page.attempts += 1
                delay = min(MAX_DELAY, BASE_DELAY * 2 ** (page.attempts - 1))
                time.sleep(delay * (0.75 + self.rng.random() / 2))
                continue
            page.state = "failed"
            return
        page.state = "failed"


# ---------------------------------------------------------------------------------------
# Seeding and checking


def seed(server: LiveServer, *, dossiers: int, components: int, tracked: int) -> dict:
    """Draft dossiers of the demo agent with `components` documents each, and `tracked`
    submitted dossiers (for status changes), through the app's own factories."""
    out = server.run("-m", "tests.faults.seed", str(dossiers), str(components), str(tracked))
    return json.loads(out.strip().splitlines()[-1])


def make_pages(layout: dict, count: int, per_component: int = 30) -> list[Page]:
    slots = [
        (d["id"], c)
        for d in layout["drafts"]
        for c in d["components"]
        for _ in range(per_component)
    ]
    assert len(slots) >= count, "seed more components"
    return [
        Page(dossier=d, component=c, uid=str(uuid.uuid4()), data=page_jpeg(n))
        for n, (d, c) in enumerate(slots[:count])
    ]


@dataclass
class Outcome:
    lost: int
    duplicated: int
    mismatched: int
    orphan_files: int
    temp_files: int
    rows_without_files: int
    undecryptable: int


def check_store(server: LiveServer, pages: list[Page], uploader: Uploader | None = None) -> Outcome:
    rows = server.query("SELECT uid, source_sha256, file_name, thumb_name FROM document_page")
    by_uid: dict[str, list[tuple]] = {}
    for row in rows:
        by_uid.setdefault(row[0], []).append(row)
    lost = sum(1 for p in pages if p.uid not in by_uid)
    duplicated = sum(len(v) - 1 for v in by_uid.values()) + len(
        {r[0] for r in rows} - {p.uid for p in pages}
    )
    mismatched = sum(1 for p in pages if p.uid in by_uid and by_uid[p.uid][0][1] != p.sha256)
    files = {}
    temp = 0
    if server.document_dir.exists():
        for path in server.document_dir.rglob("*"):
            if path.is_file():
                if path.name.endswith(".tmp"):
                    temp += 1
                else:
                    files[path.name] = path
    named = {n for r in rows for n in (r[2], r[3]) if n}
    orphans = len(set(files) - named)
    without = len(named - set(files))
    undecryptable = 0
    if uploader is not None:  # every stored scan is served (decrypted) and is a JPEG
        uploader.login()
        with uploader._client() as c:
            for p in pages:
                if p.uid in by_uid:
                    answer = c.get(f"{server.base}/ho-so/{p.dossier}/trang/{p.uid}/anh.jpg")
                    if answer.status_code != 200 or not answer.content.startswith(b"\xff\xd8"):
                        undecryptable += 1
    return Outcome(lost, duplicated, mismatched, orphans, temp, without, undecryptable)
