"""The signed HTTP client both connectors use: to a real base URL, or in-process to an ASGI
app (the embedded simulators) through `httpx.ASGITransport` — no network either way round."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from app.integrations.signing import HEADER, sign

log = logging.getLogger("app.integrations")


class TransportFailure(Exception):
    """No answer: a timeout or a connection error. `kind` is "timeout" or "connection"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class SignedClient:
    """POSTs signed requests. `target` is a base URL, or an ASGI app served in-process."""

    def __init__(self, target: str | Any, *, secret: str, timeout: float, simulated_host: str):
        if isinstance(target, str):
            self.base_url, self.app = target.rstrip("/"), None
        else:
            self.base_url, self.app = f"http://{simulated_host}", target
        self.secret = secret
        self.timeout = timeout

    def _client(self) -> httpx.AsyncClient:
        transport = (
            httpx.ASGITransport(app=self.app, raise_app_exceptions=False) if self.app else None
        )
        return httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=self.timeout)

    async def post(self, path: str, **content: Any) -> httpx.Response:
        async with self._client() as client:
            request = client.build_request("POST", path, **content)
            request.headers[HEADER] = sign(self.secret, request.read())
            try:
                # httpx's own timeouts do not apply to an in-process ASGI app: bound it here too.
                async with asyncio.timeout(self.timeout):
                    return await client.send(request)
            except (TimeoutError, httpx.TimeoutException) as exc:
                log.warning("no answer from %s%s within %ss", self.base_url, path, self.timeout)
                raise TransportFailure("timeout", str(exc) or "timed out") from exc
            except httpx.TransportError as exc:
                log.warning("cannot reach %s%s: %r", self.base_url, path, exc)
                raise TransportFailure("connection", repr(exc)) from exc


TRANSIENT_CLIENT_ERRORS = frozenset({401, 403, 408, 425, 429})


def is_transient(status: int) -> bool:
    """5xx, throttling, and our own credentials refused (a configuration problem, not the
    dossier's): worth trying again later rather than telling the citizen "rejected"."""
    return status >= 500 or status in TRANSIENT_CLIENT_ERRORS


def error_reason(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(data, dict):
        for key in ("reason", "error", "detail"):
            if isinstance(data.get(key), str) and data[key]:
                return data[key][:500]
    return response.text[:500]
