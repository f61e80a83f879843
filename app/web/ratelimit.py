"""Counting attempts per key over a Litestar `Store`, with a sliding window.

The window is approximated with two fixed windows (the current one and the one before,
weighted by how much of it still overlaps the sliding window), so there is no burst at a
window boundary and each key costs two small counters.

Counting is atomic on every store the app uses, so parallel requests cannot slip past the
limit: Redis counts with INCRBY; the database store counts inside one write transaction
(SQLite's IMMEDIATE transactions queue writers; on PostgreSQL a transaction-scoped advisory
lock on the key serialises the read-modify-write); any other store (the in-process
`MemoryStore`) counts under an asyncio lock.

Keys are hashed before they reach the store: neither IP addresses nor dossier codes are
kept in clear.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from app.web.stores import DatabaseStore


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    estimate: float  # attempts counted in the sliding window, this one included
    retry_after: int  # seconds until one more attempt would be allowed (0 when allowed)
    window: int  # the fixed window this attempt was counted in (to take it back)


def hashed(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_key(host: str) -> str:
    """The key for a client address: an IPv6 client usually holds a whole /64, so that is
    counted as one client; an IPv4-mapped IPv6 address counts as the IPv4 address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class _Counter(ABC):
    """Atomic `add` on one store key; returns the new value (never below zero)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def value(self, key: str) -> int:
        raw = await self.store.get(key)
        return _as_int(raw)

    @abstractmethod
    async def add(self, key: str, amount: int, ttl: int) -> int: ...


def _as_int(raw: bytes | None) -> int:
    try:
        return max(0, int(raw)) if raw else 0
    except ValueError:
        return 0


class _LockedCounter(_Counter):
    """Any store, one process: an asyncio lock makes read-modify-write atomic."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._lock = asyncio.Lock()

    async def add(self, key: str, amount: int, ttl: int) -> int:
        async with self._lock:
            value = max(0, await self.value(key) + amount)
            await self.store.set(key, str(value), expires_in=ttl)
            return value


class _DatabaseCounter(_Counter):
    """`DatabaseStore`: the read and the write in one transaction, serialised per key.
    Expired rows are deleted only when read, so every few hundred writes the expired rows
    are purged (an index on `expires_at` keeps that cheap)."""

    PURGE_EVERY = 256

    def __init__(self, store: DatabaseStore) -> None:
        super().__init__(store)
        self._writes = 0

    async def add(self, key: str, amount: int, ttl: int) -> int:
        self._writes += 1
        if self._writes % self.PURGE_EVERY == 0:
            await self.store.purge_expired()
        return await self._add(key, amount, ttl)

    async def _add(self, key: str, amount: int, ttl: int) -> int:
        from app.db import is_sqlite, write_transaction
        from app.web.tables import KeyValue

        engine = KeyValue._meta.db
        async with write_transaction(engine):
            if not is_sqlite(engine):
                await KeyValue.raw(
                    "SELECT pg_advisory_xact_lock(hashtext({}))", f"{self.store.namespace}:{key}"
                )
            value = max(0, await self.value(key) + amount)
            await self.store.set(key, str(value), expires_in=ttl)
            return value


class _RedisCounter(_Counter):
    """`RedisStore`: INCRBY and EXPIRE in one MULTI block."""

    async def add(self, key: str, amount: int, ttl: int) -> int:
        redis = self.store._redis  # the store keeps its client private
        full_key = self.store._make_key(key)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incrby(full_key, amount)
            pipe.expire(full_key, ttl)
            value, _ = await pipe.execute()
        if value < 0:  # only a take-back after the key expired; harmless, but keep it tidy
            await redis.set(full_key, 0, ex=ttl)
            return 0
        return int(value)


def _counter_for(store: Store) -> _Counter:
    if isinstance(store, DatabaseStore):
        return _DatabaseCounter(store)
    try:
        from litestar.stores.redis import RedisStore
    except ImportError:  # pragma: no cover - redis is a dependency
        RedisStore = None  # noqa: N806
    if RedisStore is not None and isinstance(store, RedisStore):
        return _RedisCounter(store)
    return _LockedCounter(store)


class RateLimiter:
    """At most `limit` attempts per key in any `window_seconds`-long sliding window."""

    def __init__(
        self,
        store: Store,
        *,
        name: str,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("a rate limit needs limit >= 1 and window_seconds >= 1")
        self.name = name
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._counter = _counter_for(store)

    def _key(self, key: str, window: int) -> str:
        return f"{self.name}:{hashed(key)}:{window}"

    def _position(self) -> tuple[int, float]:
        now = self.clock()
        window = int(now // self.window_seconds)
        elapsed = (now - window * self.window_seconds) / self.window_seconds
        return window, elapsed

    def _verdict(self, previous: int, pending: int, window: int, elapsed: float) -> Verdict:
        """`pending`: this window's count with the attempt being judged included."""
        estimate = previous * (1.0 - elapsed) + pending
        if estimate <= self.limit:
            return Verdict(True, estimate, 0, window)
        return Verdict(False, estimate, self._retry_after(previous, pending, elapsed), window)

    def _retry_after(self, previous: int, pending: int, elapsed: float) -> int:
        """Seconds until an attempt fits again, once the refused one is taken back."""
        w = self.window_seconds
        if pending <= self.limit and previous > 0:
            # Later in this window, when the previous window's weight has decayed enough.
            fraction = 1.0 - (self.limit - pending) / previous
            return max(1, math.ceil((fraction - elapsed) * w))
        # In the next window this window's count becomes the weighted one.
        carried = pending - 1
        fraction = max(0.0, 1.0 - (self.limit - 1) / carried) if carried > 0 else 0.0
        return max(1, math.ceil((1.0 - elapsed) * w + fraction * w))

    async def hit(self, key: str) -> Verdict:
        """Counts one attempt and says whether it is within the limit."""
        window, elapsed = self._position()
        ttl = 2 * self.window_seconds  # the current window is "previous" for one more window
        current = await self._counter.add(self._key(key, window), 1, ttl)
        previous = await self._counter.value(self._key(key, window - 1))
        return self._verdict(previous, current, window, elapsed)

    async def undo(self, key: str, verdict: Verdict) -> None:
        """Takes back an attempt counted by `hit` (e.g. a refused or a successful one)."""
        await self._counter.add(self._key(key, verdict.window), -1, 2 * self.window_seconds)

    async def peek(self, key: str) -> Verdict:
        """What the next attempt's verdict would be, counting nothing."""
        window, elapsed = self._position()
        current = await self._counter.value(self._key(key, window))
        previous = await self._counter.value(self._key(key, window - 1))
        return self._verdict(previous, current + 1, window, elapsed)


def ratelimit_store(settings, session_store: Store | None = None) -> Store:
    """The store for counters: Redis when sessions use Redis (sharing its client), the
    database otherwise, or memory when sessions are kept in memory."""
    if settings.session_store == "redis":
        from litestar.stores.redis import RedisStore

        if isinstance(session_store, RedisStore):
            return session_store.with_namespace("ratelimit")
        return RedisStore.with_client(url=settings.redis_url, namespace="dvc:ratelimit")
    if settings.session_store == "memory":
        return MemoryStore()
    return DatabaseStore(namespace="ratelimit")
