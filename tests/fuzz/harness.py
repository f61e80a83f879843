"""The fuzzing harness: hostile value strategies, a way to run hypothesis against the real app
on the session's event loop, and the checks every response must pass.

Hypothesis drives a synchronous test function; the suite's client and database live on
pytest-asyncio's session loop. So `fuzz()` (awaited from an async test) runs hypothesis in
a worker thread, and each example submits its coroutine back to the loop and waits for it.
The database is emptied per test, not per example: targets that need a fresh row make it
inside the example."""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import html5lib
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# FUZZ_SHRINK=0 reports the first failing example as drawn (quicker when hunting defects).
PHASES = [p for p in Phase if os.environ.get("FUZZ_SHRINK", "1") != "0" or p != Phase.shrink]


@dataclass
class Totals:
    cases: int = 0
    server_errors: int = 0
    server_error_samples: list[str] = field(default_factory=list)


TOTALS = Totals()

# ---------------------------------------------------------------------------------------
# Values

XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
)
# What must never reach a page unescaped (each is the start of an XSS payload above).
RAW_MARKERS = ("<script>alert(", "<img src=x onerror", "<svg onload", "</textarea><script>")
HOSTILE = (
    *XSS,
    "' OR '1'='1",
    "1; DROP TABLE dossier;--",
    "Robert'); DELETE FROM app_user; --",
    "{{ 7*7 }}",
    "{% raw %}",
    "${7*7}",
    "%(n)s %s %d",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\r\nX-Injected: 1",
    "\u202eevil\u202c",
    "\ufeff\u200b\u200d",
    "Nguyễn Văn Ánh",
    "Nguyễn Văn Ánh",  # decomposed (NFD)
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 👨‍👩‍👧",
    "Ελληνικά Кириллица العربية 中文",
    "²",
    "①②",
    "١٢٣",
    "９９",
    "9" * 40,
    "-1",
    "0",
    "1e9",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    " ",
    "",
    "../../etc/passwd",
    "//evil.example/",
    "/\\evil.example",
    "http://evil.example/",
)


def long_text(min_size: int = 300, max_size: int = 30_000) -> st.SearchStrategy[str]:
    return st.builds(
        lambda chunk, n: (chunk * (n // max(1, len(chunk)) + 1))[:n],
        st.sampled_from(["ư", "a", "<b>", "Nguyễn ", "\x01", " ", "😀"]),
        st.integers(min_size, max_size),
    )


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=20),
        long_text(),
        st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), max_size=4).map("".join),
        st.integers(-(2**70), 2**70).map(str),
    )


def maybe(valid: Any) -> st.SearchStrategy:
    """A plausible value (so the happy path is fuzzed too) or a hostile one."""
    good = valid if isinstance(valid, st.SearchStrategy) else st.just(valid)
    return st.one_of(good, hostile_text())


MISSING = object()


@st.composite
def form_fields(draw, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """Form items: each field valid, hostile, missing or sent several times; plus junk fields."""
    items: list[tuple[str, str]] = []
    for name, valid in fields.items():
        shape = draw(st.sampled_from(["one", "one", "one", "one", "missing", "twice"]))
        if shape == "missing":
            continue
        for _ in range(2 if shape == "twice" else 1):
            items.append((name, draw(maybe(valid))))
    extra = draw(st.lists(st.tuples(hostile_text(), hostile_text()), max_size=2))
    return items + [(k[:200], v) for k, v in extra]


ENCODINGS = ("urlencoded", "urlencoded", "multipart", "raw", "json")


@st.composite
def form_bodies(draw, fields: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """(encoding, items, raw bytes for the "raw"/"json" encodings)."""
    items = draw(form_fields(fields))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw = b""
    if encoding == "raw":
        parts = [
            urllib.parse.quote(k, safe="", errors="surrogatepass")
            + "="
            + urllib.parse.quote(v, safe="", errors="surrogatepass")
            for k, v in items
        ]
        junk = draw(st.lists(st.sampled_from(["%FF%FE", "%", "%zz", "&&", "==", "%C0%AF"])))
        raw = "&".join(parts + junk).encode()
        raw += draw(st.binary(max_size=30))
    elif encoding == "json":
        raw = json.dumps(dict(items)).encode()
    return encoding, items, raw


# ---------------------------------------------------------------------------------------
# Sending


async def post_form(client, url: str, body, *, headers: dict | None = None):
    encoding, items, raw = body
    headers = {"x-csrftoken": await client.csrf_token(), **(headers or {})}
    if encoding == "urlencoded":
        data: dict[str, list[str]] = {}
        for k, v in items:
            data.setdefault(k, []).append(v)
        return await client.post(url, data=data, headers=headers)
    if encoding == "multipart":
        files = [(k, (None, v.encode("utf-8", "surrogatepass"))) for k, v in items]
        files = files or [("_", (None, b""))]
        return await client.post(url, files=files, headers=headers)
    content_type = "application/json" if encoding == "json" else "application/x-www-form-urlencoded"
    return await client.post(url, content=raw, headers={**headers, "content-type": content_type})


# ---------------------------------------------------------------------------------------
# Checks

VIETNAMESE = re.compile(
    r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I
)
_MESSAGE_CLASSES = ("error-message", "error-summary", "banner-error", "lead")


def _messages(html: str) -> list[str]:
    doc = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for el in doc.iter():
        classes = (el.get("class") or "").split()
        if el.get("role") == "alert" or any(c in classes for c in _MESSAGE_CLASSES):
            text = " ".join("".join(el.itertext()).split())
            if text:
                found.append(text)
    return found


class Unexpected(AssertionError):
    pass


def check_no_raw_payload(text: str, where: str) -> None:
    for marker in RAW_MARKERS:
        if marker in text:
            at = text.index(marker)
            raise Unexpected(
                f"{where}: unescaped {marker!r} in …{text[max(0, at - 80) : at + 80]}…"
            )


def check_response(response, *, where: str, json_api: bool = False) -> None:
    """No 5xx; nothing echoed unescaped; a 4xx says what is wrong, in Vietnamese."""
    status = response.status_code
    if status >= 500:
        TOTALS.server_errors += 1
        if len(TOTALS.server_error_samples) < 50:
            TOTALS.server_error_samples.append(f"{where} -> {status}")
        raise Unexpected(f"{where}: {status}\n{response.text[:1500]}")
    content_type = response.headers.get("content-type", "")
    if "html" in content_type:
        check_no_raw_payload(response.text, where)
    if not 400 <= status < 500 or status == 401:
        return
    if json_api:
        body = response.json()
        assert isinstance(body, dict) and body.get("error"), f"{where}: {status} {body}"
        return
    assert "html" in content_type, f"{where}: {status} answered {content_type}"
    messages = _messages(response.text)
    assert any(VIETNAMESE.search(m) for m in messages), (
        f"{where}: {status} without a Vietnamese message: {messages}\n{response.text[:1500]}"
    )
    if status == 422:
        assert "error-message" in response.text or "error-summary" in response.text, (
            f"{where}: 422 without a field-level message\n{response.text[:1500]}"
        )


# ---------------------------------------------------------------------------------------
# Running


async def fuzz(
    strategy: st.SearchStrategy,
    example: Callable[[Any], Awaitable[None]],
    *,
    examples: int | None = None,
) -> None:
    """Runs `example(value)` on this event loop for each value hypothesis draws."""
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=examples or EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        phases=PHASES,
    )
    @given(strategy)
    def run(value):
        TOTALS.cases += 1
        asyncio.run_coroutine_threadsafe(example(value), loop).result(timeout=300)

    await asyncio.to_thread(run)
