"""The installable app: manifest, icons, service worker, offline page, subscribe card."""

from __future__ import annotations

import io
import json

from PIL import Image

from app.web import pwa
from tests import factories

TOKEN = "tok_" + "Pwa1Pwa2Pwa3Pwa4Pwa5Pwa6Pw"
THEME = (0x0B, 0x4F, 0x8A)


async def _manifest(client) -> dict:
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    return json.loads(response.content)


async def test_manifest_describes_the_vietnamese_app(client):
    manifest = await _manifest(client)
    assert manifest["name"] == "Đại lý dịch vụ công Hà Nội"
    assert manifest["short_name"] == "DVC Đại lý"
    assert manifest["lang"] == "vi"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b4f8a"
    assert manifest["background_color"].startswith("#")
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


async def test_manifest_icons_are_fingerprinted_pngs_of_the_declared_size(client):
    for icon in (await _manifest(client))["icons"]:
        assert icon["src"].startswith("/icons/") and icon["type"] == "image/png"
        response = await client.get(icon["src"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG"
        width = int(icon["sizes"].split("x")[0])
        assert image.size == (width, width)
        again = await client.get(icon["src"], headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304
    assert (await client.get("/icons/icon-192.000000000000.png")).status_code == 404


async def test_maskable_icon_is_full_bleed_with_the_glyph_inside_the_safe_zone(client):
    manifest = await _manifest(client)
    (src,) = [i["src"] for i in manifest["icons"] if i["purpose"] == "maskable"]
    image = Image.open(io.BytesIO((await client.get(src)).content)).convert("RGB")
    size = image.width
    for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert image.getpixel(corner) == THEME  # no transparent corners to be cropped
    centre = size / 2
    radius = 0.4 * size  # the maskable safe zone
    for x in range(0, size, 4):
        for y in range(0, size, 4):
            if (x - centre) ** 2 + (y - centre) ** 2 > radius**2:
                assert image.getpixel((x, y)) == THEME, (x, y)
    # The glyph is there: white lines inside the safe zone.
    assert (255, 255, 255) in {c for _, c in image.getcolors(maxcolors=1 << 16)}


async def test_any_icon_has_rounded_transparent_corners(client):
    image = Image.open(io.BytesIO(pwa.icons()["icon-512.png"].body))
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((256, 256))[3] == 255


async def test_favicon_and_apple_touch_icon_are_served_at_the_root(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert "max-age" in response.headers["cache-control"]
    assert Image.open(io.BytesIO(response.content)).format == "ICO"
    touch = await client.get("/apple-touch-icon.png")
    image = Image.open(io.BytesIO(touch.content))
    assert touch.headers["content-type"] == "image/png"
    assert image.size == (180, 180) and image.mode == "RGB"  # iOS wants no transparency


async def test_service_worker_is_served_from_the_root_uncached(client):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    body = response.text
    config = json.loads(body.split("\n", 1)[0].removeprefix("const CONFIG = ").rstrip(";"))
    assets = client.app.state.assets
    for logical in ("css/app.css", "vendor/htmx-2.0.11.min.js", "js/app.js"):
        assert assets.url(logical) in config["precache"]
    assert pwa.icon_url("icon-192.png") in config["precache"]
    assert config["offlineUrl"] == "/ngoai-tuyen"
    assert config["cacheName"].startswith("dvc-")
    assert {"/theo-doi/", "/ho-so/"} <= set(config["networkOnly"])
    for event in ("install", "activate", "fetch", "push", "notificationclick"):
        assert f'addEventListener("{event}"' in body
    assert 'addEventListener("pushsubscriptionchange"' in body
    again = await client.get("/sw.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


async def test_cache_name_changes_when_an_asset_changes(client, tmp_path):
    from app.web.static import StaticAssets

    first = pwa._build_bundle(client.app.state.assets).cache_name
    for name in (*pwa.PRECACHED_STATIC, "icons/icon.svg"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(client.app.state.assets.asset_for(name).body)
    assert pwa._build_bundle(StaticAssets(tmp_path)).cache_name == first
    (tmp_path / "css/app.css").write_text("body { color: red; }")
    assert pwa._build_bundle(StaticAssets(tmp_path)).cache_name != first


async def test_offline_page_is_vietnamese_and_not_personal(client):
    page = await client.page("/ngoai-tuyen")
    assert page.lang == "vi"
    assert page.title.startswith("Bạn đang ngoại tuyến")
    assert "Những gì vẫn dùng được" in page.text
    assert "quét mã QR" in page.text
    assert page.doc.find(".//a[@href='/tra-cuu']") is not None
    assert page.headers["cache-control"] == "no-cache"


async def test_every_page_links_the_manifest_and_icons(client):
    page = await client.page("/")
    links = {(el.get("rel"), el.get("href")) for el in page.doc.iter("link")}
    assert ("manifest", "/manifest.webmanifest") in links
    assert ("apple-touch-icon", "/apple-touch-icon.png") in links
    assert ("icon", "/favicon.ico") in links
    metas = {el.get("name"): el.get("content") for el in page.doc.iter("meta")}
    assert metas["theme-color"] == "#0b4f8a"
    install = page.by_id("install-app")
    assert install is not None and install.get("hidden") is not None


async def test_status_page_offers_notifications_hidden_until_javascript(client):
    agent = await factories.user(role="agent", username="daily.pwa")
    await factories.dossier(agent_id=agent, status="submitted", token=TOKEN)
    page = await client.page(f"/theo-doi/{TOKEN}")
    (card,) = [el for el in page.doc.iter("div") if el.get("data-push") is not None]
    assert card.get("data-token") == TOKEN
    assert card.get("data-subscribe-url") == "/thong-bao/dang-ky"
    assert card.get("data-key-url") == "/thong-bao/khoa"
    buttons = {b.text.strip(): b for b in card.iter("button")}
    assert set(buttons) == {"Nhận thông báo", "Tắt thông báo"}
    assert all(b.get("hidden") is not None for b in buttons.values())
    assert "Nhận thông báo khi hồ sơ thay đổi" in page.text
    # The card brings its script (app.js adds the one data-script names after an htmx swap).
    push_js = client.app.state.assets.url("js/push.js")
    assert card.get("data-script") == push_js
    assert push_js in [s.get("src") for s in page.doc.iter("script")]
