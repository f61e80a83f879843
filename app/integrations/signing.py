"""HMAC-SHA256 signatures for requests between us and the outside systems.

Header: ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of b"<t>." + raw body>``.
The timestamp is inside the signed bytes, so an old request cannot be replayed with a
fresh time; requests outside ``tolerance`` seconds (either way) are refused. During a key
rotation pass several secrets: any of them verifies, the first one signs.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

HEADER = "X-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """The request's signature cannot be trusted; `reason` is a short machine-readable word."""

    reason = "invalid"


class MissingSignature(SignatureError):
    reason = "missing"


class MalformedSignature(SignatureError):
    reason = "malformed"


class BadSignature(SignatureError):
    reason = "mismatch"


class ExpiredSignature(SignatureError):
    """The timestamp is too old, or too far in the future: a replay or a wrong clock."""

    reason = "timestamp"


def split_secrets(value: str) -> tuple[str, ...]:
    """`"new,old"` (a setting during rotation) -> ("new", "old")."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _as_secrets(secret: str | Sequence[str]) -> tuple[str, ...]:
    found = split_secrets(secret) if isinstance(secret, str) else tuple(s for s in secret if s)
    if not found:
        raise ValueError("no signing secret configured")
    return found


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str | Sequence[str], body: bytes, now: float | None = None) -> str:
    """The X-Signature header value for `body` (signed with the first secret)."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},{SCHEME}={_mac(_as_secrets(secret)[0], timestamp, body)}"


def parse(header: str | None) -> tuple[int, list[str]]:
    if header is None or not header.strip():
        raise MissingSignature("no X-Signature header")
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise MalformedSignature("X-Signature parts must be key=value")
        if key == "t":
            if not (value.isascii() and value.isdigit()) or len(value) > 12:
                raise MalformedSignature("t must be unix seconds")
            timestamp = int(value)
        elif key == SCHEME:
            macs.append(value.strip().lower())
    if timestamp is None or not macs:
        raise MalformedSignature("X-Signature needs t=… and v1=…")
    return timestamp, macs


def verify(
    secret: str | Sequence[str],
    header: str | None,
    body: bytes,
    *,
    tolerance: int,
    now: float | None = None,
) -> int:
    """Check `header` against `body`; return the signed timestamp or raise a SignatureError."""
    timestamp, macs = parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise ExpiredSignature("signature timestamp outside the accepted window")
    expected = [_mac(s, timestamp, body) for s in _as_secrets(secret)]
    # Compare every pair so the time taken does not depend on which one matched.
    matched = False
    for mac in macs:
        for candidate in expected:
            matched |= hmac.compare_digest(mac.encode(), candidate.encode())
    if not matched:
        raise BadSignature("signature does not match")
    return timestamp
