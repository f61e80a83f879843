"""Encryption at rest for document images and PDFs (identity documents are sensitive personal
data): every file has its own random AES-256-GCM key, wrapped by a master key from settings.

File layout: MAGIC | key id length (1) | key id | wrap nonce (12) | wrapped file key (48)
| nonce (12) | ciphertext with tag. The file key is bound to the master key's id, the content
to the file's storage name, so a file copied under another name does not decrypt. Rotating
the master key rewrites only the header (`rewrap`), never the content.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.settings import Settings, SettingsError

MAGIC = b"DVE1"
KEY_FILE = "document_keys"
NONCE = 12
WRAPPED = 32 + 16


class DecryptionFailed(Exception):
    """Wrong or unknown master key, or the file was altered."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_keys(text: str) -> dict[str, bytes]:
    """`id:base64url(32 bytes)` entries separated by commas or newlines; the first is current."""
    keys: dict[str, bytes] = {}
    for entry in text.replace("\n", ",").split(","):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        kid, sep, material = entry.partition(":")
        kid = kid.strip()
        try:
            key = _unb64(material.strip()) if sep else b""
        except ValueError:
            key = b""
        if not kid or len(kid.encode()) > 32 or len(key) != 32:
            raise SettingsError(
                "DOCUMENT_KEYS entries must be <id>:<32 random bytes in base64url>, "
                "for example k1:" + _b64(b"\0" * 32)
            )
        if kid in keys:
            raise SettingsError(f"DOCUMENT_KEYS names the key {kid!r} twice")
        keys[kid] = key
    if not keys:
        raise SettingsError("DOCUMENT_KEYS holds no key")
    return keys


def new_key_entry(existing: dict[str, bytes] | None = None) -> str:
    n = len(existing or {}) + 1
    while f"k{n}" in (existing or {}):
        n += 1
    return f"k{n}:{_b64(secrets.token_bytes(32))}"


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]  # insertion order: the first is the current key

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, name: str, data: bytes) -> bytes:
        kid = self.current
        file_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, nonce = os.urandom(NONCE), os.urandom(NONCE)
        wrapped = AESGCM(self.keys[kid]).encrypt(wrap_nonce, file_key, kid.encode())
        body = AESGCM(file_key).encrypt(nonce, data, name.encode())
        head = MAGIC + bytes([len(kid.encode())]) + kid.encode()
        return head + wrap_nonce + wrapped + nonce + body

    def _open_header(self, blob: bytes) -> tuple[str, bytes, int]:
        if len(blob) < len(MAGIC) + 1 or not blob.startswith(MAGIC):
            raise DecryptionFailed("not an encrypted document")
        n = blob[len(MAGIC)]
        start = len(MAGIC) + 1
        kid = blob[start : start + n].decode(errors="replace")
        pos = start + n
        if len(blob) < pos + NONCE + WRAPPED + NONCE + 16:
            raise DecryptionFailed("truncated")
        master = self.keys.get(kid)
        if master is None:
            raise DecryptionFailed(f"unknown master key {kid!r}")
        try:
            file_key = AESGCM(master).decrypt(
                blob[pos : pos + NONCE], blob[pos + NONCE : pos + NONCE + WRAPPED], kid.encode()
            )
        except InvalidTag as exc:
            raise DecryptionFailed("wrong master key or altered header") from exc
        return kid, file_key, pos + NONCE + WRAPPED

    def decrypt(self, name: str, blob: bytes) -> bytes:
        _, file_key, pos = self._open_header(blob)
        try:
            return AESGCM(file_key).decrypt(
                blob[pos : pos + NONCE], blob[pos + NONCE :], name.encode()
            )
        except InvalidTag as exc:
            raise DecryptionFailed("altered content or wrong name") from exc

    def key_id_of(self, blob: bytes) -> str:
        if not blob.startswith(MAGIC) or len(blob) <= len(MAGIC):
            raise DecryptionFailed("not an encrypted document")
        n = blob[len(MAGIC)]
        return blob[len(MAGIC) + 1 : len(MAGIC) + 1 + n].decode(errors="replace")

    def rewrap(self, blob: bytes) -> bytes | None:
        """The same file with its key wrapped by the current master key; None if it already is."""
        kid, file_key, pos = self._open_header(blob)
        if kid == self.current:
            return None
        wrap_nonce = os.urandom(NONCE)
        cur = self.current
        wrapped = AESGCM(self.keys[cur]).encrypt(wrap_nonce, file_key, cur.encode())
        return MAGIC + bytes([len(cur.encode())]) + cur.encode() + wrap_nonce + wrapped + blob[pos:]


def _key_file_text(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: when two processes start together, the first one's key wins
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key_entry() + "\n")
    return path.read_text()


def keyring_for(settings: Settings) -> Keyring:
    """DOCUMENT_KEYS from the environment (required in production), else a key generated on
    first run and kept (mode 0600) in var_dir/document_keys."""
    text = settings.document_keys or _key_file_text(settings.var_dir / KEY_FILE)
    return Keyring(parse_keys(text))


def add_key_to_file(settings: Settings) -> str:
    """Development rotation: put a new current key in front of the key file. Returns its id."""
    if settings.document_keys:
        raise SettingsError(
            "DOCUMENT_KEYS comes from the environment: put the new key first there, then rewrap"
        )
    path = settings.var_dir / KEY_FILE
    existing = parse_keys(_key_file_text(path))
    entry = new_key_entry(existing)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(entry + "\n" + path.read_text())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return entry.split(":", 1)[0]
