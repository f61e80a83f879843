"""What a 12 MP phone photo becomes on the wire after the capture page's own downscale
(capture.js in Debian's Chromium, the real page of a real server): the JPEG part of the
upload, in KB. Target: <= 350 KB."""

from __future__ import annotations

import re

from tests.benchmarks.conftest import bench
from tests.e2e.conftest import (  # noqa: F401
    PHONE,
    browser,
    chromium_path,
    live_server,
    new_draft_dossier,
    sign_in,
)
from tests.e2e.test_capture import QR, photo_12mp

JPEG = re.compile(rb"\xff\xd8.*\xff\xd9", re.S)


async def test_upload_size_of_a_12mp_photo(browser, live_server):  # noqa: F811
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await sign_in(page, live_server)
    url = await new_draft_dossier(page, live_server, qr=QR)
    await page.goto(f"{url}/chup")
    await page.locator("html.capture-ready").wait_for(state="attached")
    sizes: list[int] = []

    def seen(request):
        if request.method == "POST" and request.url.endswith("/trang"):
            body = request.post_data_buffer or b""
            part = JPEG.search(body)
            sizes.append(len(part.group(0)) if part else len(body))

    page.on("request", seen)
    photo = photo_12mp()
    await (
        page.locator("section.capture-component")
        .first.locator("input[type=file][capture]")
        .set_input_files(
            files=[{"name": "IMG_12MP.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
    )
    await page.locator(".pages-holder li.page-card").first.wait_for(timeout=60000)
    await context.close()
    assert sizes
    bench("capture.upload_kb_12mp", sizes[0] / 1024, "KB")
    print(f"(12 MP source photo: {len(photo) / 1024:.0f} KB)")
    assert sizes[0] <= 350 * 1024
