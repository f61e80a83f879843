"""Small helpers for reading submitted forms safely."""

from __future__ import annotations

from typing import Any

from litestar import Request


async def read_form(request: Request) -> dict[str, str]:
    """The submitted fields as single strings; a field sent twice keeps its first value."""
    form = await request.form()
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == "_csrf_token" or key in out or not isinstance(value, str):
            continue
        out[key] = value.replace("\x00", "")
    return out


def safe_next(target: Any, default: str = "/") -> str:
    """Only local paths: no scheme, no host, no protocol-relative //, no backslashes."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
