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


async def test_static_assets_come_in_the_smallest_coding_the_browser_accepts(client):
    import brotli

    url = client.app.state.assets.url("vendor/htmx-2.0.11.min.js")
    sizes = {}
    for accept, coding in (
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends over HTTPS and to localhost
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
    ):
        async with client.stream("GET", url, headers={"accept-encoding": accept}) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.headers.get("content-encoding") == coding, accept
        assert response.headers["vary"] == "accept-encoding"
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        sizes[coding] = len(raw)
        if coding == "br":
            assert brotli.decompress(raw) == HTMX.read_bytes()
    assert sizes["br"] < sizes["gzip"] < sizes[None]


def test_accept_encoding_is_read_with_its_weights():
    from app.web.static import accepted_codings

    assert accepted_codings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_codings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_codings("BR ; q=1.0") == {"br"}
    assert accepted_codings("br;q=nonsense") == set()
    assert accepted_codings("") == set()
