"""Backups while the app keeps writing, restored into a fresh database and folder, compared
with the manifest: row counts, document checksums, the audit chain; no master key inside."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import sys
import uuid
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest

from app import backup as backup_module
from app.audit.chain import chain_head
from app.audit.services import audit_record
from app.backup import BackupError, backup_create, backup_restore
from app.capture.crypto import MAGIC
from app.capture.storage import document_store
from app.capture.tables import DocumentPage
from app.db import write_transaction
from app.dossiers import services as dossiers
from app.dossiers.states import S
from app.dossiers.tables import Dossier, DossierComponent
from app.piccolo_app import TABLES
from tests import factories
from tests.conftest import USING_POSTGRES


class Writer:
    """Dossier creations, status changes and document uploads, one after another."""

    def __init__(self, settings) -> None:
        self.store = document_store(settings)
        self.writes = 0
        self.stop = asyncio.Event()
        self.warm = asyncio.Event()  # set after five writes

    async def setup(self) -> None:
        self.point = await factories.point()
        self.agent = await factories.user(role="agent", point_id=self.point)
        self.procedure = await factories.procedure(components=1)

    async def once(self) -> None:
        dossier_id = await factories.dossier(
            agent_id=self.agent, procedure_id=self.procedure, with_components=True
        )
        await dossiers.dossier_transition(
            dossier_id=dossier_id, target=S.ready, actor_kind="user", actor_id=self.agent
        )
        component = await DossierComponent.select(DossierComponent.id).first()
        page, thumb = os.urandom(3000), os.urandom(400)
        names = [await self.store.put(page), await self.store.put(thumb)]
        async with write_transaction(Dossier._meta.db):
            await DocumentPage.insert(
                DocumentPage(
                    uid=str(uuid.uuid4()),
                    dossier=dossier_id,
                    component=component["id"],
                    source_sha256="0" * 64,
                    file_name=names[0],
                    thumb_name=names[1],
                    uploaded_by=self.agent,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            await audit_record(
                action="document_page_uploaded",
                actor_id=self.agent,
                object_type="document_page",
                object_id=names[0],
            )
        self.writes += 1
        if self.writes >= 5:
            self.warm.set()

    async def run(self) -> None:
        while not self.stop.is_set():
            await self.once()
            await asyncio.sleep(0)


def _slow_document_copy(monkeypatch) -> None:
    """The backup takes a while after its snapshot, as a big one would, while writes go on."""
    copy = backup_module._copy_documents

    def slow(*args):
        import time

        time.sleep(0.5)
        return copy(*args)

    monkeypatch.setattr(backup_module, "_copy_documents", slow)


async def _live_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in TABLES}


def _key_material(settings) -> list[bytes]:
    keys = document_store(settings).keyring.keys.values()
    return [k for key in keys for k in (key, base64.urlsafe_b64encode(key).rstrip(b"="))]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


async def _backup_while_writing(settings, dest: Path, monkeypatch) -> tuple[dict, Writer]:
    writer = Writer(settings)
    await writer.setup()
    for _ in range(3):
        await writer.once()
    _slow_document_copy(monkeypatch)
    task = asyncio.create_task(writer.run())
    await writer.warm.wait()
    started = writer.writes
    result = await backup_create(settings=settings, dest=dest)
    during = writer.writes - started
    writer.stop.set()
    await task
    assert during > 0, "writes went on while the backup ran"
    assert result.missing == []
    return result.manifest, writer


async def _check_restored(settings, manifest: dict, source: Path, result, docs: Path) -> None:
    assert result.ok, result.problems
    assert result.counts == manifest["row_counts"]
    live = await _live_counts()
    assert 0 < manifest["row_counts"]["dossier"] < live["dossier"]  # later writes not in it
    assert manifest["row_counts"]["document_page"] * 2 == len(manifest["documents"])
    assert manifest["row_counts"]["audit_event"] == manifest["audit_chain"]["head_seq"]
    assert manifest["audit_chain"]["verified"] and result.chain.ok
    assert result.chain.head_hash == manifest["audit_chain"]["head_hash"]
    assert manifest["keys_included"] is False
    store = document_store(settings)
    for name in manifest["documents"]:
        restored = (docs / name[:2] / name).read_bytes()
        assert restored == (Path(settings.document_dir) / name[:2] / name).read_bytes()
        assert restored.startswith(MAGIC)  # still encrypted, as stored
        store.keyring.decrypt(name, restored)  # and readable with the keys kept apart
    files = _files(source)
    everything = b"".join(p.read_bytes() for p in files)
    assert not any(key in everything for key in _key_material(settings))
    assert not [p for p in files if "key" in p.name]


@pytest.mark.skipif(USING_POSTGRES, reason="the SQLite backup (PostgreSQL has its own test)")
async def test_sqlite_backup_while_writing_restores_the_same_data(settings, tmp_path, monkeypatch):
    source = tmp_path / "backup"
    manifest, _ = await _backup_while_writing(settings, source, monkeypatch)
    assert (source / "database.sqlite3").exists() and manifest["database"]["engine"] == "sqlite"
    assert manifest["migration_head"]
    target, docs = tmp_path / "restored" / "app.sqlite3", tmp_path / "restored-documents"
    result = await backup_restore(
        source=source, database_url=f"sqlite:///{target}", document_dir=docs
    )
    await _check_restored(settings, manifest, source, result, docs)

    with pytest.raises(BackupError, match="exists"):
        await backup_restore(
            source=source, database_url=f"sqlite:///{target}", document_dir=tmp_path / "new"
        )
    with pytest.raises(BackupError, match="not empty"):
        await backup_restore(
            source=source, database_url=f"sqlite:///{tmp_path}/other.sqlite3", document_dir=docs
        )
    with pytest.raises(BackupError, match="not empty"):
        await backup_create(settings=settings, dest=source)


@pytest.mark.skipif(USING_POSTGRES, reason="SQLite files")
async def test_restore_reports_a_damaged_backup(settings, tmp_path):
    writer = Writer(settings)
    await writer.setup()
    await writer.once()
    source = tmp_path / "backup"
    manifest = (await backup_create(settings=settings, dest=source)).manifest
    name = next(iter(manifest["documents"]))
    damaged = source / "documents" / name[:2] / name
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\0")
    result = await backup_restore(
        source=source, database_url=f"sqlite:///{tmp_path}/r.sqlite3", document_dir=tmp_path / "d"
    )
    assert result.problems == [f"document {name}: checksum differs from the manifest"]


async def _command(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        stdout=PIPE,
        stderr=PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def _fresh_database_url(tmp_path: Path) -> str:
    if USING_POSTGRES:
        base = os.environ["DATABASE_URL"].rpartition("/")[0]
        return f"{base}/dvc_restore_{uuid.uuid4().hex[:10]}"
    return f"sqlite:///{tmp_path}/restored.sqlite3"


async def _drop(url: str) -> None:
    if USING_POSTGRES:
        from tests.conftest import _admin_execute

        await _admin_execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


async def test_backup_and_restore_commands(settings, tmp_path):
    writer = Writer(settings)
    await writer.setup()
    await writer.once()
    head = await chain_head()
    code, out, err = await _command("backup", str(tmp_path / "b"))
    assert code == 0, err
    assert "not in this backup" in out and head[1] in out
    assert (await _command("backup", str(tmp_path / "b")))[0] == 2  # not empty
    url = _fresh_database_url(tmp_path)
    try:
        args = ("restore", str(tmp_path / "b"), "--database-url", url)
        code, out, err = await _command(*args, "--document-dir", str(tmp_path / "d"))
        assert code == 0, err
        assert "restored and checked" in out and head[1] in out
        code, _, err = await _command(*args, "--document-dir", str(tmp_path / "d2"))
        assert code == 2 and ("exists" in err or "not empty" in err)
    finally:
        await _drop(url)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["audit_chain"]["head_seq"] == head[0]


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL only: pg_dump and pg_restore")
async def test_postgres_backup_while_writing_restores_the_same_data(
    settings, tmp_path, monkeypatch
):
    source = tmp_path / "backup"
    manifest, _ = await _backup_while_writing(settings, source, monkeypatch)
    assert (source / "database.pgdump").exists()
    assert manifest["database"]["engine"] == "postgresql"
    url, docs = _fresh_database_url(tmp_path), tmp_path / "restored-documents"
    try:
        result = await backup_restore(source=source, database_url=url, document_dir=docs)
        await _check_restored(settings, manifest, source, result, docs)
        with pytest.raises(BackupError, match="not empty"):
            await backup_restore(source=source, database_url=url, document_dir=tmp_path / "new")
    finally:
        await _drop(url)
