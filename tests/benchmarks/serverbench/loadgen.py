"""The production-mode load: agents doing intakes with photographed pages, citizens polling
their dossier's status, for a bounded time, against one base URL on the loopback.

- Each agent signs in, then over and over: opens their list, opens the intake form, submits
  an intake, opens the new dossier, opens its capture page, photographs each document
  (PHOTOS_PER_DOSSIER pages, one upload each, as the phone's queue sends them), opens the
  dossier again. Between steps an agent thinks (AGENT_THINK seconds), between photos longer
  (PHOTO_THINK): the pace of a busy counter, an intake every couple of minutes.
- Each citizen opens their status page once, then polls it every POLL seconds as htmx does
  (with the fingerprint the block carries; 204 while nothing changed).

Each simulated person has their own kept-alive connection, as a browser does, spoken to by
a minimal HTTP/1.1 client (an HTTP library's shared pool cost more CPU than the server
under test, on the same two cores). Run as its own process:
`python -m tests.benchmarks.serverbench.loadgen CONFIG.json`; prints one JSON object of
figures. Every expected answer is listed; anything else is an error.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

AGENT_THINK = (2.0, 6.0)
PHOTO_THINK = (6.0, 14.0)
POLL = 15.0
PHOTOS_PER_DOSSIER = 3
SESSION_COOKIE = "__Host-sid"
CSRF_COOKIE = "__Host-csrftoken"


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One person's connection to the server: HTTP/1.1, kept alive, reopened (and the
    request sent once more) when the server has closed it in between, as browsers do."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        if self.writer is not None and time.monotonic() - self.last_used > 2.0:
            self.close()  # the server drops idle keep-alive connections after 5 s
        for attempt in (1, 2):
            reused = self.writer is not None
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                response = await asyncio.wait_for(self._send(method, path, headers, body), 60)
                self.last_used = time.monotonic()
                return response
            except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
                self.close()
                if not (reused and attempt == 1):
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _send(self, method: str, path: str, headers: dict[str, str], body: bytes):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields: dict[str, str] = {}
        cookies: list[str] = []
        for line in head[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            fields[name] = value
        if "chunked" in fields.get("transfer-encoding", ""):
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append((await self.reader.readexactly(size + 2))[:-2])
                if size == 0:
                    break
            data = b"".join(chunks)
        else:
            data = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if "close" in fields.get("connection", ""):
            self.close()
        return Response(status, fields, cookies, data)

    async def get(self, path: str, headers: dict[str, str]) -> Response:
        return await self.request("GET", path, headers)

    async def post_form(self, path: str, data: dict, headers: dict[str, str]) -> Response:
        body = urlencode(data).encode()
        form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        return await self.request("POST", path, form, body)

    async def post_file(
        self, path: str, data: dict, file: tuple[str, bytes, str], headers: dict[str, str]
    ) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in data.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        name, content, kind = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"'
            f"\r\nContent-Type: {kind}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        multipart = {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return await self.request("POST", path, multipart, b"".join(parts))


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {detail[:300]}")


def _photo(seed: int) -> bytes:
    """A phone's downscaled photo of a page of text (2000 px long side, JPEG)."""
    from tests.capture.support import document_image

    out = io.BytesIO()
    document_image((2000, 1500), seed=seed).save(out, "JPEG", quality=80)
    return out.getvalue()


class Run:
    def __init__(self, config: dict) -> None:
        self.base = config["base"]
        assert urlparse(self.base).hostname in ("127.0.0.1", "localhost"), "loopback only"
        self.config = config
        self.deadline = 0.0
        self.stats = Stats()
        self.photos = [_photo(seed) for seed in range(4)]
        self.rnd = random.Random(7)

    async def timed(self, kind: str, expected: tuple[int, ...], call) -> Response | None:
        started = time.perf_counter()
        try:
            response = await call
        except Exception as exc:  # a dropped or timed-out request is an error like a 500
            self.stats.error(kind, f"{type(exc).__name__}: {exc}")
            return None
        self.stats.record(kind, time.perf_counter() - started)
        if response.status_code not in expected:
            self.stats.error(kind, f"{response.status_code} {response.text[:200]}")
            return None
        return response

    async def pause(self, bounds: tuple[float, float]) -> bool:
        """Thinks for a while; False when the run is over."""
        await asyncio.sleep(self.rnd.uniform(*bounds))
        return time.monotonic() < self.deadline

    # -- agents ----------------------------------------------------------------------

    def browser(self) -> Browser:
        url = urlparse(self.base)
        return Browser(url.hostname, url.port or 80)

    async def sign_in(self, client: Browser, username: str) -> str | None:
        csrf = self.config["csrf"]
        jar = f"{CSRF_COOKIE}={csrf}"
        signed = await self.timed(
            "sign_in",
            (303,),
            client.post_form(
                "/dang-nhap",
                {"username": username, "password": self.config["password"], "_csrf_token": csrf},
                {"Cookie": jar},
            ),
        )
        return _cookie(signed, SESSION_COOKIE) if signed is not None else None

    async def agent(self, client: Browser, sid: str, start_in: float) -> None:
        await asyncio.sleep(start_in)
        csrf = self.config["csrf"]
        headers = {"Cookie": f"{CSRF_COOKIE}={csrf}; {SESSION_COOKIE}={sid}"}
        procedure = self.config["procedure"]
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            await self.timed("page", (200,), client.get("/dai-ly", headers))
            if not await self.pause(AGENT_THINK):
                return
            await self.timed("page", (200,), client.get(f"/ho-so/moi?thu_tuc={procedure}", headers))
            if not await self.pause(AGENT_THINK):
                return
            created = await self.timed(
                "intake",
                (303,),
                client.post_form("/ho-so/moi", self._intake(procedure, csrf), headers),
            )
            if created is None:
                continue
            location = created.headers["location"]
            dossier = int(re.search(r"/ho-so/([0-9]+)", location).group(1))
            await self.timed("page", (200,), client.get(location, headers))
            if not await self.pause(AGENT_THINK):
                return
            capture = await self.timed(
                "page", (200,), client.get(f"/ho-so/{dossier}/chup", headers)
            )
            if capture is None:
                continue
            components = [
                int(c) for c in re.findall(r'name="component" value="([0-9]+)"', capture.text)
            ]
            components = list(dict.fromkeys(components)) or [0]
            for i in range(PHOTOS_PER_DOSSIER):
                if not await self.pause(PHOTO_THINK):
                    return
                await self.timed(
                    "upload",
                    (201, 200),
                    client.post_file(
                        f"/ho-so/{dossier}/trang",
                        {
                            "component": str(components[i % len(components)]),
                            "page_id": str(uuid.uuid4()),
                            "_csrf_token": csrf,
                        },
                        ("page.jpg", self.photos[(n + i) % 4], "image/jpeg"),
                        {**headers, "X-Capture-Queue": "1"},
                    ),
                )
            await self.timed("page", (200,), client.get(f"/ho-so/{dossier}", headers))
            if not await self.pause(AGENT_THINK):
                return

    def _intake(self, procedure: int, csrf: str) -> dict[str, str]:
        n = self.rnd.randrange(10**8)
        return {
            "procedure": str(procedure),
            "full_name": "Trần Văn Bình",
            "id_number": f"001085{n % 10**6:06d}",  # born 1985, male: as the CCCD encodes
            "date_of_birth": "1985-06-02",
            "sex": "male",
            "phone": f"09{n:08d}",
            "address": "Xóm Đình, xã Tây Đằng",
            "consent": "yes",
            "result_delivery": "pickup",
            "sets_count": "1",
            "action": "create",
            "_csrf_token": csrf,
        }

    # -- citizens --------------------------------------------------------------------

    async def citizen(self, client: Browser, token: str, start_in: float) -> None:
        await asyncio.sleep(start_in)
        headers = {"Cookie": f"{CSRF_COOKIE}={self.config['csrf']}"}
        page = await self.timed("status_page", (200,), client.get(f"/theo-doi/{token}", headers))
        if page is None:
            return
        match = re.search(r"/trang-thai\?v=([0-9a-f]+)", page.text)
        fingerprint = match.group(1) if match else ""
        while fingerprint and await self.pause((POLL, POLL)):
            poll = await self.timed(
                "poll",
                (204, 200, 286),
                client.get(
                    f"/theo-doi/{token}/trang-thai?v={fingerprint}",
                    {**headers, "HX-Request": "true"},
                ),
            )
            if poll is not None and poll.status_code in (200, 286):
                match = re.search(r"/trang-thai\?v=([0-9a-f]+)", poll.text)
                fingerprint = match.group(1) if match and poll.status_code == 200 else ""

    async def main(self) -> dict:
        seconds = self.config["seconds"]
        agents = [self.browser() for _ in self.config["agents"]]
        # The agents signed in when their day began (a session lasts 12 hours): sign-ins
        # (argon2id, a few per second per core) happen before the measured window.
        gate = asyncio.Semaphore(8)

        async def signed_in(browser: Browser, name: str) -> str | None:
            async with gate:
                return await self.sign_in(browser, name)

        self.deadline = time.monotonic() + seconds + 600
        sids = await asyncio.gather(
            *(signed_in(b, n) for b, n in zip(agents, self.config["agents"], strict=True))
        )
        self.deadline = time.monotonic() + seconds
        ramp = min(20.0, seconds / 4)
        tasks = [
            asyncio.create_task(self.agent(browser, sid, ramp * i / len(sids)))
            for i, (browser, sid) in enumerate(zip(agents, sids, strict=True))
            if sid
        ]
        tokens = self.config["tokens"]
        citizens = [self.browser() for _ in range(self.config["citizens"])]
        tasks += [
            asyncio.create_task(self.citizen(browser, tokens[i % len(tokens)], POLL * i / 1000))
            for i, browser in enumerate(citizens)
        ]
        await asyncio.wait(tasks, timeout=seconds + 120)
        for task in tasks:
            task.cancel()
        for browser in agents + citizens:
            browser.close()
        return self.figures()

    def figures(self) -> dict:
        def pct(values: list[float], p: float) -> float:
            if not values:
                return 0.0
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

        out: dict = {"errors": sum(self.stats.errors.values()), "error_kinds": self.stats.errors}
        pages = [
            v
            for kind in ("page", "intake", "status_page")
            for v in self.stats.latencies.get(kind, [])
        ]
        out["pages"] = len(pages)
        out["p95_ms"] = pct(pages, 95)
        out["p50_ms"] = pct(pages, 50)
        for kind, values in self.stats.latencies.items():
            out[f"{kind}_count"] = len(values)
            out[f"{kind}_p95_ms"] = pct(values, 95)
        out["requests"] = sum(len(v) for v in self.stats.latencies.values())
        out["seconds"] = self.config["seconds"]
        out["examples"] = self.stats.examples
        return out


def _cookie(response: Response, name: str) -> str:
    for header in response.cookies:
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return ""


def main() -> int:
    with open(sys.argv[1]) as fh:
        config = json.load(fh)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    json.dump(asyncio.run(Run(config).main()), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
