// Service worker, served at /sw.js (scope /). The server puts `const CONFIG = {...}` above
// this line: precache list, versioned cache name, icons, Vietnamese fallback text.
//
// Caching rules:
// - fingerprinted static files (/static/, /icons/): cache first, they never change;
// - page navigations: always the network (never stored: pages carry CSRF tokens and
//   personal data); when the network fails, the cached offline page;
// - everything else (htmx requests, /theo-doi/*, /ho-so/*, /thong-bao/*): network only.
// A deploy changes the cache name; the old caches are deleted on activate.
//
// Push subscriptions: one browser has a single subscription, shared by every dossier the
// person follows and by the staff member signed in on it. The page keeps the list of status
// tokens (and "staff:<user id>") in IndexedDB ("dvc-push", store "kv", key "tokens") so
// `pushsubscriptionchange` can register the new subscription for each of them, with a CSRF
// token read from a fresh copy of the offline page. A staff renewal needs the session to be
// still open; the server refuses it for any other account than the one stored.
//
// Notification clicks open the message's URL: the citizen's status page, or a staff page
// (/ho-so/…, /giam-sat), which sends a signed-out browser to sign in first and back.
"use strict";

const STATIC_PREFIXES = ["/static/", "/icons/"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CONFIG.cacheName)
      .then((cache) =>
        cache.addAll([...CONFIG.precache, new Request(CONFIG.offlineUrl, { cache: "reload" })])
      )
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("dvc-") && name !== CONFIG.cacheName)
          .map((name) => caches.delete(name))
      );
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })()
  );
});

function isNoStore(response) {
  return /no-store/i.test(response.headers.get("cache-control") || "");
}

async function navigate(event) {
  try {
    const preloaded = await event.preloadResponse;
    return preloaded || (await fetch(event.request));
  } catch (error) {
    const cache = await caches.open(CONFIG.cacheName);
    return (await cache.match(CONFIG.offlineUrl)) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CONFIG.cacheName);
  const hit = await cache.match(request);
  if (hit) {
    return hit;
  }
  const response = await fetch(request);
  if (response.ok && response.type === "basic" && !isNoStore(response)) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
    return;
  }
  if (CONFIG.networkOnly.some((prefix) => url.pathname.startsWith(prefix))) {
    return;
  }
  if (STATIC_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(cacheFirst(request));
  }
});

function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    if (url.origin === self.location.origin) {
      return url.href;
    }
  } catch (error) {
    // fall through to the home page
  }
  return self.location.origin + "/";
}

function readPayload(event) {
  if (!event.data) {
    return {};
  }
  try {
    const data = event.data.json();
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return {};
  }
}

function text(value, fallback) {
  return typeof value === "string" && value.trim() ? value : fallback;
}

self.addEventListener("push", (event) => {
  const data = readPayload(event);
  const options = {
    body: text(data.body, CONFIG.fallbackBody),
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    lang: "vi",
    data: { url: sameOriginUrl(data.url), kind: text(data.kind, "") },
  };
  if (typeof data.tag === "string" && data.tag) {
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(
    self.registration.showNotification(text(data.title, CONFIG.fallbackTitle), options)
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  const withoutHash = (href) => href.split("#")[0];
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => withoutHash(client.url) === withoutHash(target));
      if (open) {
        return open.focus();
      }
      return self.clients.openWindow(target);
    })()
  );
});

function openStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("dvc-push", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("kv");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function storedTokens() {
  const db = await openStore();
  return new Promise((resolve, reject) => {
    const request = db.transaction("kv").objectStore("kv").get("tokens");
    request.onsuccess = () => resolve(Array.isArray(request.result) ? request.result : []);
    request.onerror = () => reject(request.error);
  });
}

function base64UrlToBytes(value) {
  const padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function freshCsrfToken() {
  const response = await fetch(CONFIG.offlineUrl, { cache: "no-store", credentials: "same-origin" });
  const found = /"x-csrftoken":\s*"([^"]+)"/.exec(await response.text());
  return found ? found[1] : "";
}

async function resubscribe(event) {
  const tokens = await storedTokens();
  if (!tokens.length) {
    return;
  }
  let subscription = event.newSubscription;
  if (!subscription) {
    const old = event.oldSubscription;
    let key = old && old.options && old.options.applicationServerKey;
    if (!key) {
      const response = await fetch(CONFIG.keyUrl, { cache: "no-store" });
      key = base64UrlToBytes((await response.text()).trim());
    }
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    });
  }
  const csrf = await freshCsrfToken();
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrftoken": csrf },
      body: JSON.stringify({ ...body, subscription: subscription.toJSON() }),
    });
  await Promise.all(
    tokens.map((token) =>
      token.startsWith("staff:")
        ? post(CONFIG.staffSubscribeUrl, { user: Number(token.slice(6)) })
        : post(CONFIG.subscribeUrl, { token })
    )
  );
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event));
});
