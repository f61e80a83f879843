// The capture page's upload queue. Without this file the page still works: the file inputs
// post the form. With it:
// - a photo is downscaled on the phone (long side <= 2000 px, JPEG 0.8, lowered until the
//   page weighs <= 340 KB) before it leaves;
// - every page gets its own id (a UUID) and waits in IndexedDB ("dvc-capture", store
//   "pages"), which survives a reload, a closed tab and a lost connection;
// - pages are sent one at a time with a progress bar, retried with backoff on network
//   errors and 5xx/429, and removed from the device only when the server has acknowledged
//   them (201 stored, 200 already stored); the server never stores an id twice;
// - a live viewfinder (getUserMedia) with a page-shaped guide where the browser has one.
(function () {
  "use strict";
  var LONG_SIDE = 2000;
  var QUALITY = 0.8;
  var BUDGET = 340 * 1024; // what one page may weigh on a slow network
  var MIN_QUALITY = 0.5;
  var MAX_DELAY = 60000;
  var DB_NAME = "dvc-capture";
  var STORE = "pages";

  var status = document.getElementById("capture-queue");
  if (!status || !window.indexedDB) { return; }
  var dossier = status.getAttribute("data-dossier");
  var text = function (name) { return status.getAttribute("data-text-" + name) || ""; };
  var timer = null;
  var pumping = false;
  var paused = false; // the session ended: wait for the user to sign in again
  var previews = {}; // page id -> object URL

  // ---------------------------------------------------------------- IndexedDB
  var dbPromise = new Promise(function (resolve, reject) {
    var open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = function () {
      var store = open.result.createObjectStore(STORE, { keyPath: "id" });
      store.createIndex("dossier", "dossier");
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });

  function tx(mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function allPages() {
    return tx("readonly", function (s) { return s.index("dossier").getAll(dossier); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }
  function savePage(page) { return tx("readwrite", function (s) { s.put(page); }); }
  function dropPage(id) { return tx("readwrite", function (s) { s.delete(id); }); }

  // ---------------------------------------------------------------- helpers
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"]; } catch (e) { return ""; }
  }
  function encode(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  // JPEG 0.8, then lower quality, then a smaller size, until the page fits the budget (a
  // noisy photo in dim light would otherwise weigh twice as much as a clean one).
  function canvasBlob(canvas) {
    var attempt = function (source, quality) {
      return encode(source, quality).then(function (blob) {
        if (!blob || blob.size <= BUDGET) { return blob; }
        if (quality - 0.1 >= MIN_QUALITY - 0.001) { return attempt(source, quality - 0.1); }
        if (Math.max(source.width, source.height) <= 1400) { return blob; }
        var smaller = document.createElement("canvas");
        smaller.width = Math.round(source.width * 0.85);
        smaller.height = Math.round(source.height * 0.85);
        smaller.getContext("2d").drawImage(source, 0, 0, smaller.width, smaller.height);
        return attempt(smaller, 0.7);
      });
    };
    return attempt(canvas, QUALITY);
  }
  function drawScaled(source, width, height) {
    var scale = Math.min(1, LONG_SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }
  // A photo from the file input: decoded with its EXIF orientation applied, downscaled,
  // re-encoded as JPEG (which also drops its metadata). If the browser cannot decode it,
  // the original goes as it is and the server decides.
  function shrink(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var canvas = drawScaled(bitmap, bitmap.width, bitmap.height);
      if (bitmap.close) { bitmap.close(); }
      return canvasBlob(canvas);
    }).then(function (blob) { return blob || file; }, function () { return file; });
  }

  // ---------------------------------------------------------------- display
  function pendingList(component) { return document.getElementById("pending-" + component); }
  function itemFor(page) {
    var li = document.getElementById("q-" + page.id);
    if (li) { return li; }
    var list = pendingList(page.component);
    if (!list) { return null; }
    li = document.createElement("li");
    li.id = "q-" + page.id;
    li.className = "page-card page-pending";
    var img = document.createElement("img");
    img.className = "thumb";
    img.alt = "";
    if (!previews[page.id]) { previews[page.id] = URL.createObjectURL(page.blob); }
    img.src = previews[page.id];
    var box = document.createElement("div");
    box.className = "thumb-box";
    box.appendChild(img);
    var label = document.createElement("p");
    label.className = "page-meta";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    li.appendChild(box);
    li.appendChild(label);
    li.appendChild(bar);
    list.appendChild(li);
    return li;
  }
  function show(page, state, progress, message) {
    var li = itemFor(page);
    if (!li) { return; }
    li.setAttribute("data-state", state);
    var label = li.querySelector(".page-meta");
    var size = Math.round(page.blob.size / 1024) + " KB";
    label.textContent = (state === "sending" ? text("sending") : state === "failed" ? text("failed") : text("waiting")) + " · " + size;
    var bar = li.querySelector("progress");
    if (progress === null) { bar.removeAttribute("value"); } else { bar.value = progress; }
    bar.hidden = state === "failed";
    var error = li.querySelector(".error-message");
    if (state === "failed") {
      if (!error) {
        error = document.createElement("div");
        error.className = "error-message";
        error.setAttribute("role", "alert");
        li.appendChild(error);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button";
        remove.textContent = text("dismiss");
        remove.addEventListener("click", function () { forget(page.id); });
        li.appendChild(remove);
      }
      error.innerHTML = message || "";
    }
  }
  function forget(id) {
    return dropPage(id).then(function () {
      var li = document.getElementById("q-" + id);
      if (li) { li.remove(); }
      if (previews[id]) { URL.revokeObjectURL(previews[id]); delete previews[id]; }
      return refreshStatus();
    });
  }
  function refreshStatus() {
    return allPages().then(function (pages) {
      var waiting = pages.filter(function (p) { return p.state !== "failed"; }).length;
      var parts = [];
      if (waiting === 1) { parts.push(text("one")); }
      if (waiting > 1) { parts.push(text("many").replace("{n}", String(waiting))); }
      if (waiting && !navigator.onLine) { parts.push(text("offline")); }
      if (paused) { parts.push(text("signin")); }
      status.textContent = parts.join(" ");
      if (paused) {
        var link = document.createElement("a");
        link.href = "/dang-nhap?next=" + encodeURIComponent(location.pathname);
        link.textContent = " →";
        status.appendChild(link);
      }
      status.hidden = parts.length === 0;
      status.setAttribute("data-waiting", String(waiting));
      return pages;
    });
  }

  // ---------------------------------------------------------------- sending
  function send(page) {
    return new Promise(function (resolve) {
      var form = new FormData();
      form.append("component", page.component);
      form.append("page_id", page.id);
      if (page.replaces) { form.append("replaces", page.replaces); }
      form.append("file", page.blob, "page-" + page.id + ".jpg");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/ho-so/" + dossier + "/trang");
      xhr.setRequestHeader("X-Capture-Queue", "1");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.timeout = 120000;
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) { show(page, "sending", Math.round(event.loaded * 100 / event.total)); }
      };
      xhr.onload = function () { resolve({ status: xhr.status, body: xhr.responseText, redirect: xhr.responseURL }); };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve({ status: 0, body: "" }); };
      show(page, "sending", null);
      xhr.send(form);
    });
  }
  function acknowledged(page, body) {
    var holder = document.getElementById("pages-" + page.component);
    if (holder) {
      holder.innerHTML = body;
      if (window.htmx) { window.htmx.process(holder); }
    }
    return forget(page.id);
  }
  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(pump, delay);
  }
  function pumpOnce() {
    return allPages().then(function (pages) {
      var now = Date.now();
      var due = pages.filter(function (p) { return p.state !== "failed"; });
      pages.forEach(function (p) { show(p, p.state === "failed" ? "failed" : "waiting", 0, p.error); });
      if (!due.length || paused) { return null; }
      var next = due.filter(function (p) { return (p.nextAt || 0) <= now; })[0];
      if (!next) {
        return Math.min.apply(null, due.map(function (p) { return p.nextAt; })) - now;
      }
      return send(next).then(function (answer) {
        var signedOut = answer.status === 401 || (answer.redirect || "").indexOf("/dang-nhap") >= 0;
        if (!signedOut && (answer.status === 200 || answer.status === 201)) {
          return acknowledged(next, answer.body).then(function () { return 0; });
        }
        if (signedOut) {
          paused = true;
          show(next, "waiting", 0);
          return refreshStatus().then(function () { return null; });
        }
        if (answer.status === 0 || answer.status === 429 || answer.status >= 500) {
          next.attempts = (next.attempts || 0) + 1;
          var delay = Math.min(MAX_DELAY, 1000 * Math.pow(2, next.attempts - 1));
          next.nextAt = Date.now() + delay * (0.75 + Math.random() / 2);
          show(next, "waiting", 0);
          return savePage(next).then(function () { return 0; });
        }
        // Refused for good (not a photo, conflict, document no longer editable): the
        // server's reason stays on screen until the agent removes the page.
        next.state = "failed";
        var fragment = answer.body && answer.body.length < 2000 && answer.body.indexOf("<html") < 0;
        next.error = fragment ? answer.body : answer.status === 413 ? text("toolarge") : "HTTP " + answer.status;
        show(next, "failed", 0, next.error);
        return savePage(next).then(function () { return 0; });
      });
    });
  }
  function pump() {
    if (pumping) { return; }
    pumping = true;
    var run = function () {
      return pumpOnce().then(function (wait) {
        return refreshStatus().then(function () {
          if (wait === 0) { return run(); }
          if (wait !== null && wait > 0) { schedule(wait); }
          return null;
        });
      });
    };
    var done = function () { pumping = false; };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request("dvc-capture-" + dossier, { ifAvailable: true }, function (lock) { return lock ? run() : null; })
      : run();
    Promise.resolve(locked).then(done, function () { done(); schedule(5000); });
  }
  function enqueue(blob, component, replaces) {
    var page = {
      id: uuid(), dossier: dossier, component: String(component), replaces: replaces || "",
      blob: blob, createdAt: Date.now(), attempts: 0, nextAt: 0, state: "waiting", error: "",
    };
    return savePage(page).then(function () {
      show(page, "waiting", 0);
      return refreshStatus();
    }).then(function () { pump(); });
  }

  // ---------------------------------------------------------------- inputs
  function componentOf(element) {
    var form = element.closest("form");
    return form ? form.querySelector("input[name=component]").value : "";
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-capture-input]")) { return; }
    var component = componentOf(input);
    var replaces = input.getAttribute("data-replaces") || "";
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    files.reduce(function (chain, file) {
      return chain.then(function () { return shrink(file); }).then(function (blob) { return enqueue(blob, component, replaces); });
    }, Promise.resolve());
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-capture-form]")) { event.preventDefault(); }
  }, true);
  window.addEventListener("online", function () { refreshStatus(); allPages().then(function (pages) {
    pages.forEach(function (p) { p.nextAt = 0; });
    return Promise.all(pages.map(savePage));
  }).then(pump); });
  window.addEventListener("offline", refreshStatus);

  // ---------------------------------------------------------------- live viewfinder
  var dialog = document.getElementById("viewfinder");
  var stream = null;
  var viewfinderComponent = "";
  var shots = 0;
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }
  if (dialog && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && dialog.showModal) {
    var video = dialog.querySelector("video");
    var count = dialog.querySelector(".viewfinder-count");
    Array.prototype.forEach.call(document.querySelectorAll("[data-viewfinder]"), function (button) { button.hidden = false; });
    document.addEventListener("click", function (event) {
      var opener = event.target.closest && event.target.closest("[data-viewfinder]");
      if (!opener) { return; }
      viewfinderComponent = componentOf(opener);
      shots = 0;
      count.textContent = "";
      dialog.querySelector("[data-camera-error]").hidden = true;
      dialog.showModal();
      navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 2560 }, height: { ideal: 1440 } }, audio: false,
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      }).catch(function () { dialog.querySelector("[data-camera-error]").hidden = false; });
    });
    dialog.querySelector("[data-shoot]").addEventListener("click", function () {
      if (!stream || !video.videoWidth) { return; }
      var canvas = drawScaled(video, video.videoWidth, video.videoHeight);
      canvasBlob(canvas).then(function (blob) {
        shots += 1;
        count.textContent = "✓ " + shots;
        return enqueue(blob, viewfinderComponent, "");
      });
    });
    dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", stopCamera);
  }

  // ---------------------------------------------------------------- start
  Array.prototype.forEach.call(document.querySelectorAll("[data-nojs]"), function (button) { button.hidden = true; });
  document.documentElement.classList.add("capture-ready");
  refreshStatus().then(pump);
})();
