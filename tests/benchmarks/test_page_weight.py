"""Bytes a phone downloads for a first visit to the login page: the HTML and every asset it
links, gzip-compressed as served (what slow mobile networks pay for)."""

from __future__ import annotations

import re

from tests.benchmarks.conftest import bench

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


async def test_login_first_load_bytes(client):
    page = await client.get("/dang-nhap", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    total = len(await _raw(client, "/dang-nhap"))
    for url in sorted(set(ASSET.findall(page.text))):
        total += len(await _raw(client, url))
    bench("page.login.first_kb", total / 1024, "KB")
    assert total < 40 * 1024


async def _raw(client, url: str) -> bytes:
    """The body as sent on the wire (still compressed)."""
    async with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as response:
        return b"".join([chunk async for chunk in response.aiter_raw()])
