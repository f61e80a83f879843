"""Push delivery throughput: one worker sends several hundred messages to the local push
service (its own process, so the figure is the worker's), which verifies the VAPID signature
and decrypts every message."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.dossiers.services import dossier_transition
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from app.notifications.services import subscription_create
from app.notifications.tables import PushOutbox
from app.notifications.vapid import vapid_keys
from app.notifications.worker import PushWorker
from tests import factories
from tests.benchmarks.conftest import bench

DOSSIERS = 160
DEVICES = 5  # 800 messages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def push_process(settings):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.notifications.push_service", "--port", str(port),
         "--vapid-public-key", vapid_keys(settings).public_key],
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/control/stats")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_push_throughput(settings, push_process):
    async with httpx.AsyncClient(base_url=push_process) as control:
        agent = await factories.user(role="agent")
        for _ in range(DOSSIERS):
            dossier_id = await factories.dossier(agent_id=agent, status="submitted")
            token = (
                await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()
            )["status_token"]
            infos = (await control.post(f"/control/subscriptions?n={DEVICES}")).json()
            for info in infos:
                await subscription_create(token=token, subscription=info, settings=settings)
            await dossier_transition(dossier_id=dossier_id, target=S.received, actor_kind="portal")
        total = DOSSIERS * DEVICES
        assert await PushOutbox.count() == total
        async with PushWorker(settings, concurrency=64, batch_size=256) as worker:
            started = time.perf_counter()
            sent = 0
            while claimed := await worker.deliver_once():
                sent += claimed
            elapsed = time.perf_counter() - started
        stats = (await control.get("/control/stats")).json()
    assert sent == total
    assert stats == {"received": total, "errors": []}
    assert await PushOutbox.count().where(PushOutbox.status == "sent") == total
    bench("push.msgs_per_s", total / elapsed, "msg/s")
