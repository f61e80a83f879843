"""Page uploads through a proxy that drops 20% of connections (some mid-body, some after the
request but before the response): every page stored once, byte-identical, no orphan files.
A small run here; the 500-page run and the SIGKILL drill are in tests/benchmarks."""

from __future__ import annotations

import pytest

from app.demo import DEMO_PASSWORD
from tests.faults.drill import FaultProxy, LiveServer, Uploader, check_store, make_pages, seed


@pytest.fixture
def server():
    live = LiveServer()
    live.setup()
    live.start()
    yield live
    live.stop()


def test_uploads_survive_dropped_connections(server):
    layout = seed(server, dossiers=1, components=2, tracked=0)
    pages = make_pages(layout, 40)
    with FaultProxy(server.port, drop=0.2, seed=3) as proxy:
        uploader = Uploader(proxy.base, "daily.bavi", DEMO_PASSWORD)
        uploader.login()
        for page in pages:
            uploader.deliver(page)
    assert all(p.state == "done" for p in pages), [p.answers for p in pages if p.state != "done"]
    assert proxy.stats.dropped_mid_body + proxy.stats.dropped_before_response > 0
    outcome = check_store(server, pages, Uploader(server.base, "daily.bavi", DEMO_PASSWORD))
    assert outcome.lost == outcome.duplicated == outcome.mismatched == 0, outcome
    assert outcome.orphan_files == outcome.temp_files == outcome.rows_without_files == 0, outcome
    assert outcome.undecryptable == 0, outcome
