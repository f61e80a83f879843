"""Vendored htmx pinned by checksum; static files fingerprinted, pre-compressed, cached."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

HTMX = Path(__file__).resolve().parents[2] / "static" / "vendor" / "htmx-2.0.11.min.js"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_vendored_htmx_matches_the_pinned_checksum():
    assert hashlib.sha256(HTMX.read_bytes()).hexdigest() == HTMX_SHA256
    assert (HTMX.parent / "htmx-2.0.11.LICENSE.txt").read_text().startswith("Zero-Clause BSD")


async def test_static_assets_are_versioned_compressed_and_cached(client):
    url = client.app.state.assets.url("vendor/htmx-2.0.11.min.js")
    assert url.startswith("/static/vendor/htmx-2.0.11.min.") and url.endswith(".js")
    response = await client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == HTMX.read_bytes()  # httpx decodes the gzip body
    assert int(response.headers["content-length"]) < len(gzip.compress(HTMX.read_bytes(), 1))
    again = await client.get(url, headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


async def test_pages_link_versioned_assets_and_unknown_ones_404(client):
    page = await client.page("/dang-nhap")
    srcs = [s.get("src") for s in page.doc.iter("script")]
    assert any("htmx-2.0.11.min." in s for s in srcs)
    assert (await client.get("/static/vendor/htmx-2.0.11.min.js")).status_code == 404
