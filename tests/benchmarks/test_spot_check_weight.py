"""Bytes a tablet downloads for a first visit to a spot check's page (8 items, one photo
thumbnail's HTML, the check's script): the HTML and every asset it links, gzip-compressed as
served. Photos themselves load lazily and are not counted."""

from __future__ import annotations

import re

from tests import factories
from tests.benchmarks.conftest import bench
from tests.inspections.support import items_of, scene_photo, start, supervisor, upload

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


async def test_spot_check_first_load_bytes(client):
    await supervisor(client)
    check_id = await start(client, await factories.point())
    item = (await items_of(check_id))[0]["item"]
    assert (await upload(client, check_id, item, scene_photo())).status_code == 201
    url = f"/giam-sat/kiem-tra/{check_id}"
    page = await client.get(url, headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    total = len(await _raw(client, url))
    for asset in sorted(set(ASSET.findall(page.text))):
        total += len(await _raw(client, asset))
    bench("page.spot_check.first_kb", total / 1024, "KB")
    assert total < 40 * 1024


async def _raw(client, url: str) -> bytes:
    async with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as response:
        return b"".join([chunk async for chunk in response.aiter_raw()])
