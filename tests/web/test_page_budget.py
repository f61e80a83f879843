"""The first-load budget of the main pages (≤ 40 KB on the wire, what a phone pays on a slow
network), checked in-process on every test run: the page and every static file it makes the
browser fetch, in the coding Chromium accepts, plus an allowance for each response's headers.
`make bench-web` measures the same in a real browser, with the network and the timings."""

from __future__ import annotations

import re

import pytest

from tests import factories

BUDGET = 40 * 1024
HEADERS = 900  # bytes of status line and headers per response (measured: 770-870)
CHROMIUM_ACCEPTS = {"accept-encoding": "gzip, deflate, br, zstd"}
TOKEN = "tok_" + "Budget1Budget2Budget3Bud"
FETCHED = re.compile(r'(?:src|href|data-script)="(/static/[^"]+)"')


async def _wire_bytes(client, url: str) -> int:
    async with client.stream("GET", url, headers=CHROMIUM_ACCEPTS) as response:
        assert response.status_code == 200, url
        return HEADERS + len(b"".join([chunk async for chunk in response.aiter_raw()]))


async def _first_load(client, url: str) -> tuple[int, list[str]]:
    page = await client.get(url, headers=CHROMIUM_ACCEPTS)
    assert page.status_code == 200, (url, page.status_code)
    assets = sorted(set(FETCHED.findall(page.text)))
    total = await _wire_bytes(client, url)
    for asset in assets:
        total += await _wire_bytes(client, asset)
    return total, assets


@pytest.fixture
async def busy_point():
    """An agent point a few weeks in: the catalogue, Hanoi's communes, 40 dossiers."""
    from app.territory.seed import territory_seed

    await territory_seed()
    point = await factories.point(code="DL-BV-9")
    agent = await factories.user(role="agent", username="daily.budget", point_id=point)
    procedure = await factories.procedure(components=4)
    dossiers = [
        await factories.dossier(
            agent_id=agent,
            procedure_id=procedure,
            status="submitted" if n % 3 else "draft",
            token=TOKEN if n == 1 else None,
            with_components=True,
        )
        for n in range(40)
    ]
    await factories.user(role="supervisor", username="giamsat.budget")
    return {"procedure": procedure, "draft": dossiers[0]}


async def test_main_pages_fit_the_first_load_budget(client, busy_point):
    pages = {"login": "/dang-nhap", "status": f"/theo-doi/{TOKEN}"}
    weights = {name: await _first_load(client, url) for name, url in pages.items()}
    await client.login("daily.budget")
    agent_pages = {
        "agent_home": "/dai-ly",
        "new_dossier": f"/ho-so/moi?thu_tuc={busy_point['procedure']}",
        "capture": f"/ho-so/{busy_point['draft']}/chup",
    }
    for name, url in agent_pages.items():
        weights[name] = await _first_load(client, url)
    await client.login("giamsat.budget")
    weights["supervisor"] = await _first_load(client, "/giam-sat")

    over = {name: w for name, w in weights.items() if w[0] > BUDGET}
    assert not over, over
    # What makes the budget hold: push.js only where a subscribe card is, capture.js only on
    # the capture page.
    assert any("/js/push." in a for a in weights["status"][1])
    assert not any("/js/push." in a for a in weights["agent_home"][1])
    assert any("/js/capture." in a for a in weights["capture"][1])


async def test_point_finder_fits_the_first_load_budget(client):
    """The public point finder with a full page of points, nearest first."""
    from app.points.finder import LIMIT

    org = await factories.organisation()
    for n in range(LIMIT):
        await factories.point(
            organisation_id=org,
            code=f"DL-W-{n:03d}",
            name=f"Điểm Bưu điện Thử Nghiệm Số {n}",
            status="active",
            latitude=21.0 + n / 100,
            longitude=105.5 + n / 100,
        )
    page = await client.get("/diem-dai-ly?lat=21.03&lng=105.85")
    assert page.text.count("Điểm Bưu điện Thử Nghiệm Số") >= LIMIT
    total, _assets = await _first_load(client, "/diem-dai-ly?lat=21.03&lng=105.85")
    assert total <= BUDGET, total
