"""What the portal and postal simulators share: signed callbacks with retries, injected
faults, the demo page's form token, templates, and the standalone command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.template.config import TemplateConfig

from app.integrations.signing import HEADER, SignatureError, sign, verify
from app.web.i18n import format_datetime

log = logging.getLogger("app.integrations.simulator")

Clock = Callable[[], dt.datetime]
TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
DEFAULT_RETRY_DELAYS = (0.25, 0.75, 2.0)  # inline: a demo click waits 3 s at worst
RETRY_STATUSES = frozenset({404, 408, 425, 429})  # 404: the receiver may not know the code *yet*
FORM_FIELD = "_csrf_token"


class SimulatorError(Exception):
    """A request the simulated system refuses; `status` is the HTTP status it answers with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of posting one event to the receiver's webhook (after any retries)."""

    event_id: str
    seq: int
    attempts: int
    http_status: int | None
    answer: str  # the receiver's "status"/"error", or the transport error

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "seq": self.seq,
            "attempts": self.attempts,
            "http_status": self.http_status,
            "answer": self.answer,
            "ok": self.ok,
        }


class CallbackSender:
    """Posts signed JSON events, retrying with backoff; failures are logged, never raised."""

    def __init__(
        self,
        *,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        self.secret = secret
        self.transport = transport
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self.transport, timeout=self.timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, url: str, event: dict[str, Any]) -> Delivery:
        body = json.dumps(event, ensure_ascii=False).encode()
        status: int | None = None
        answer = ""
        attempts = 0
        for delay in (0.0, *self.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            attempts += 1
            headers = {"content-type": "application/json", HEADER: sign(self.secret, body)}
            try:
                response = await self.client().post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                status, answer = None, f"{type(exc).__name__}: {exc}"
                log.warning(
                    "callback %s to %s failed (attempt %d): %s",
                    event["event_id"],
                    url,
                    attempts,
                    answer,
                )
                continue
            status, answer = response.status_code, _answer(response)
            if status < 500 and status not in RETRY_STATUSES:
                break
            log.warning(
                "callback %s to %s answered %s (attempt %d)",
                event["event_id"],
                url,
                status,
                attempts,
            )
        if status is None or not 200 <= status < 300:
            log.error(
                "callback %s to %s not accepted after %d attempts: %s %s",
                event["event_id"],
                url,
                attempts,
                status,
                answer,
            )
        return Delivery(event["event_id"], event["seq"], attempts, status, answer)


def _answer(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("status") or data.get("error") or "")[:200]
    return ""


class Faults:
    """Faults to inject into the next API calls: an HTTP error status, or a slow answer."""

    def __init__(self) -> None:
        self._queue: list[tuple[str, float]] = []

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self._queue.extend([("status", float(status))] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        self._queue.extend([("delay", seconds)] * times)

    def clear(self) -> None:
        self._queue.clear()

    async def apply(self) -> Response | None:
        if not self._queue:
            return None
        kind, value = self._queue.pop(0)
        if kind == "delay":
            await asyncio.sleep(value)
            return None
        return Response({"error": "simulated failure"}, status_code=int(value))


def verify_request(request_body: bytes, header: str | None, *, secret: str) -> Response | None:
    """None when the caller's signature is good, else the 401 to answer."""
    try:
        verify(secret, header, request_body, tolerance=300)
    except SignatureError as exc:
        return Response({"error": "signature", "detail": exc.reason}, status_code=401)
    return None


class FormToken:
    """A per-process synchroniser token for the demo page's forms. JSON calls do not need it:
    a cross-site form cannot send `application/json` without the browser asking first."""

    def __init__(self) -> None:
        self.value = secrets.token_urlsafe(24)

    def valid(self, submitted: object) -> bool:
        return isinstance(submitted, str) and hmac.compare_digest(submitted, self.value)


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def root_path(request: Request) -> str:
    return request.scope.get("root_path", "") or ""


def back_to_page(request: Request) -> Redirect:
    return Redirect(path=f"{root_path(request)}/sim/", status_code=303)


def template_config() -> TemplateConfig:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_datetime"] = format_datetime
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


STYLESHEET = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b}
header{border-bottom:3px solid #b30000;margin-bottom:1rem}
h1{font-size:1.4rem}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}
form{display:inline-block;margin:.15rem 0}
button{padding:.35rem .7rem;cursor:pointer}
input,select{padding:.3rem}
.error{background:#fde8e8;border:1px solid #b30000;padding:.5rem}
.ok{color:#0a6b2e}.bad{color:#b30000}.muted{color:#555;font-size:.9rem}
"""


def stylesheet_response() -> Response:
    return Response(STYLESHEET, media_type="text/css", headers={"cache-control": "no-cache"})


async def run_once(
    lock: asyncio.Lock, done: list[bool], action: Callable[[], Awaitable[None]]
) -> None:
    """Run `action` the first time only (e.g. restoring state), even with concurrent callers."""
    if done:
        return
    async with lock:
        if not done:
            await action()
            done.append(True)


def standalone_parser(prog: str, port: int, webhook_path: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument(
        "--callback-url",
        default=f"http://127.0.0.1:8000{webhook_path}",
        help="where status events are posted (our app's webhook)",
    )
    parser.add_argument("--secret", help="shared signing secret (default: from the settings)")
    return parser
