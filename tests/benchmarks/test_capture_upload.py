"""What a 12 MP phone photo becomes on the wire after the capture page's own downscale
(capture.js in Debian's Chromium, the real page of a real server): the JPEG part of the
upload, in KB. Target: <= 350 KB."""

from __future__ import annotations

from tests.benchmarks.conftest import bench
from tests.e2e.conftest import (  # noqa: F401
    PHONE,
    browser,
    chromium_path,
    live_server,
    new_draft_dossier,
    sign_in,
)
from tests.e2e.test_capture import QR, UPLOAD_SPY, send_12mp_photo


async def test_upload_size_of_a_12mp_photo(browser, live_server):  # noqa: F811
    context = await browser.new_context(**PHONE)
    await context.add_init_script(UPLOAD_SPY)
    page = await context.new_page()
    await sign_in(page, live_server)
    url = await new_draft_dossier(page, live_server, qr=QR)
    await page.goto(f"{url}/chup")
    await page.locator("html.capture-ready").wait_for(state="attached")
    photo, sent = await send_12mp_photo(page)
    await context.close()
    bench("capture.upload_kb_12mp", sent / 1024, "KB")
    print(f"(12 MP source photo: {photo / 1024:.0f} KB)")
    assert sent <= 350 * 1024
