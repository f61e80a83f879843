"""Static assets: fingerprinted names, gzip done once at start-up, year-long caching."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".txt", ".html", ".webmanifest", ".map"}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


class StaticAssets:
    """Everything under static/, loaded once; `url()` gives the versioned address."""

    def __init__(self, root: Path = STATIC_DIR, prefix: str = "/static") -> None:
        self.prefix = prefix
        self._urls: dict[str, str] = {}
        self._assets: dict[str, Asset] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            logical = path.relative_to(root).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:12]
            stem, dot, ext = logical.rpartition(".")
            versioned = f"{stem}.{digest}.{ext}" if dot else f"{logical}.{digest}"
            content_type = mimetypes.guess_type(logical)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            gz = None
            if path.suffix in COMPRESSIBLE and len(body) > 512:
                gz = gzip.compress(body, compresslevel=9, mtime=0)
            self._urls[logical] = f"{prefix}/{versioned}"
            self._assets[versioned] = Asset(body, gz, content_type, f'"{digest}"')

    def url(self, logical: str) -> str:
        try:
            return self._urls[logical]
        except KeyError:
            raise KeyError(f"no static asset {logical!r}") from None

    def get(self, versioned: str) -> Asset | None:
        return self._assets.get(versioned)

    def asset_for(self, logical: str) -> Asset:
        return self._assets[self._urls[logical].removeprefix(self.prefix + "/")]
