"""The sliding-window limiter behind the look-up, on each kind of store the app uses.
(It lives in app/web/ratelimit.py; its tests sit with its first user.)"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from litestar.stores.memory import MemoryStore

from app.settings import Settings
from app.web.ratelimit import RateLimiter, ratelimit_store
from app.web.stores import DatabaseStore

REDIS_URL = "redis://127.0.0.1:6379/15"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _redis_store():
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(url=REDIS_URL, namespace=f"test-{uuid.uuid4().hex[:8]}")
    try:
        await asyncio.wait_for(store._redis.ping(), timeout=1)
    except Exception:  # no server: that backend is not tested here
        await store._redis.aclose()
        return None
    return store


@pytest.fixture(params=["memory", "database", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "database":
        yield DatabaseStore(namespace="ratelimit")
    else:
        store = await _redis_store()
        if store is None:
            pytest.skip(f"Redis does not answer at {REDIS_URL}")
        yield store
        await store.delete_all()
        await store._redis.aclose()


async def test_limit_within_a_window(store):
    clock = Clock(900 * 1000.0)  # the start of a window
    limiter = RateLimiter(store, name="t", limit=3, window_seconds=900, clock=clock)
    verdicts = [await limiter.hit("1.2.3.4") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after > 0
    assert (await limiter.hit("5.6.7.8")).allowed  # other keys are counted apart


async def test_undo_gives_the_attempt_back(store):
    limiter = RateLimiter(store, name="t", limit=2, window_seconds=60, clock=Clock())
    for _ in range(10):
        verdict = await limiter.hit("k")
        assert verdict.allowed
        await limiter.undo("k", verdict)
    assert (await limiter.peek("k")).allowed


async def test_the_window_slides(store):
    clock = Clock(900 * 1000.0)
    limiter = RateLimiter(store, name="t", limit=4, window_seconds=900, clock=clock)
    for _ in range(4):
        assert (await limiter.hit("k")).allowed
    refused = await limiter.hit("k")
    assert not refused.allowed
    await limiter.undo("k", refused)
    # Just into the next window the previous one still weighs almost fully: still refused.
    clock.now += 900 + 10
    assert not (await limiter.peek("k")).allowed
    # After the advertised wait, one more attempt fits.
    clock.now = 900 * 1000.0 + refused.retry_after
    assert (await limiter.peek("k")).allowed
    # Two windows later everything is forgotten.
    clock.now = 900 * 1002.0
    for _ in range(4):
        assert (await limiter.hit("k")).allowed


async def test_parallel_attempts_cannot_get_past_the_limit(store):
    limiter = RateLimiter(store, name="t", limit=5, window_seconds=600, clock=Clock())
    verdicts = await asyncio.gather(*(limiter.hit("burst") for _ in range(20)))
    assert sum(v.allowed for v in verdicts) == 5


def test_store_follows_the_session_store_setting():
    assert isinstance(ratelimit_store(Settings(session_store="database")), DatabaseStore)
    assert isinstance(ratelimit_store(Settings(session_store="memory")), MemoryStore)


async def test_redis_store_shares_the_session_client():
    from litestar.stores.redis import RedisStore

    sessions = RedisStore.with_client(url=REDIS_URL, namespace="dvc:session")
    try:
        store = ratelimit_store(
            Settings(session_store="redis", redis_url=REDIS_URL), session_store=sessions
        )
        assert isinstance(store, RedisStore) and store._redis is sessions._redis
        assert store.namespace == "dvc:session_ratelimit"
    finally:
        await sessions._redis.aclose()


def test_nonsense_limits_are_refused():
    with pytest.raises(ValueError):
        RateLimiter(MemoryStore(), name="t", limit=0, window_seconds=60)


def test_client_key_groups_an_ipv6_host_and_unmaps_ipv4():
    from app.web.ratelimit import client_key

    assert client_key("203.0.113.9") == "203.0.113.9"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_key("testclient") == "testclient"


async def test_expired_counters_are_purged_as_the_database_store_is_written():
    from app.web.ratelimit import _DatabaseCounter
    from app.web.tables import KeyValue

    store = DatabaseStore(namespace="ratelimit")
    await store.set("old", "3", expires_in=-10)  # already expired, never read again
    counter = _DatabaseCounter(store)
    counter.PURGE_EVERY = 3
    for _ in range(3):
        await counter.add("k", 1, 60)
    keys = {r["key"] for r in await KeyValue.select(KeyValue.key)}
    assert keys == {"ratelimit:k"}
