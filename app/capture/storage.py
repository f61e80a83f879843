"""Where document files live. `Storage` is the interface; `LocalStorage` keeps files in a
folder outside `static/` under names the app generates. An S3-compatible backend implements
the same four methods. `DocumentStore` puts encryption in front of any backend."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import anyio.to_thread

from app.capture.crypto import Keyring, keyring_for
from app.settings import Settings

NAME_RE = re.compile(r"^[0-9a-f]{32}$")
TMP_RE = re.compile(r"^\.([0-9a-f]{32})\.[0-9a-f]{8}\.tmp$")  # a write a crash interrupted


class Storage(Protocol):
    def put(self, name: str, data: bytes) -> None: ...
    def get(self, name: str) -> bytes: ...  # FileNotFoundError when missing
    def delete(self, name: str) -> None: ...  # no error when already gone
    def names(self) -> Iterator[tuple[str, float]]: ...  # (name, modified at, epoch seconds)


def new_name() -> str:
    return secrets.token_hex(16)


class LocalStorage:
    """Files at root/ab/abcdef…; writes are atomic (temporary file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if NAME_RE.match(name):
            return self.root / name[:2] / name
        leftover = TMP_RE.match(name)
        if leftover:
            return self.root / leftover.group(1)[:2] / name
        raise ValueError(f"not a storage name: {name!r}")

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[tuple[str, float]]:
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir():
                continue
            for path in sorted(sub.iterdir()):
                if NAME_RE.match(path.name) or TMP_RE.match(path.name):
                    yield path.name, path.stat().st_mtime


class DocumentStore:
    """Encrypts on the way in and decrypts on the way out; blocking work runs in threads."""

    def __init__(self, storage: Storage, keyring: Keyring) -> None:
        self.storage = storage
        self.keyring = keyring

    async def put(self, data: bytes, *, name: str | None = None) -> str:
        """Stores `data` under `name` (a fresh random one by default); returns the name."""
        name = name or new_name()
        blob = self.keyring.encrypt(name, data)
        await anyio.to_thread.run_sync(self.storage.put, name, blob)
        return name

    async def get(self, name: str) -> bytes:
        blob = await anyio.to_thread.run_sync(self.storage.get, name)
        return self.keyring.decrypt(name, blob)

    async def delete(self, *names: str) -> None:
        for name in names:
            if name:
                await anyio.to_thread.run_sync(self.storage.delete, name)

    def rewrap_all(self) -> tuple[int, int]:
        """Re-wraps every file's key with the current master key (synchronous: a command)."""
        changed = total = 0
        for name, _ in list(self.storage.names()):
            if not NAME_RE.match(name):
                continue
            total += 1
            blob = self.keyring.rewrap(self.storage.get(name))
            if blob is not None:
                self.storage.put(name, blob)
                changed += 1
        return changed, total


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.document_dir)


_stores: dict[tuple, DocumentStore] = {}


def document_store(settings: Settings) -> DocumentStore:
    """One store per configuration (the keyring is read once)."""
    key = (str(settings.document_dir), settings.document_keys, str(settings.var_dir))
    store = _stores.get(key)
    if store is None:
        store = _stores[key] = DocumentStore(storage_for(settings), keyring_for(settings))
    return store
