"""The audit trail's hash chain: appends, verification, tampering (done with raw SQL, as an
intruder with database access would), concurrency, and the verify-audit command."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from asyncio.subprocess import PIPE

import pytest

from app.audit import services as audit_services
from app.audit.chain import GENESIS, canonical_entry, chain_head, chain_verify, entry_hash
from app.audit.services import audit_record
from app.audit.tables import AppendOnly, AuditEvent
from app.db import write_transaction
from app.dossiers import services as dossiers
from app.dossiers.states import S
from app.dossiers.tables import Dossier
from tests import factories
from tests.conftest import USING_POSTGRES


def _db():
    return AuditEvent._meta.db


async def _sql(statement: str) -> None:
    await _db().run_ddl(statement)


async def _mixed(n: int = 12) -> None:
    """n entries of several kinds, after the `user_created` of their actor (seq 1)."""
    user = await factories.user(role="agent", point_id=await factories.point())
    for i in range(n):
        await audit_record(
            action=["login_succeeded", "document_page_viewed", "personal_data_viewed"][i % 3],
            actor_id=user if i % 2 else None,
            actor_label="daily.bavi" if i % 2 else "",
            object_type="dossier",
            object_id=str(i),
            ip="203.0.113.7",
            details={"z": i, "a": ["Nguyễn", None, 1.5], "nested": {"b": True, "a": "Đông Anh"}},
        )


async def _row(seq: int) -> dict:
    return await AuditEvent.select().where(AuditEvent.seq == seq).first()


async def test_a_mix_of_entries_forms_one_chain():
    await _mixed(12)
    report = await chain_verify(batch_size=5)  # several batches
    assert report.ok and report.count == 13 and report.head_seq == 13
    assert (report.head_seq, report.head_hash) == await chain_head()
    first, second = await _row(1), await _row(2)
    assert first["prev_hash"] == GENESIS and second["prev_hash"] == first["hash"]
    assert "13 entries" in report.summary() and report.head_hash in report.summary()


async def test_the_hash_covers_the_canonical_form_read_back_from_the_database(monkeypatch):
    # A whole second (SQLite stores it without a fraction) and a microsecond both round-trip.
    for at in (dt.datetime(2025, 11, 24, 3, 0, 0, tzinfo=dt.UTC), dt.datetime.now(dt.UTC)):
        monkeypatch.setattr(audit_services, "_now", lambda at=at: at)
        seq = await audit_record(action="probe", details={"b": 2, "a": "ờ"})
        row = await _row(seq)
        assert row["at"] == at
        assert entry_hash(row) == row["hash"]
        text = canonical_entry(row).decode()
        assert f'"at":"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond:06d}Z"' in text
        assert '"details":{"a":"ờ","b":2}' in text and '"v":1' in text


async def test_an_edited_field_is_found():
    await _mixed(8)
    await _sql("UPDATE audit_event SET object_id = 'someone-else' WHERE seq = 5")
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 5 and report.problem == "edited"
    assert report.count == 4 and report.head_seq == 4


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link():
    await _mixed(8)
    row = await _row(5)
    row["ip"] = "198.51.100.1"
    await _sql(
        f"UPDATE audit_event SET ip = '198.51.100.1', hash = '{entry_hash(row)}' WHERE seq = 5"
    )
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 6 and report.problem == "inserted"
    assert "seq 5 was inserted or replaced" in report.explanation


async def test_a_removed_entry_is_found():
    await _mixed(8)
    await _sql("DELETE FROM audit_event WHERE seq = 5")
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 5 and report.problem == "removed"
    assert "seq 5 missing" in report.explanation


async def test_a_removed_entry_with_the_rest_renumbered_is_found():
    await _mixed(8)
    await _sql("DELETE FROM audit_event WHERE seq = 5")
    for seq in range(6, 9):
        await _sql(f"UPDATE audit_event SET seq = {seq - 1} WHERE seq = {seq}")
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 5 and report.problem == "removed"


async def _shift_up_from(seq: int) -> None:
    """Makes room at `seq` without tripping the unique index (via negative numbers)."""
    await _sql(f"UPDATE audit_event SET seq = -seq - 1 WHERE seq >= {seq}")
    await _sql("UPDATE audit_event SET seq = -seq WHERE seq < 0")


async def _forge(seq: int, prev_hash: str, *, hash_: str | None = None) -> None:
    entry = {
        "seq": seq,
        "at": dt.datetime.now(dt.UTC),
        "actor": None,
        "actor_label": "",
        "action": "login_succeeded",
        "object_type": "user",
        "object_id": "quantri",
        "ip": "",
        "details": "{}",
        "prev_hash": prev_hash,
    }
    entry["hash"] = hash_ or entry_hash(entry)
    await AuditEvent.insert(AuditEvent(**entry))


async def test_a_forged_entry_inserted_with_a_correct_hash_is_found():
    await _mixed(8)
    await _shift_up_from(5)
    await _forge(5, (await _row(4))["hash"])
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 6 and report.problem == "inserted"
    assert "written as seq 5 is at seq 6" in report.explanation


async def test_a_forged_entry_with_a_made_up_hash_is_found():
    await _mixed(8)
    await _shift_up_from(3)
    await _forge(3, (await _row(2))["hash"], hash_="f" * 64)
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 3 and report.problem == "edited"


async def test_two_swapped_entries_are_found():
    await _mixed(8)
    await _sql("UPDATE audit_event SET seq = -1 WHERE seq = 4")
    await _sql("UPDATE audit_event SET seq = 4 WHERE seq = 5")
    await _sql("UPDATE audit_event SET seq = 5 WHERE seq = -1")
    report = await chain_verify()
    assert not report.ok and report.broken_seq == 4 and report.problem == "reordered"
    assert "written as seq 5 is at seq 4" in report.explanation


async def test_a_removed_tail_is_found_against_an_anchor():
    await _mixed(8)
    anchor = await chain_head()
    await _sql("DELETE FROM audit_event WHERE seq >= 7")
    assert (await chain_verify()).ok  # the chain alone cannot tell
    report = await chain_verify(anchor=anchor)
    assert not report.ok and report.problem == "removed" and report.broken_seq == 7
    assert (await chain_verify(anchor=(6, (await _row(6))["hash"]))).ok


async def test_the_model_refuses_updates_and_deletes():
    await audit_record(action="probe")
    with pytest.raises(AppendOnly):
        AuditEvent.update({AuditEvent.action: "x"})
    with pytest.raises(AppendOnly):
        AuditEvent.delete(force=True)
    row = await AuditEvent.objects().first()
    row.action = "changed"
    with pytest.raises(AppendOnly):
        await row.save()
    with pytest.raises(AppendOnly):
        await row.remove()


async def test_concurrent_appends_keep_one_chain():
    await asyncio.gather(*(audit_record(action="probe", object_id=str(i)) for i in range(50)))
    report = await chain_verify()
    assert report.ok and report.count == 50
    assert await AuditEvent.count() == 50


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.getcwd()}


async def _command(*args: str) -> tuple[int, str, str]:
    """`python -m app …` in its own process, on the test database."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", *args, env=_env(), stdout=PIPE, stderr=PIPE
    )
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


APPENDER = """
import asyncio, sys
import app
from app.audit.services import audit_record

async def main():
    await asyncio.gather(*(audit_record(action="probe", object_id=f"{sys.argv[1]}-{i}")
                           for i in range(20)))

asyncio.run(main())
"""


async def test_appends_from_several_processes_keep_one_chain():
    """Separate processes (separate connections on PostgreSQL, separate SQLite handles)."""
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", APPENDER, str(n), env=_env())
        for n in range(4)
    ]
    await asyncio.gather(*(audit_record(action="probe", object_id=f"main-{i}") for i in range(20)))
    assert [await p.wait() for p in procs] == [0, 0, 0, 0]
    report = await chain_verify()
    assert report.ok and report.count == 100


async def test_every_status_change_is_audited_in_its_transaction():
    agent = await factories.user(role="agent", point_id=await factories.point())
    dossier_id = await factories.dossier(agent_id=agent, with_components=True)
    await dossiers.dossier_transition(
        dossier_id=dossier_id, target=S.ready, actor_kind="user", actor_id=agent
    )
    code = "000.00.26.H26-251124-0042"
    await Dossier.update({Dossier.status: "submitted", Dossier.portal_code: code}).where(
        Dossier.id == dossier_id
    )
    async with write_transaction(Dossier._meta.db):  # as the webhook does
        outcome = await dossiers.dossier_apply_external_event(
            source="portal",
            portal_code=code,
            waybill_code=None,
            seq=1,
            target=S.processing,  # received is inferred on the way
            reason="",
            occurred_at=dt.datetime.now(dt.UTC),
            details={},
        )
    assert outcome == "applied"
    rows = (
        await AuditEvent.select()
        .where(AuditEvent.action == "dossier_status_changed")
        .order_by(AuditEvent.seq)
        .output(load_json=True)
    )
    assert [(r["details"]["from"], r["details"]["to"]) for r in rows] == [
        ("draft", "ready"),
        ("submitted", "received"),
        ("received", "processing"),
    ]
    assert rows[0]["actor"] == agent and rows[0]["details"]["actor_kind"] == "user"
    assert rows[0]["actor_label"].startswith("agent") or rows[0]["actor_label"]
    assert rows[1]["actor"] is None and rows[1]["actor_label"] == "portal"
    assert rows[1]["details"]["inferred"] is True and "inferred" not in rows[2]["details"]
    assert {r["object_id"] for r in rows} == {str(dossier_id)}
    assert (await chain_verify()).ok


async def test_a_rolled_back_status_change_leaves_no_entry():
    agent = await factories.user(role="agent", point_id=await factories.point())
    dossier_id = await factories.dossier(agent_id=agent)
    await audit_record(action="before")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with write_transaction(Dossier._meta.db):
            # The inner write_transaction of dossier_transition joins this one.
            await dossiers.dossier_transition(
                dossier_id=dossier_id, target=S.ready, actor_kind="user", actor_id=agent
            )
            assert await AuditEvent.count().where(AuditEvent.action == "dossier_status_changed")
            raise Boom
    assert not await AuditEvent.exists().where(AuditEvent.action == "dossier_status_changed")
    assert (await Dossier.select(Dossier.status).first())["status"] == "draft"
    await audit_record(action="after")
    report = await chain_verify()
    assert report.ok and report.count == 3  # user_created, before, after


async def test_verify_audit_command_exit_codes(capsys):
    from app.__main__ import verify_audit

    await _mixed(4)
    assert await verify_audit(argparse.Namespace(anchor=None)) == 0
    assert "audit chain OK: 5 entries" in capsys.readouterr().out
    head = await chain_head()
    code, out, err = await _command("verify-audit", "--anchor", f"{head[0]}:{head[1]}")
    assert code == 0, err
    assert head[1] in out
    await _sql("UPDATE audit_event SET action = 'logout' WHERE seq = 2")
    assert await verify_audit(argparse.Namespace(anchor=None)) == 1
    assert "BROKEN at seq 2: edited" in capsys.readouterr().err
    code, out, err = await _command("verify-audit")
    assert code == 1 and "BROKEN at seq 2" in err
    assert (await _command("verify-audit", "--anchor", "x"))[0] == 2


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL only: the advisory lock")
async def test_appends_on_postgres_take_the_advisory_lock():
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder():
        async with write_transaction(_db()):
            await audit_record(action="first")
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    waiter = asyncio.create_task(audit_record(action="second"))
    await asyncio.sleep(0.3)
    assert not waiter.done()  # queued behind the open transaction's lock
    release.set()
    await task
    assert await waiter == 2
    assert (await chain_verify()).ok
