"""Encryption at rest and the local store: round trip, refusal with a wrong key, tampering,
key rotation, atomic writes and the sweep of files no record names."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest

from app.capture.crypto import (
    DecryptionFailed,
    Keyring,
    add_key_to_file,
    keyring_for,
    new_key_entry,
    parse_keys,
)
from app.capture.storage import DocumentStore, LocalStorage, new_name
from app.settings import SettingsError


def _ring(*entries: str) -> Keyring:
    return Keyring(parse_keys(",".join(entries)))


def test_round_trip_and_wrong_key():
    ring = _ring(new_key_entry())
    data = os.urandom(5000)
    blob = ring.encrypt("a" * 32, data)
    assert data not in blob and ring.decrypt("a" * 32, blob) == data
    other = _ring(new_key_entry())  # same id k1, different key material
    with pytest.raises(DecryptionFailed):
        other.decrypt("a" * 32, blob)
    with pytest.raises(DecryptionFailed):
        ring.decrypt("b" * 32, blob)  # a file moved under another name
    tampered = bytearray(blob)
    tampered[-5] ^= 1
    with pytest.raises(DecryptionFailed):
        ring.decrypt("a" * 32, bytes(tampered))
    with pytest.raises(DecryptionFailed):
        ring.decrypt("a" * 32, blob[:40])
    with pytest.raises(DecryptionFailed):
        ring.decrypt("a" * 32, b"\xff\xd8plain jpeg")


def test_rotation_rewraps_without_touching_content():
    old = new_key_entry()
    ring = _ring(old)
    blob = ring.encrypt("c" * 32, b"secret page")
    rotated = _ring(new_key_entry({"k1": b""}), old)  # k2 first: the new current key
    assert rotated.current == "k2"
    new_blob = rotated.rewrap(blob)
    assert new_blob is not None and rotated.key_id_of(new_blob) == "k2"
    assert new_blob[-len(b"secret page") - 16 :] == blob[-len(b"secret page") - 16 :]
    assert rotated.rewrap(new_blob) is None
    only_new = Keyring({"k2": rotated.keys["k2"]})
    assert only_new.decrypt("c" * 32, new_blob) == b"secret page"
    with pytest.raises(DecryptionFailed):
        ring.decrypt("c" * 32, new_blob)  # the old key alone no longer opens it


@pytest.mark.parametrize("text", ["", "k1", "k1:short", "k1:" + "A" * 43 + ",k1:" + "B" * 43])
def test_bad_key_settings_are_explained(text):
    with pytest.raises(SettingsError, match="DOCUMENT_KEYS"):
        parse_keys(text)


def test_key_file_is_created_once_private_and_rotates(tmp_path, settings):
    local = replace(settings, var_dir=tmp_path, document_keys="", document_dir=tmp_path / "d")
    first = keyring_for(local)
    assert keyring_for(local).keys == first.keys
    assert (tmp_path / "document_keys").stat().st_mode & 0o777 == 0o600
    storage = LocalStorage(local.document_dir)
    names = [new_name() for _ in range(3)]
    for i, name in enumerate(names):
        storage.put(name, first.encrypt(name, b"page %d" % i))
    new_id = add_key_to_file(local)
    assert new_id == "k2"
    rotated = DocumentStore(LocalStorage(local.document_dir), keyring_for(local))
    assert rotated.keyring.current == "k2"
    assert rotated.rewrap_all() == (3, 3)
    assert rotated.rewrap_all() == (0, 3)
    for i, n in enumerate(names):
        assert rotated.keyring.key_id_of(rotated.storage.get(n)) == "k2"
        assert rotated.keyring.decrypt(n, rotated.storage.get(n)) == b"page %d" % i
    with pytest.raises(SettingsError):
        add_key_to_file(replace(local, document_keys=new_key_entry()))


def test_local_storage_is_atomic_and_lists_leftovers(tmp_path):
    storage = LocalStorage(tmp_path)
    name = new_name()
    storage.put(name, b"one")
    storage.put(name, b"two")
    assert storage.get(name) == b"two"
    leftover = tmp_path / name[:2] / f".{name}.deadbeef.tmp"
    leftover.write_bytes(b"half")
    listed = {n for n, _ in storage.names()}
    assert listed == {name, leftover.name}
    storage.delete(leftover.name)
    storage.delete(name)
    storage.delete(name)  # already gone: no error
    assert list(storage.names()) == []
    with pytest.raises(ValueError):
        storage.get("../../etc/passwd")


async def test_sweep_removes_only_old_unnamed_files(settings, tmp_path):
    from app.capture.services import documents_purge

    local = replace(settings, document_dir=tmp_path / "docs")
    store = DocumentStore(LocalStorage(local.document_dir), keyring_for(local))
    orphan = await store.put(b"written before a crash")
    fresh = await store.put(b"an upload in flight")
    old = dt.datetime.now(dt.UTC).timestamp() - 3 * 86400
    path = local.document_dir / orphan[:2] / orphan
    os.utime(path, (old, old))
    report = await documents_purge(store=store, settings=local)
    assert report.orphans == 1
    assert {n for n, _ in store.storage.names()} == {fresh}
