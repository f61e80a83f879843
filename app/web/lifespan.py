"""Start-up and shut-down: the PostgreSQL pool, the session store, the embedded push worker."""

from __future__ import annotations

import asyncio
import gc
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from litestar.stores.redis import RedisStore

from app.db import is_sqlite
from app.web.stores import DatabaseStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar import Litestar


async def _stop_worker(task: asyncio.Task, stop: asyncio.Event) -> None:
    stop.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        pass  # wait_for cancelled it; its claims expire and another worker sends them


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    engine = app.state.engine
    settings = app.state.settings
    pooled = not is_sqlite(engine)
    if pooled:
        await engine.start_connection_pool(
            min_size=settings.pg_pool_min, max_size=settings.pg_pool_max
        )
    store = app.state.sessions.store
    if isinstance(store, DatabaseStore):
        await store.purge_expired()
    try:
        async with AsyncExitStack() as stack:
            if isinstance(store, RedisStore):
                await stack.enter_async_context(store)  # closes its client at shutdown
            if settings.push_worker == "embedded":
                from app.notifications.worker import run_worker

                stop = asyncio.Event()
                task = asyncio.create_task(run_worker(settings, stop), name="push-worker")
                stack.push_async_callback(_stop_worker, task, stop)
            if settings.is_production:
                # What start-up made (modules, routes, catalogues) lives as long as the
                # process: leave it out of the collector's full passes, which otherwise walk
                # it all and stall every request in flight. Not in tests, whose process
                # starts many apps.
                gc.collect()
                gc.freeze()
            yield
    finally:
        if pooled:
            await engine.close_connection_pool()
        elif hasattr(engine, "close_pool"):
            await engine.close_pool()
