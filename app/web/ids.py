"""Row ids (and versions) that arrive as text: only what an integer column can hold.

Ids and versions are 32-bit integer columns on PostgreSQL, which refuses a larger number in
a query (a 500 where "no such row" is meant); and `str.isdigit()` accepts digits `int()`
cannot read ("²"). Anything that is not 1 to 2**31 - 1 in ASCII digits names no row.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

MAX_ROW_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def row_id(raw: Any) -> int | None:
    """The id `raw` names (an int, or ASCII digits), or None when no row can have it."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= MAX_ROW_ID else None


async def refuse_impossible_ids(request: Request) -> None:
    """before_request (after the guards): an int path parameter no row can have is a 404.
    A coroutine: Litestar runs a plain function hook in a worker thread, on every request."""
    for value in request.path_params.values():
        if isinstance(value, int) and row_id(value) is None:
            raise NotFoundException()
