"""Capture on a phone-sized Chromium: the live viewfinder on Chromium's fake camera (fed a
.mjpeg of a document page this test draws), the file input with a 12 MP photo downscaled on
the phone, and the offline queue: pages wait in IndexedDB, survive a reload, and are sent
exactly once when the network returns."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from PIL import Image
from playwright.async_api import Error as PlaywrightError

from tests.capture.support import document_image, jpeg
from tests.e2e.conftest import CHROMIUM_FLAGS, PHONE, new_draft_dossier, screenshot_path, sign_in

QR = "001192054321|012345679|Lê Thị Hoa|02021992|Nữ|Thôn 5, xã Tây Đằng, Ba Vì, Hà Nội|20042021"
UPLOAD_LIMIT = 350 * 1024


def page_image(width: int, height: int, *, page_share: float = 0.82) -> Image.Image:
    """A printed page on a desk, filling most of the frame."""
    return document_image((width, height), page_share=page_share, noise=0).convert("RGB")


def photo_12mp() -> bytes:
    """4000 x 3000 with sensor-like noise, so it compresses like a real photo."""
    return jpeg(document_image((4000, 3000), noise=10).convert("RGB"), quality=92)


@pytest.fixture(scope="module")
def camera_feed(tmp_path_factory):
    """An .mjpeg (concatenated JPEG frames) Chromium plays as its fake camera."""
    path = tmp_path_factory.mktemp("camera") / "document.mjpeg"
    frame = io.BytesIO()
    page_image(1920, 1080, page_share=0.9).save(frame, "JPEG", quality=90)
    path.write_bytes(frame.getvalue() * 20)
    return path


@pytest.fixture(scope="module")
async def camera_browser(chromium_path, camera_feed):
    from playwright.async_api import async_playwright

    flags = [
        *CHROMIUM_FLAGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_feed}",
    ]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=flags)
        yield browser
        await browser.close()


@pytest.fixture
async def agent(camera_browser, live_server):
    context = await camera_browser.new_context(**PHONE, permissions=["camera"])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    await sign_in(page, live_server)
    yield page
    await context.close()


async def _open_capture(page, live_server) -> str:
    dossier_url = await new_draft_dossier(page, live_server, qr=QR)
    await page.get_by_role("link", name="Chụp giấy tờ").click()
    await page.wait_for_url(f"{dossier_url}/chup")
    await page.locator("html.capture-ready").wait_for(state="attached")
    return dossier_url


def _section(page, n: int = 0):
    return page.locator("section.capture-component").nth(n)


async def _stored_cards(page, n: int = 0):
    return _section(page, n).locator(".pages-holder li.page-card")


async def test_live_viewfinder_captures_a_page(agent, live_server):
    await _open_capture(agent, live_server)
    section = _section(agent)
    await section.get_by_role("button", name="Mở camera").click()
    dialog = agent.locator("dialog#viewfinder")
    await dialog.wait_for()
    await agent.wait_for_function(
        "() => document.querySelector('#viewfinder video').videoWidth > 0", timeout=15000
    )
    await dialog.get_by_role("button", name="Chụp", exact=True).click()
    await dialog.get_by_text("✓ 1").wait_for()
    await agent.screenshot(path=screenshot_path("capture-viewfinder"))
    await dialog.get_by_role("button", name="Xong").click()
    cards = await _stored_cards(agent)
    await cards.first.wait_for(timeout=20000)
    assert await cards.count() == 1
    thumb = cards.first.locator("img.thumb")
    await agent.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await thumb.element_handle()
    )
    assert "Trang 1" in await cards.first.inner_text()
    await agent.screenshot(path=screenshot_path("capture-page-phone"), full_page=True)
    assert not agent.console_errors


# Records the size of every photo the page puts into an upload (Playwright cannot read
# multipart bodies built from Blobs). Injected by the test harness, outside the page's CSP.
UPLOAD_SPY = """
window.__uploads = [];
const append = FormData.prototype.append;
FormData.prototype.append = function (name, value) {
  if (name === "file" && value instanceof Blob) { window.__uploads.push(value.size); }
  return append.apply(this, arguments);
};
"""


async def send_12mp_photo(page) -> tuple[int, int]:
    """Puts a 12 MP photo into the first document's camera input; returns (photo bytes,
    bytes of the largest photo the page uploaded) once the server has the page."""
    photo = photo_12mp()
    await (
        page.locator("section.capture-component")
        .first.locator("input[type=file][capture]")
        .set_input_files(
            files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
    )
    await page.locator(".pages-holder li.page-card").first.wait_for(timeout=60000)
    sent = await page.evaluate("() => window.__uploads")
    assert sent, "no upload seen"
    return len(photo), max(sent)


async def test_file_input_downscales_a_12mp_photo_on_the_phone(agent, live_server):
    await agent.context.add_init_script(UPLOAD_SPY)
    await _open_capture(agent, live_server)
    photo, sent = await send_12mp_photo(agent)
    assert photo > 4_000_000 and 20_000 < sent <= UPLOAD_LIMIT, (photo, sent)
    cards = await _stored_cards(agent)
    assert "page-flagged" not in (await cards.first.get_attribute("class"))
    # The PDF of the document opens for the agent.
    href = await _section(agent).get_by_role("link", name="Mở tệp PDF").get_attribute("href")
    pdf = await agent.request.get(f"{live_server}{href}")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "no-store"


async def test_offline_queue_survives_a_reload_and_sends_each_page_once(agent, live_server):
    dossier_url = await _open_capture(agent, live_server)
    posts: list[str] = []
    agent.on(
        "requestfinished",
        lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/trang") else None,
    )
    small = io.BytesIO()
    page_image(1600, 1200).save(small, "JPEG", quality=85)
    await agent.context.set_offline(True)
    await (
        _section(agent)
        .locator("input[type=file][multiple]")
        .set_input_files(
            files=[
                {"name": f"p{i}.jpg", "mimeType": "image/jpeg", "buffer": small.getvalue()}
                for i in range(2)
            ]
        )
    )
    status = agent.locator("#capture-queue")
    await status.get_by_text("2 ảnh đang chờ gửi").wait_for()
    assert "Mất kết nối" in await status.inner_text()
    await agent.screenshot(path=screenshot_path("capture-offline-queue"), full_page=True)
    assert await (await _stored_cards(agent)).count() == 0

    # Reloading without a network: the page cannot load, the queue stays on the device.
    with contextlib.suppress(PlaywrightError):  # ERR_INTERNET_DISCONNECTED, or the offline page
        await agent.reload(wait_until="domcontentloaded")
    await agent.context.set_offline(False)
    await agent.goto(f"{dossier_url}/chup")
    cards = await _stored_cards(agent)
    await agent.wait_for_function(
        "() => document.querySelectorAll('section.capture-component')[0]"
        ".querySelectorAll('.pages-holder li.page-card').length === 2",
        timeout=30000,
    )
    await status.wait_for(state="hidden")
    assert await cards.count() == 2
    successful = [u for u in posts if re.search(r"/ho-so/\d+/trang$", u)]
    assert len(successful) == 2, posts
    # What the server holds: exactly two pages.
    html = await (await agent.request.get(f"{dossier_url}/chup")).text()
    assert len(set(re.findall(r'id="p-([0-9a-f-]{36})"', html))) == 2
