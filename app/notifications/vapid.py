"""The VAPID key pair that signs our pushes: from the environment, or generated on first run
and kept (mode 0600) in var_dir/vapid_private.pem so every process and restart shares it."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from app.settings import Settings, SettingsError

KEY_FILE = "vapid_private.pem"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    vapid: Vapid02  # signs the JWT; thread-safe and reused
    public_key: str  # base64url uncompressed point, what the browser's subscribe() takes


def _from_text(text: str) -> ec.EllipticCurvePrivateKey:
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:  # the usual web-push form: the 32-byte private scalar, base64url
        key = ec.derive_private_key(int.from_bytes(b64url_decode(text), "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SettingsError("VAPID_PRIVATE_KEY must be a P-256 private key")
    return key


def _from_file(path: Path) -> ec.EllipticCurvePrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: when two processes start together, the first one's key wins
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    return _from_text(path.read_text())


def _load(private_key: str, public_key: str, var_dir: Path) -> VapidKeys:
    key = _from_text(private_key) if private_key else _from_file(var_dir / KEY_FILE)
    public = b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    if public_key and public_key.rstrip("=") != public:
        raise SettingsError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return VapidKeys(vapid=Vapid02(key), public_key=public)


@lru_cache(maxsize=4)
def _cached(private_key: str, public_key: str, var_dir: str) -> VapidKeys:
    return _load(private_key, public_key, Path(var_dir))


def vapid_keys(settings: Settings) -> VapidKeys:
    return _cached(settings.vapid_private_key, settings.vapid_public_key, str(settings.var_dir))
