"""The portal connector against the portal simulator (in-process ASGI): dossier codes,
daily sequences, idempotent resubmission, and how failures reach the caller."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
import pytest

from app.integrations.portal import (
    HttpPortalConnector,
    PortalRejected,
    PortalUnavailable,
)
from app.integrations.portal_sim import create_portal_simulator, simulator_of
from tests.integrations.support import PORTAL_SECRET, UNIT, Clock, submission

CODE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4})$")


def make_sim(clock=None, **kw):
    return create_portal_simulator(
        unit_code=UNIT,
        secret=PORTAL_SECRET,
        callback_url="http://127.0.0.1:9/webhooks/portal",
        clock=clock,
        retry_delays=(),
        **kw,
    )


async def test_codes_follow_the_national_format_with_the_date_in_hanoi():
    # 17:30 UTC on 4 Feb is 00:30 on 5 Feb in Hanoi: the code carries the Hanoi date.
    clock = Clock(dt.datetime(2025, 2, 4, 17, 30, tzinfo=dt.UTC))
    connector = HttpPortalConnector(make_sim(clock), secret=PORTAL_SECRET)
    receipt = await connector.submit(submission("R-1"))
    assert CODE.match(receipt.portal_code)
    assert receipt.portal_code == f"{UNIT}-250205-0001"
    assert receipt.received_at == clock.now and receipt.received_at.tzinfo is not None
    assert (await connector.submit(submission("R-2"))).portal_code == f"{UNIT}-250205-0002"


async def test_the_sequence_is_per_unit_and_starts_again_each_day():
    clock = Clock(dt.datetime(2025, 2, 5, 2, 0, tzinfo=dt.UTC))
    connector = HttpPortalConnector(make_sim(clock), secret=PORTAL_SECRET)
    codes = [(await connector.submit(submission(f"R-{i}"))).portal_code for i in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    other = await connector.submit(submission("R-x", unit_code="000.00.06.H56"))
    assert other.portal_code == "000.00.06.H56-250205-0001"
    clock.now = dt.datetime(2025, 2, 5, 16, 59, tzinfo=dt.UTC)  # 23:59 in Hanoi, same day
    assert (await connector.submit(submission("R-3"))).portal_code.endswith("250205-0004")
    clock.now = dt.datetime(2025, 2, 5, 17, 0, tzinfo=dt.UTC)  # midnight in Hanoi
    assert (await connector.submit(submission("R-4"))).portal_code == f"{UNIT}-250206-0001"


async def test_concurrent_submissions_get_distinct_codes():
    clock = Clock(dt.datetime(2025, 2, 5, 2, 0, tzinfo=dt.UTC))
    connector = HttpPortalConnector(make_sim(clock), secret=PORTAL_SECRET)
    receipts = await asyncio.gather(*(connector.submit(submission(f"R-{i}")) for i in range(25)))
    numbers = sorted(int(r.portal_code[-4:]) for r in receipts)
    assert numbers == list(range(1, 26))


async def test_a_sequence_floor_continues_after_codes_already_issued():
    async def floor(unit_code, day):
        assert (unit_code, day) == (UNIT, dt.date(2025, 2, 5))
        return 41

    clock = Clock(dt.datetime(2025, 2, 5, 2, 0, tzinfo=dt.UTC))
    connector = HttpPortalConnector(make_sim(clock, sequence_floor=floor), secret=PORTAL_SECRET)
    assert (await connector.submit(submission())).portal_code.endswith("-0042")


async def test_sending_the_same_reference_again_returns_the_same_code():
    sim = make_sim()
    connector = HttpPortalConnector(sim, secret=PORTAL_SECRET)
    first = await connector.submit(submission("R-1"))
    again = await connector.submit(submission("R-1"))
    assert again == first
    assert len(simulator_of(sim).dossiers) == 1
    assert simulator_of(sim).dossiers[first.portal_code].file_count == 1


async def test_the_portal_reason_comes_back_when_it_refuses():
    connector = HttpPortalConnector(make_sim(), secret=PORTAL_SECRET)
    with pytest.raises(PortalRejected) as info:
        await connector.submit(submission(id_number="12345"))
    assert info.value.reason == "Số định danh cá nhân phải gồm 12 chữ số."
    assert info.value.params == {"reason": info.value.reason}
    assert info.value.message == "The national portal refused the dossier: %(reason)s"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_server_errors_and_throttling_mean_unavailable(status):
    sim = make_sim()
    simulator_of(sim).faults.fail_next(status)
    connector = HttpPortalConnector(sim, secret=PORTAL_SECRET)
    with pytest.raises(PortalUnavailable) as info:
        await connector.submit(submission())
    assert "did not answer" in info.value.message
    assert (await connector.submit(submission())).portal_code.endswith("-0001")  # next one works


async def test_a_slow_portal_times_out_as_unavailable():
    sim = make_sim()
    simulator_of(sim).faults.delay_next(5)
    connector = HttpPortalConnector(sim, secret=PORTAL_SECRET, timeout=0.05)
    with pytest.raises(PortalUnavailable) as info:
        await connector.submit(submission())
    assert "timeout" in info.value.detail


async def test_an_unreachable_portal_is_unavailable():
    connector = HttpPortalConnector("http://127.0.0.1:9", secret=PORTAL_SECRET, timeout=2)
    with pytest.raises(PortalUnavailable) as info:
        await connector.submit(submission())
    assert "connection" in info.value.detail


async def test_our_wrong_secret_is_not_the_dossiers_fault():
    connector = HttpPortalConnector(make_sim(), secret="not-the-portal-secret")
    with pytest.raises(PortalUnavailable):
        await connector.submit(submission())


async def test_the_portal_api_refuses_unsigned_requests():
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_sim()), base_url="http://portal.sim"
    ) as client:
        response = await client.post("/api/v1/dossiers", files={"submission": b"{}"})
    assert response.status_code == 401
    assert response.json()["error"] == "signature"
