"""A loopback TCP proxy that counts what crosses the wire, request by request.

The browser benchmark puts it between Chromium and the server: every byte the server sends
(status line, headers, compressed body) is counted against the HTTP/1.1 request it answers,
whoever made the request — the page, the browser (favicon, manifest) or the service worker
(its script, its precache, navigation preload). The Performance API and the page's own CDP
session each miss part of that: the first guesses header sizes, the second does not see the
service worker's fetches.

Chromium does not pipeline HTTP/1.1 requests, so the bytes a connection carries back belong
to the last request sent on it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

WATCHED_HEADERS = (
    "sec-fetch-dest",
    "sec-fetch-mode",
    "service-worker",
    "service-worker-navigation-preload",
    "hx-request",
)


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    sent: int = 0  # request bytes, client to server
    received: int = 0  # response bytes, server to client
    status: int = 0


@dataclass
class WireCounter:
    upstream_host: str
    upstream_port: int
    exchanges: list[Exchange] = field(default_factory=list)
    last_activity: float = 0.0
    _server: asyncio.base_events.Server | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def reset(self) -> None:
        self.exchanges = []

    def received(self, exchanges: list[Exchange] | None = None) -> int:
        """Bytes the server sent (what "transferred" means in DevTools and the Performance
        API: the response's headers and its body as sent)."""
        chosen = self.exchanges if exchanges is None else exchanges
        return sum(e.received for e in chosen)

    async def quiet(self, seconds: float = 0.6, limit: float = 8.0) -> None:
        """Waits until nothing has crossed for `seconds` (at most `limit` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline:
            if loop.time() - self.last_activity >= seconds:
                return
            await asyncio.sleep(0.1)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        state: dict = {"current": None}
        try:
            await asyncio.gather(
                self._client_to_server(reader, up_writer, state),
                self._server_to_client(up_reader, writer, state),
            )
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # a closed connection, or the benchmark closing the proxy
        finally:
            for w in (writer, up_writer):
                w.close()
            self._tasks.discard(task)

    def _touch(self) -> None:
        self.last_activity = asyncio.get_running_loop().time()

    async def _client_to_server(self, reader, up_writer, state) -> None:
        buffer = b""
        body_left = 0
        while data := await reader.read(65536):
            self._touch()
            up_writer.write(data)
            await up_writer.drain()
            buffer += data
            while buffer:
                if body_left:
                    taken = min(body_left, len(buffer))
                    state["current"].sent += taken
                    body_left -= taken
                    buffer = buffer[taken:]
                    continue
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head, buffer = buffer[: end + 4], buffer[end + 4 :]
                exchange = _parse_request(head)
                self.exchanges.append(exchange)
                state["current"] = exchange
                body_left = int(exchange.headers.get("content-length", "0") or 0)
        up_writer.close()

    async def _server_to_client(self, up_reader, writer, state) -> None:
        while data := await up_reader.read(65536):
            self._touch()
            current = state["current"]
            if current is not None:
                if current.received == 0 and data.startswith(b"HTTP/"):
                    current.status = int(data.split(b" ", 2)[1])
                current.received += len(data)
            writer.write(data)
            await writer.drain()
        writer.close()


def _parse_request(head: bytes) -> Exchange:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    kept = {k: v for k, v in headers.items() if k in WATCHED_HEADERS or k == "content-length"}
    return Exchange(method=method, path=target, headers=kept, sent=len(head))
