"""The installable app in Chromium: service worker at scope /, manifest, offline page, push."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.e2e.conftest import PHONE, screenshot_path

SW_READY = "navigator.serviceWorker.ready.then((r) => r.scope)"


@pytest.fixture
async def app_context(browser, live_server):
    context = await browser.new_context(**PHONE, permissions=["notifications"])
    yield context
    await context.close()


async def _controlled_page(context, url: str):
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    await page.goto(url)
    await page.evaluate(SW_READY)
    if not await page.evaluate("!!navigator.serviceWorker.controller"):
        await page.reload()
    await page.wait_for_function("() => !!navigator.serviceWorker.controller")
    return page


async def test_service_worker_registers_for_the_whole_site(live_server, phone):
    await phone.goto(f"{live_server}/tra-cuu")
    assert await phone.evaluate(SW_READY) == f"{live_server}/"
    href = await phone.evaluate("document.querySelector('link[rel=manifest]').href")
    assert href == f"{live_server}/manifest.webmanifest"
    manifest = await phone.evaluate("(u) => fetch(u).then((r) => r.json())", href)
    assert manifest["short_name"] == "DVC Đại lý" and manifest["display"] == "standalone"
    assert phone.console_errors == []


async def test_offline_navigation_shows_the_offline_page(live_server, app_context):
    page = await _controlled_page(app_context, f"{live_server}/")
    await app_context.set_offline(True)
    try:
        await page.goto(f"{live_server}/tra-cuu?lan=2")
        heading = page.get_by_role("heading", level=1)
        assert await heading.inner_text() == "Bạn đang ngoại tuyến"
        assert await page.get_by_role("button", name="Thử lại").is_visible()
        await page.screenshot(path=screenshot_path("offline-phone"), full_page=True)
    finally:
        await app_context.set_offline(False)
    # Only fingerprinted files and the offline page are stored: never a page of someone's.
    cached = await page.evaluate(
        """() => caches.keys().then((names) => Promise.all(names.map((n) =>
             caches.open(n).then((c) => c.keys()).then((rs) => rs.map((r) => r.url)))))
             .then((lists) => lists.flat())"""
    )
    paths = {url.removeprefix(live_server) for url in cached}
    assert "/ngoai-tuyen" in paths
    assert all(p.startswith(("/static/", "/icons/")) for p in paths - {"/ngoai-tuyen"}), paths
    assert page.errors == []


async def _registration_id(cdp, scope: str) -> str:
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_update(event):
        for reg in event["registrations"]:
            if reg["scopeURL"] == scope and not reg.get("isDeleted") and not found.done():
                found.set_result(reg["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_update)
    await cdp.send("ServiceWorker.enable")
    return await asyncio.wait_for(found, timeout=10)


NOTIFICATIONS = """() => navigator.serviceWorker.ready
    .then((r) => r.getNotifications())
    .then((list) => list.map((n) => ({
        title: n.title, body: n.body, tag: n.tag, url: n.data.url, icon: n.icon})))"""


async def _notifications(page, pick):
    shown = []
    for _ in range(100):
        shown = await page.evaluate(NOTIFICATIONS)
        if chosen := pick(shown):
            return chosen
        await asyncio.sleep(0.1)
    raise AssertionError(f"the notification was not shown; shown: {shown}")


async def test_a_push_message_shows_a_notification(live_server, app_context):
    page = await _controlled_page(app_context, f"{live_server}/tra-cuu")
    cdp = await app_context.new_cdp_session(page)
    registration = await _registration_id(cdp, f"{live_server}/")
    payload = {
        "title": "Hồ sơ đã được tiếp nhận",
        "body": "Cơ quan giải quyết đã tiếp nhận hồ sơ của bạn.",
        "url": "/theo-doi/tok_abc",
        "tag": "dossier-7",
        "kind": "status",
    }
    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": registration, "data": json.dumps(payload)},
    )
    (notification,) = await _notifications(
        page, lambda shown: [n for n in shown if n["tag"] == "dossier-7"]
    )
    assert notification["title"] == payload["title"]
    assert notification["body"] == payload["body"]
    assert notification["url"] == f"{live_server}/theo-doi/tok_abc"
    assert "/icons/icon-192." in notification["icon"]

    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": registration, "data": "not json"},
    )
    (generic,) = await _notifications(page, lambda shown: [n for n in shown if not n["tag"]])
    assert generic["title"] == "Hồ sơ của bạn có cập nhật mới"
    assert generic["body"] == "Mở ứng dụng để xem hồ sơ của bạn đã thay đổi thế nào."


def _subscribe_card(token: str) -> str:
    from app.web.static import StaticAssets
    from app.web.templating import build_environment

    template = build_environment(StaticAssets()).get_template(
        "notifications/partials/_subscribe.html"
    )
    return template.render(token=token, d={})


INSERT_CARD = """(html) => {
    const holder = document.createElement("section");
    holder.innerHTML = html;
    document.querySelector("main").append(holder);
    holder.dispatchEvent(new CustomEvent("htmx:load", {bubbles: true}));
}"""


async def test_subscribe_button_appears_and_reports_a_failure_in_vietnamese(
    live_server, app_context
):
    page = await _controlled_page(app_context, f"{live_server}/tra-cuu")
    await page.route(
        "**/thong-bao/khoa",
        lambda route: route.fulfill(
            status=200,
            content_type="text/plain",
            body="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        ),
    )
    await page.evaluate(INSERT_CARD, _subscribe_card("tok_e2e"))
    button = page.get_by_role("button", name="Nhận thông báo")
    await button.wait_for()
    assert await page.get_by_role("button", name="Tắt thông báo").is_hidden()
    await button.click()
    # Headless Chromium has no push service: subscribing fails, and the person is told so.
    status = page.locator("[data-push-status]")
    await page.wait_for_function(
        "() => document.querySelector('[data-push-status]').dataset.state !== 'working'"
    )
    assert await status.get_attribute("data-state") == "failed"
    assert "Chưa bật được thông báo" in await status.inner_text()
    assert await button.is_visible()
    await page.screenshot(path=screenshot_path("push-card-phone"), full_page=True)
    assert page.errors == []


FAKE_PUSH_MANAGER = """(() => {
    // Headless Chromium has no push service: a stand-in subscription with real-looking keys.
    let current = null;
    const fake = {
        endpoint: "https://push.example.net/e2e-staff",
        toJSON() {
            return {endpoint: this.endpoint, keys: {
                p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u" +
                    "-Ts1XbjhazAkj7I99e8QcYP7DkM",
                auth: "AAECAwQFBgcICQoLDA0ODw"}};
        },
        unsubscribe() { current = null; return Promise.resolve(true); },
    };
    PushManager.prototype.getSubscription = () => Promise.resolve(current);
    PushManager.prototype.subscribe = () => { current = fake; return Promise.resolve(fake); };
})()"""

FOLLOWED = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open("dvc-push", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("kv");
    open.onsuccess = () => {
        const get = open.result.transaction("kv").objectStore("kv").get("tokens");
        get.onsuccess = () => resolve(get.result || []);
        get.onerror = () => reject(get.error);
    };
})"""


async def test_a_supervisor_turns_their_notifications_on_and_off(live_server, app_context):
    from app.demo import DEMO_PASSWORD

    page = await _controlled_page(app_context, f"{live_server}/dang-nhap")
    await page.get_by_label("Tên đăng nhập").fill("giamsat")
    await page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{live_server}/giam-sat")
    await page.evaluate(FAKE_PUSH_MANAGER)
    await page.get_by_role("link", name="Thông báo của tôi").click()
    await page.wait_for_url(f"{live_server}/thong-bao/cua-toi")
    await page.evaluate(FAKE_PUSH_MANAGER)  # hx-boost kept the page; set again to be sure
    turn_on = page.get_by_role("button", name="Nhận thông báo trên thiết bị này")
    await turn_on.click()
    status = page.locator("[data-push-status]")
    await page.wait_for_function(
        "() => document.querySelector('[data-push-status]').dataset.state === 'subscribed'"
    )
    assert "Đã bật thông báo trên thiết bị này" in await status.inner_text()
    followed = await page.evaluate(FOLLOWED)
    assert len(followed) == 1 and followed[0].startswith("staff:")
    await page.reload()
    assert "1 thiết bị" in await page.locator("main").inner_text()
    await page.evaluate(FAKE_PUSH_MANAGER)
    await page.get_by_role("button", name="Nhận thông báo trên thiết bị này").click()
    turn_off = page.get_by_role("button", name="Tắt thông báo trên thiết bị này")
    await turn_off.click()
    await page.wait_for_function(
        "() => document.querySelector('[data-push-status]').dataset.state === 'unsubscribed'"
    )
    assert await page.evaluate(FOLLOWED) == []
    await page.reload()
    assert "0 thiết bị" in await page.locator("main").inner_text()
    await page.screenshot(path=screenshot_path("staff-notifications-phone"), full_page=True)
    assert page.errors == []
