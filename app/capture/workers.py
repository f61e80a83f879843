"""Photo cleaning (app.capture.imaging) off the web process's event loop.

Cleaning a phone photo takes 40-60 ms of CPU, much of it in Pillow calls that hold the GIL:
in a thread of the web process it stalled every page that process was serving (seen as page
latency under the load test, where agents upload a photo every few seconds). It runs in a
small pool of helper processes instead (CAPTURE_PROCESSES per web process, default 1), started
on first use, at a lower CPU priority (CAPTURE_NICE, default 10): when the machine is busy
the operating system serves the pages first and the uploads, which the phone's queue sends in
the background, a little later. CAPTURE_PROCESSES=0 keeps the work in a thread.

A helper that dies (killed, out of memory) breaks the pool: that call is retried once in a
thread and a fresh pool is started on the next call.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.settings import Settings

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_pool_owner = 0  # the pid that started it: a forked child starts its own


def _lower_priority(nice: int) -> None:
    if nice > 0:
        os.nice(nice)


def _executor(settings: Settings) -> ProcessPoolExecutor | None:
    global _pool, _pool_owner
    if settings.capture_processes <= 0:
        return None
    if _pool is None or _pool_owner != os.getpid():
        _pool = ProcessPoolExecutor(
            max_workers=settings.capture_processes,
            # Not fork: the web process has threads (database, thread pools) mid-work.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
            initargs=(settings.capture_nice,),
        )
        _pool_owner = os.getpid()
    return _pool


def shutdown() -> None:
    """Stops the helpers; the next call starts new ones. (At exit the pool stops by itself:
    concurrent.futures joins its idle helpers.)"""
    global _pool
    if _pool is not None and _pool_owner == os.getpid():
        _pool.shutdown(wait=False, cancel_futures=True)
    _pool = None


async def run(settings: Settings, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a helper process (a module-level function, picklable
    arguments and result), or in a thread when CAPTURE_PROCESSES=0. Its exceptions are
    raised here as they were raised there."""
    call = functools.partial(fn, *args, **kwargs)
    pool = _executor(settings)
    if pool is None:
        return await anyio.to_thread.run_sync(call)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, call)
    except BrokenProcessPool:
        shutdown()
        return await anyio.to_thread.run_sync(call)
