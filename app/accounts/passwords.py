"""argon2id password hashing, always off the event loop.

At most one hash per CPU runs at a time: each takes ~64 MiB and several threads for a
fraction of a second, so a burst of sign-ins queues in order instead of running dozens at
once (gigabytes of memory, every one of them slow)."""

from __future__ import annotations

import asyncio
import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


_limiters: dict[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = {}


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        for old in [k for k in _limiters if k.is_closed()]:
            del _limiters[old]
        limiter = _limiters[loop] = anyio.CapacityLimiter(os.cpu_count() or 1)
    return limiter


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_limiter())


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(hashed: str | None, password: str) -> bool:
    if hashed is None:
        await anyio.to_thread.run_sync(_verify, _DUMMY_HASH, password, limiter=_limiter())
        return False
    return await anyio.to_thread.run_sync(_verify, hashed, password, limiter=_limiter())
