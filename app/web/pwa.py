"""The installable app: web app manifest, icons drawn with Pillow, the service worker at
`/sw.js` (scope `/`) and the offline page it falls back to.

Icons are drawn once per process from the design of static/icons/icon.svg (no binaries in
the repository) and served under fingerprinted `/icons/…` URLs with a year-long cache.
The service worker's source lives in templates/pwa/sw.js; the server prepends its
configuration (the precache list, the cache name, icon URLs, Vietnamese fallback text).
The cache name carries a hash of that configuration and of the source, so a deploy that
changes any asset installs a new worker and drops the old cache.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from PIL import Image, ImageDraw

from app.web.i18n import N_, translator
from app.web.static import IMMUTABLE
from app.web.templating import TEMPLATES_DIR

APP_NAME = "Đại lý dịch vụ công Hà Nội"
SHORT_NAME = "DVC Đại lý"
THEME_COLOR = "#0b4f8a"
BACKGROUND_COLOR = "#f5f7f9"
ACCENT = "#ffbf47"
OFFLINE_URL = "/ngoai-tuyen"
SW_SOURCE = TEMPLATES_DIR / "pwa" / "sw.js"
OFFLINE_TEMPLATE = TEMPLATES_DIR / "pwa" / "offline.html"
# What every page loads (so already in the HTTP cache when the worker installs). Not push.js:
# only the pages offering notifications load it, and they need the network anyway.
PRECACHED_STATIC = ("css/app.css", "vendor/htmx-2.0.11.min.js", "js/app.js")
NETWORK_ONLY_PREFIXES = ("/theo-doi/", "/ho-so/", "/thong-bao/")
ROOT_FILE_CACHE = "public, max-age=86400"
PUSH_FALLBACK_TITLE = N_("Your dossier has news")
PUSH_FALLBACK_BODY = N_("Open the app to see what changed in your dossier.")

SUPERSAMPLE = 4
# The design of static/icons/icon.svg, in its 64-unit view box.
BARS = ((16, 18, 48, 24), (16, 29, 48, 35), (16, 40, 36, 46))
DOT = (47, 45, 7)
CORNER = 12


def _canvas(size: int) -> tuple[Image.Image, ImageDraw.ImageDraw, float]:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image), big / 64


def _glyph(draw: ImageDraw.ImageDraw, unit: float, *, scale: float, bars: str, dot: str) -> None:
    """The three text lines and the seal, scaled about the centre (scale < 1 for safe zones)."""

    def at(v: float) -> float:
        return (32 + (v - 32) * scale) * unit

    for x0, y0, x1, y1 in BARS:
        draw.rectangle((at(x0), at(y0), at(x1) - 1, at(y1) - 1), fill=bars)
    cx, cy, r = DOT
    draw.ellipse((at(cx - r), at(cy - r), at(cx + r), at(cy + r)), fill=dot)


def _png(image: Image.Image, size: int, *, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, format=fmt, **options)
    return out.getvalue()


def draw_icon(size: int, *, kind: str = "any") -> bytes:
    """`any`: rounded tile as in icon.svg; `maskable`: full-bleed tile with the glyph inside
    the central 80 % safe zone; `opaque`: square tile, no transparency (Apple touch icon);
    `badge`: white glyph on transparent (Android status bar)."""
    image, draw, unit = _canvas(size)
    big = image.width
    if kind == "badge":
        _glyph(draw, unit, scale=1.15, bars="#ffffff", dot="#ffffff")
        return _png(image, size)
    if kind == "any":
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * unit, fill=THEME_COLOR)
        _glyph(draw, unit, scale=1.0, bars="#ffffff", dot=ACCENT)
        return _png(image, size)
    draw.rectangle((0, 0, big, big), fill=THEME_COLOR)
    _glyph(draw, unit, scale=0.72 if kind == "maskable" else 0.9, bars="#ffffff", dot=ACCENT)
    return _png(image.convert("RGB"), size)


@dataclass(frozen=True, slots=True)
class Icon:
    name: str
    size: int
    purpose: str
    body: bytes
    content_type: str = "image/png"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:12]

    @property
    def versioned(self) -> str:
        stem, _, ext = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{ext}"

    @property
    def url(self) -> str:
        return f"/icons/{self.versioned}"


@cache
def icons() -> dict[str, Icon]:
    """Every icon by logical name, drawn once per process."""
    favicon = Image.open(io.BytesIO(draw_icon(32))).convert("RGBA")
    ico = io.BytesIO()
    favicon.save(ico, format="ICO", sizes=[(16, 16), (32, 32)])
    made = [
        Icon("icon-192.png", 192, "any", draw_icon(192)),
        Icon("icon-512.png", 512, "any", draw_icon(512)),
        Icon("icon-maskable-512.png", 512, "maskable", draw_icon(512, kind="maskable")),
        Icon("apple-touch-icon.png", 180, "any", draw_icon(180, kind="opaque")),
        Icon("badge-96.png", 96, "monochrome", draw_icon(96, kind="badge")),
        Icon("favicon.ico", 32, "any", ico.getvalue(), "image/x-icon"),
    ]
    return {icon.name: icon for icon in made}


def icon_url(name: str) -> str:
    return icons()[name].url


def manifest() -> dict:
    chosen = ("icon-192.png", "icon-512.png", "icon-maskable-512.png")
    return {
        "id": "/",
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": "Theo dõi hồ sơ và làm thủ tục dịch vụ công tại các điểm đại lý ở Hà Nội.",
        "lang": "vi",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": icons()[name].url,
                "sizes": f"{icons()[name].size}x{icons()[name].size}",
                "type": "image/png",
                "purpose": icons()[name].purpose,
            }
            for name in chosen
        ],
        "shortcuts": [{"name": "Tra cứu hồ sơ", "url": "/tra-cuu"}],
    }


@dataclass(frozen=True, slots=True)
class Bundle:
    manifest: bytes
    manifest_etag: str
    worker: bytes
    worker_etag: str
    cache_name: str


def _build_bundle(assets) -> Bundle:
    vi = translator("vi")
    precache = [assets.url(name) for name in PRECACHED_STATIC]
    precache += [assets.url("icons/icon.svg"), icon_url("icon-192.png"), icon_url("badge-96.png")]
    source = SW_SOURCE.read_text(encoding="utf-8")
    config = {
        "precache": precache,
        "offlineUrl": OFFLINE_URL,
        "networkOnly": list(NETWORK_ONLY_PREFIXES),
        "icon": icon_url("icon-192.png"),
        "badge": icon_url("badge-96.png"),
        "fallbackTitle": vi.gettext(PUSH_FALLBACK_TITLE),
        "fallbackBody": vi.gettext(PUSH_FALLBACK_BODY),
        "subscribeUrl": "/thong-bao/dang-ky",
        "staffSubscribeUrl": "/thong-bao/cua-toi/dang-ky",
        "keyUrl": "/thong-bao/khoa",
    }
    version = hashlib.sha256(
        (json.dumps(config, sort_keys=True) + source).encode() + OFFLINE_TEMPLATE.read_bytes()
    ).hexdigest()[:12]
    config["cacheName"] = f"dvc-{version}"
    worker = f"const CONFIG = {json.dumps(config, ensure_ascii=False)};\n{source}".encode()
    manifest_body = json.dumps(manifest(), ensure_ascii=False, indent=1).encode()
    return Bundle(
        manifest=manifest_body,
        manifest_etag=f'"{hashlib.sha256(manifest_body).hexdigest()[:12]}"',
        worker=worker,
        worker_etag=f'"{version}"',
        cache_name=config["cacheName"],
    )


def bundle(request: Request) -> Bundle:
    state = request.app.state
    found = state.get("pwa")
    if found is None:
        found = state["pwa"] = _build_bundle(state.assets)
    return found


def _cached(request: Request, body: bytes, etag: str, media_type: str, headers: dict) -> Response:
    headers = {**headers, "etag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


@get("/manifest.webmanifest", sync_to_thread=False, include_in_schema=False)
def manifest_file(request: Request) -> Response:
    b = bundle(request)
    headers = {"cache-control": "no-cache"}
    return _cached(request, b.manifest, b.manifest_etag, "application/manifest+json", headers)


@get("/sw.js", sync_to_thread=False, include_in_schema=False)
def service_worker(request: Request) -> Response:
    b = bundle(request)
    headers = {"cache-control": "no-cache", "service-worker-allowed": "/"}
    media_type = "text/javascript"  # Litestar adds "; charset=utf-8" to every text/* type
    return _cached(request, b.worker, b.worker_etag, media_type, headers)


@get(OFFLINE_URL, sync_to_thread=False, include_in_schema=False)
def offline_page() -> Template:
    return Template(
        template_name="pwa/offline.html",
        headers={"cache-control": "no-cache", "x-robots-tag": "noindex"},
    )


def _icon_response(request: Request, icon: Icon, cache_control: str) -> Response:
    headers = {"cache-control": cache_control}
    return _cached(request, icon.body, f'"{icon.digest}"', icon.content_type, headers)


@get("/icons/{name:str}", sync_to_thread=False, include_in_schema=False)
def icon_file(request: Request, name: FromPath[str]) -> Response:
    for icon in icons().values():
        if icon.versioned == name:
            return _icon_response(request, icon, IMMUTABLE)
    raise NotFoundException()


@get("/favicon.ico", sync_to_thread=False, include_in_schema=False)
def favicon(request: Request) -> Response:
    return _icon_response(request, icons()["favicon.ico"], ROOT_FILE_CACHE)


@get("/apple-touch-icon.png", sync_to_thread=False, include_in_schema=False)
def apple_touch_icon(request: Request) -> Response:
    return _icon_response(request, icons()["apple-touch-icon.png"], ROOT_FILE_CACHE)


ROUTES = [manifest_file, service_worker, offline_page, icon_file, favicon, apple_touch_icon]
