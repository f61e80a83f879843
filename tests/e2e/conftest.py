"""Browser tests: a real server process (uvicorn, its own SQLite file with the demo data)
driven by Debian's Chromium through Playwright. Required under CI; skipped with a reason
locally when Chromium is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def live_server():
    """The app served by uvicorn in its own process, like `make run`."""
    workdir = Path(tempfile.mkdtemp(prefix="dvc-e2e-"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
        "VAR_DIR": str(workdir),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "APP_ENV": "development",
        "STATUS_POLL_SECONDS": "2",
    }
    env.pop("TEST_DATABASE_URL", None)
    for command in ("migrate", "load-demo"):
        subprocess.run(
            [sys.executable, "-m", "app", command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError((workdir / "server.log").read_text())
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def phone(browser):
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    yield page
    await context.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def sign_in(page, base: str, username: str = "daily.bavi") -> None:
    from app.demo import DEMO_PASSWORD

    await page.goto(f"{base}/dang-nhap")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{base}/dai-ly")


async def new_draft_dossier(page, base: str, *, qr: str) -> str:
    """Takes in a birth registration dossier from a CCCD QR text; returns its page's URL."""
    import re

    await page.goto(f"{base}/thu-tuc?q=dang+ky+khai+sinh")
    await page.get_by_role("link", name="Tạo hồ sơ: Đăng ký khai sinh", exact=True).click()
    await page.wait_for_url(re.compile(r"/ho-so/moi\?thu_tuc=\d+"))
    await page.get_by_label("Nội dung mã QR").fill(qr)
    await page.get_by_role("button", name="Điền từ mã QR").click()
    await page.wait_for_load_state()
    await page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    for box in await page.locator("input[name=received]").all():
        await box.check()
    await page.get_by_label("Người nộp hồ sơ đã đọc và đồng ý").check()
    await page.get_by_role("button", name="Tạo hồ sơ").click()
    await page.get_by_text("Đã tạo hồ sơ.").wait_for()
    return page.url.split("?")[0]
