"""Fault drills for uploads (make bench): 500 page uploads through a proxy that drops 20% of
connections; then a burst of uploads and status changes during which the server is
SIGKILLed and restarted. Afterwards every page is stored once, byte-identical, with no
orphan or temporary file and no row without its files, and every push message the outbox
made was delivered exactly once."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import httpx

from app.demo import DEMO_PASSWORD
from app.integrations.signing import HEADER, sign
from app.settings import Settings
from tests.benchmarks.conftest import bench
from tests.faults.drill import FaultProxy, LiveServer, Uploader, check_store, make_pages, seed
from tests.notifications.push_service import PushService, ServedPushService


def _report(prefix: str, pages, outcome) -> None:
    lost = outcome.lost + sum(1 for p in pages if p.state != "done")
    bench(f"{prefix}.uploads_lost", lost, "")
    bench(f"{prefix}.uploads_duplicated", outcome.duplicated, "")
    print(f"{prefix}: {outcome}", flush=True)
    assert lost == outcome.duplicated == outcome.mismatched == 0, outcome
    assert outcome.orphan_files == outcome.temp_files == outcome.rows_without_files == 0, outcome
    assert outcome.undecryptable == 0, outcome


def test_500_uploads_with_20_percent_dropped_connections():
    server = LiveServer()
    server.setup()
    server.start()
    try:
        layout = seed(server, dossiers=4, components=5, tracked=0)
        pages = make_pages(layout, 500)
        started = time.perf_counter()
        with FaultProxy(server.port, drop=0.2, seed=11) as proxy:
            uploader = Uploader(proxy.base, "daily.bavi", DEMO_PASSWORD)
            uploader.login()
            for page in pages:
                uploader.deliver(page)
        bench("faults.upload_seconds", time.perf_counter() - started, "s")
        bench("faults.connections", proxy.stats.connections, "")
        bench("faults.dropped_mid_body", proxy.stats.dropped_mid_body, "")
        bench("faults.dropped_before_response", proxy.stats.dropped_before_response, "")
        outcome = check_store(server, pages, Uploader(server.base, "daily.bavi", DEMO_PASSWORD))
        _report("faults", pages, outcome)
    finally:
        server.stop()


# Pending messages that are due; a rating invitation waits RATING_DELAY after completion.
DUE = "SELECT count(*) FROM push_outbox WHERE status='pending' AND kind='status'"
PORTAL_STEPS = (2, 4, 9, 10)  # received, processing, resolved, result returned


def _send_events(server: LiveServer, tracked: list[dict], stop_at: float) -> list[int]:
    """The portal's sender: each event retried (same id) until it gets a 2xx/4xx answer."""
    secret = Settings().portal_secret
    answers = []
    for step, code in enumerate(PORTAL_STEPS, start=1):
        for d in tracked:
            body = json.dumps(
                {
                    "event_id": f"{d['portal_code']}-{step}",
                    "portal_code": d["portal_code"],
                    "seq": step,
                    "status_code": code,
                    "occurred_at": "2025-11-23T08:00:00+07:00",
                }
            ).encode()
            while time.monotonic() < stop_at:
                try:
                    answer = httpx.post(
                        f"{server.base}/webhooks/portal",
                        content=body,
                        headers={HEADER: sign(secret, body), "content-type": "application/json"},
                        timeout=10,
                    )
                    if answer.status_code < 500:
                        answers.append(answer.status_code)
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            time.sleep(0.01)
    return answers


def test_sigkill_during_a_burst_of_uploads_and_status_changes():
    server = LiveServer(push_worker="embedded")
    server.setup()
    server.start()
    try:
        public_key = httpx.get(f"{server.base}/thong-bao/khoa").text.strip()
        with ServedPushService(PushService(public_key)) as push:
            layout = seed(server, dossiers=2, components=5, tracked=6)
            subscribers = {}
            for d in layout["tracked"]:
                fake = push.new_subscription()
                with httpx.Client(base_url=server.base) as citizen:
                    citizen.get(f"/theo-doi/{d['token']}")
                    answer = citizen.post(
                        "/thong-bao/dang-ky",
                        json={"token": d["token"], "subscription": fake.info(push.base_url)},
                        headers={"X-CSRFToken": citizen.cookies.get("csrftoken") or ""},
                    )
                assert answer.status_code == 201, answer.text
                subscribers[fake.name] = d
            pages = make_pages(layout, 150)
            with FaultProxy(server.port, drop=0.2, seed=5) as proxy:
                uploader = Uploader(proxy.base, "daily.bavi", DEMO_PASSWORD)
                uploader.login()
                stop_at = time.monotonic() + 300
                events: list[int] = []
                sender = threading.Thread(
                    target=lambda: events.extend(_send_events(server, layout["tracked"], stop_at))
                )
                sender.start()
                killed = threading.Event()

                def killer():
                    while sum(p.state == "done" for p in pages) < 60:
                        time.sleep(0.01)
                    server.kill()
                    killed.set()
                    time.sleep(0.5)
                    server.start()

                k = threading.Thread(target=killer)
                k.start()
                for page in pages:
                    uploader.deliver(page)
                k.join()
                sender.join()
            assert killed.is_set()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                pending = server.query(DUE)
                if pending[0][0] == 0:
                    break
                time.sleep(0.5)
            time.sleep(1)
            outcome = check_store(server, pages, Uploader(server.base, "daily.bavi", DEMO_PASSWORD))
            _report("faults.kill", pages, outcome)

            endpoints = {
                row[0]: row[1].rsplit("/", 1)[1]
                for row in server.query("SELECT id, endpoint FROM push_subscription")
            }
            sent = Counter(
                (endpoints[sub], json.dumps(json.loads(payload), sort_keys=True))
                for sub, payload, status in server.query(
                    "SELECT subscription, payload, status FROM push_outbox"
                )
                if status == "sent"
            )
            statuses = Counter(row[0] for row in server.query("SELECT status FROM push_outbox"))
            received = Counter(
                (r.subscription, json.dumps(r.message, sort_keys=True)) for r in push.received
            )
            bench("faults.kill.outbox_messages", sum(statuses.values()), "")
            bench("faults.kill.push_received", len(push.received), "")
            bench("faults.kill.push_duplicated", sum(n - 1 for n in received.values()), "")
            print(f"outbox {dict(statuses)}; events answered {Counter(events)}", flush=True)
            assert server.query(DUE)[0][0] == 0 and statuses.get("quarantined", 0) == 0
            assert sent == received, (sent - received, received - sent)
            assert all(n == 1 for n in received.values())
            assert not push.errors, push.errors
    finally:
        server.stop()
