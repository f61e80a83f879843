// «Nhận thông báo»: Web Push on the citizen's status page (one dossier, data-token) and on
// a staff member's «Thông báo của tôi» page (their own events, data-follow="staff:<id>").
// Progressive enhancement: the card's buttons stay hidden unless this browser can do push.
// What this browser follows (status tokens, "staff:<id>") is kept in IndexedDB
// ("dvc-push" / "kv" / "tokens") so the service worker can re-register each when the push
// service rotates the subscription (see templates/pwa/sw.js).
(function () {
  "use strict";
  if (window.dvcPushLoaded) { return; }
  window.dvcPushLoaded = true;

  function openStore() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("dvc-push", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("kv"); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function readTokens() {
    return openStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction("kv").objectStore("kv").get("tokens");
        request.onsuccess = function () { resolve(Array.isArray(request.result) ? request.result : []); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function writeTokens(tokens) {
    return openStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("kv", "readwrite");
        tx.objectStore("kv").put(tokens, "tokens");
        tx.oncomplete = function () { resolve(); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function base64UrlToBytes(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
    } catch (error) {
      return "";
    }
  }

  function isIos() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function isStandalone() {
    return navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function setUp(root) {
    if (root.dataset.pushReady === "1") { return; }
    root.dataset.pushReady = "1";
    var token = root.dataset.token;
    var follow = root.dataset.follow || token;
    var userId = root.dataset.user ? Number(root.dataset.user) : null;
    var actions = root.querySelector("[data-push-actions]");
    var subscribeButton = root.querySelector("[data-push-subscribe]");
    var unsubscribeButton = root.querySelector("[data-push-unsubscribe]");
    var status = root.querySelector("[data-push-status]");
    var messages = root.querySelector("[data-push-messages]");

    function say(key, text) {
      var node = messages.content.querySelector("[data-key='" + key + "']");
      status.textContent = text || (node ? node.textContent : "");
      status.dataset.state = key;
    }

    function show(subscribed) {
      actions.hidden = false;
      subscribeButton.hidden = subscribed;
      unsubscribeButton.hidden = !subscribed;
      subscribeButton.removeAttribute("aria-busy");
      unsubscribeButton.removeAttribute("aria-busy");
    }

    function post(url, subscription) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
        body: JSON.stringify(token ?
          { token: token, subscription: subscription.toJSON() } :
          { user: userId, subscription: subscription.toJSON() })
      });
    }

    function errorText(response) {
      return response.json().then(function (data) { return data && data.error; }, function () { return ""; });
    }

    function registration() {
      return navigator.serviceWorker.getRegistration("/").then(function (found) {
        return found || navigator.serviceWorker.register("/sw.js", { scope: "/" });
      }).then(function () { return navigator.serviceWorker.ready; });
    }

    function subscribe() {
      subscribeButton.setAttribute("aria-busy", "true");
      say("working");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          actions.hidden = permission === "denied";
          show(false);
          say("denied");
          return null;
        }
        return Promise.all([
          registration(),
          fetch(root.dataset.keyUrl, { credentials: "same-origin" }).then(function (r) {
            if (!r.ok) { throw new Error("no key"); }
            return r.text();
          })
        ]).then(function (both) {
          return both[0].pushManager.getSubscription().then(function (existing) {
            return existing || both[0].pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: base64UrlToBytes(both[1].trim())
            });
          });
        }).then(function (subscription) {
          return post(root.dataset.subscribeUrl, subscription);
        }).then(function (response) {
          if (!response.ok) {
            return errorText(response).then(function (text) { show(false); say("failed", text); });
          }
          return readTokens().then(function (tokens) {
            if (tokens.indexOf(follow) < 0) { tokens.push(follow); }
            return writeTokens(tokens);
          }).then(function () { show(true); say("subscribed"); });
        });
      }).catch(function () { show(false); say("failed"); });
    }

    function unsubscribe() {
      unsubscribeButton.setAttribute("aria-busy", "true");
      say("working");
      var remaining;
      navigator.serviceWorker.ready.then(function (reg) {
        return reg.pushManager.getSubscription();
      }).then(function (subscription) {
        return readTokens().then(function (tokens) {
          remaining = tokens.filter(function (t) { return t !== follow; });
          return writeTokens(remaining);
        }).then(function () {
          if (!subscription) { return null; }
          return post(root.dataset.unsubscribeUrl, subscription).then(function () {
            // One subscription serves every dossier (and staff member) this browser follows.
            return remaining.length ? null : subscription.unsubscribe();
          });
        });
      }).then(function () { show(false); say("unsubscribed"); }, function () { show(true); say("failed"); });
    }

    if (isIos() && !isStandalone()) { say("ios"); return; }
    if (!supported()) { say("unsupported"); return; }
    if (Notification.permission === "denied") { say("denied"); return; }
    subscribeButton.addEventListener("click", subscribe);
    unsubscribeButton.addEventListener("click", unsubscribe);
    show(false);
    if (Notification.permission !== "granted") { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return; }
      return readTokens().then(function (tokens) { show(tokens.indexOf(follow) >= 0); });
    }).catch(function () { /* keep «Nhận thông báo» */ });
  }

  function scan(scope) {
    var roots = Array.prototype.slice.call(scope.querySelectorAll("[data-push]"));
    if (scope.matches && scope.matches("[data-push]")) { roots.push(scope); }
    for (var i = 0; i < roots.length; i += 1) { setUp(roots[i]); }
  }

  // After an htmx swap, static/js/app.js adds this script once the page is already parsed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
