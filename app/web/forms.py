"""Small helpers for reading submitted forms safely."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

_SMALL_NUMBER = re.compile(r"[0-9]{1,9}")


async def read_form(request: Request) -> dict[str, str]:
    """The submitted fields as single strings; a field sent twice keeps its first value."""
    form = await request.form()
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == "_csrf_token" or key in out or not isinstance(value, str):
            continue
        out[key] = value.replace("\x00", "")
    return out


def parse_id(raw: Any) -> int | None:
    """A row id, version or count sent in a form, or None: ASCII digits only (`"²".isdigit()`
    is true but `int("²")` fails) and at most 9 of them (ids are 32-bit on PostgreSQL)."""
    return int(raw) if isinstance(raw, str) and _SMALL_NUMBER.fullmatch(raw) else None


ID_MAX = 2**31 - 1  # PostgreSQL `serial`; SQLite's INTEGER holds 2**63 - 1


async def ids_in_range(request: Request) -> None:
    """`{…:int}` path parameters accept any size of integer; one no column can hold names
    no row, so it is answered 404 before it reaches (and crashes) a query."""
    for value in request.path_params.values():
        if isinstance(value, int) and not -ID_MAX <= value <= ID_MAX:
            raise NotFoundException()


def safe_next(target: Any, default: str = "/") -> str:
    """Only local paths: no scheme, no host, no protocol-relative //, no backslashes."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
