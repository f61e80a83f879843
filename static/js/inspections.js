// Spot checks on the tablet. Without this file the pages still work (plain forms).
// - Start page: the tablet's location (navigator.geolocation) fills the hidden fields of the
//   start forms; without it the check starts all the same.
// - Check page: every change to an item is kept at once in localStorage ("dvc-spotcheck-ID",
//   one entry per item, the newest edit wins) and sent to the server, one item at a time; an
//   entry leaves the tablet only when the server has saved it. Each save names the revision
//   the edit was based on: the server refuses a stale one (409) and sends the newer item,
//   which replaces it on screen. Offline, the entries wait and go when the connection returns;
//   after a reload they are put back on the page and sent.
// - Photos are downscaled on the tablet, kept in IndexedDB ("dvc-spotcheck", store "photos")
//   until the server acknowledges them, each with its own id (uploads are idempotent).
(function () {
  "use strict";

  // ------------------------------------------------------------------ start page: location
  var geo = document.getElementById("geo-status");
  if (geo && navigator.geolocation) {
    var say = function (name, m) { geo.hidden = false; geo.textContent = (geo.getAttribute("data-text-" + name) || "").replace("{m}", m || ""); };
    say("wait");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      Array.prototype.forEach.call(document.querySelectorAll("form[data-geo-form]"), function (form) {
        form.elements.latitude.value = String(c.latitude);
        form.elements.longitude.value = String(c.longitude);
        form.elements.accuracy.value = String(Math.round(c.accuracy || 0));
      });
      say("ok", String(Math.round(c.accuracy || 0)));
    }, function () { say("none"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // ------------------------------------------------------------------ check page
  var status = document.getElementById("check-status");
  if (!status) { return; }
  var checkId = status.getAttribute("data-check");
  var KEY = "dvc-spotcheck-" + checkId;
  var base = "/giam-sat/kiem-tra/" + checkId;
  var text = function (name) { return status.getAttribute("data-text-" + name) || ""; };
  var paused = false;
  var pumping = false;
  var timer = null;
  var typing = null;
  var delay = 1000;
  var seq = Date.now();
  var photosWaiting = 0;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"]; } catch (e) { return ""; }
  }
  // The queue when this browser refuses to store it (private mode, full storage): kept in the
  // page, and the status line says so, instead of being dropped.
  var memory = null;
  function load() {
    if (memory) { return memory; }
    try { return JSON.parse(window.localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(queue) {
    try {
      if (Object.keys(queue).length) { window.localStorage.setItem(KEY, JSON.stringify(queue)); } else { window.localStorage.removeItem(KEY); }
      memory = null;
    } catch (e) {
      memory = queue;
    }
  }
  function itemOf(id) { return document.getElementById("item-" + id); }
  function named(li, name) { return li.querySelector("[name='" + name + "-" + li.getAttribute("data-item") + "']"); }
  function read(li) {
    var id = li.getAttribute("data-item");
    var checked = li.querySelector("input[name='result-" + id + "']:checked");
    return {
      result: checked ? checked.value : "",
      note: named(li, "note").value,
      action: named(li, "action").value,
      due: named(li, "due").value,
    };
  }
  function apply(li, entry) {
    var id = li.getAttribute("data-item");
    Array.prototype.forEach.call(li.querySelectorAll("input[type=radio][name='result-" + id + "']"), function (r) { r.checked = r.value === entry.result; });
    named(li, "note").value = entry.note;
    named(li, "action").value = entry.action;
    named(li, "due").value = entry.due;
  }
  function setState(li, state, html) {
    var p = li && li.querySelector("[data-save-state]");
    if (!p) { return; }
    li.setAttribute("data-save", state);
    if (html !== undefined) { p.innerHTML = html; return; }
    p.textContent = state === "saving" ? text("item-saving") : state === "pending" ? text("item-waiting") : text("item-saved");
  }
  function setVersion(version) {
    if (!version) { return; }
    var field = document.querySelector("[data-check-version]");
    if (field) { field.value = version; }
  }
  function countAnswered() {
    var holder = document.getElementById("answered-count");
    if (!holder || !holder.getAttribute("data-text")) { return; }
    var items = document.querySelectorAll(".check-item");
    var done = 0;
    Array.prototype.forEach.call(items, function (li) { if (read(li).result) { done += 1; } });
    holder.textContent = holder.getAttribute("data-text").replace("{done}", String(done)).replace("{total}", String(items.length));
  }
  function refresh() {
    var waiting = Object.keys(load()).length;
    var parts = [];
    if (waiting) { parts.push(text("pending").replace("{n}", String(waiting))); }
    if (photosWaiting) { parts.push(text("photos").replace("{n}", String(photosWaiting))); }
    if ((waiting || photosWaiting) && !navigator.onLine) { parts.push(text("offline")); }
    if (paused) { parts.push(text("signin")); }
    if (waiting && memory) { parts.push(text("nostore")); }
    status.textContent = parts.length ? parts.join(" ") : text("saved");
    status.setAttribute("data-waiting", String(waiting + photosWaiting));
    status.className = "banner " + (parts.length ? "banner-warning" : "banner-info");
    countAnswered();
  }

  // ------------------------------------------------------------------ answers
  function queueEdit(li) {
    var id = li.getAttribute("data-item");
    var queue = load();
    var entry = read(li);
    entry.revision = queue[id] ? queue[id].revision : li.getAttribute("data-revision");
    seq += 1;
    entry.seq = seq;
    queue[id] = entry;
    save(queue);
    setState(li, "pending");
    refresh();
  }
  function send(id, entry) {
    var body = new URLSearchParams();
    ["result", "note", "action", "due", "revision"].forEach(function (k) { body.set(k, entry[k] == null ? "" : entry[k]); });
    return fetch(base + "/muc/" + id, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    }).then(function (r) {
      return r.text().then(function (html) { return { status: r.status, html: html, headers: r.headers, url: r.url, redirected: r.redirected }; });
    }, function () { return { status: 0, html: "" }; });
  }
  function settle(id, entry, answer) {
    var li = itemOf(id);
    var queue = load();
    var signedOut = answer.status === 401 || (answer.redirected && (answer.url || "").indexOf("/dang-nhap") >= 0);
    if (signedOut) { paused = true; return false; }
    if (answer.status === 0 || answer.status === 429 || answer.status >= 500) { return false; }
    var same = queue[id] && queue[id].seq === entry.seq;
    if (answer.status === 200) {
      var revision = answer.headers.get("X-Revision");
      setVersion(answer.headers.get("X-Check-Version"));
      if (li) {
        li.setAttribute("data-revision", revision);
        named(li, "revision").value = revision;
      }
      if (same) { delete queue[id]; setState(li, "saved", answer.html); } else if (queue[id]) { queue[id].revision = revision; }
    } else if (answer.status === 409 && answer.headers.get("X-Revision") && li) {
      // Refused as stale: the server's newer answer replaces ours on screen.
      setVersion(answer.headers.get("X-Check-Version"));
      var holder = document.createElement("div");
      holder.innerHTML = answer.html;
      var fresh = holder.querySelector(".check-item");
      if (fresh) {
        li.replaceWith(fresh);
        if (window.htmx) { window.htmx.process(fresh); }
      }
      delete queue[id];
    } else {
      // Refused for good (a wrong date, the check completed): the reason stays on screen.
      if (same) { delete queue[id]; }
      setState(li, "failed", answer.html && answer.html.length < 3000 ? answer.html : "HTTP " + answer.status);
    }
    save(queue);
    return true;
  }
  function pumpOnce() {
    var queue = load();
    var ids = Object.keys(queue).sort(function (a, b) { return queue[a].seq - queue[b].seq; });
    if (!ids.length || paused) { return Promise.resolve(null); }
    var id = ids[0];
    var entry = queue[id];
    setState(itemOf(id), "saving");
    return send(id, entry).then(function (answer) { return settle(id, entry, answer) ? 0 : delay; });
  }
  function pump() {
    if (pumping) { return Promise.resolve(); }
    pumping = true;
    window.clearTimeout(timer);
    var run = function () {
      return pumpOnce().then(function (wait) {
        refresh();
        if (wait === 0) { delay = 1000; return run(); }
        if (wait) {
          Object.keys(load()).forEach(function (id) { setState(itemOf(id), "pending"); });
          delay = Math.min(30000, delay * 2);
          timer = window.setTimeout(pump, wait);
        }
        return null;
      });
    };
    return run().then(function () { pumping = false; }, function () { pumping = false; });
  }

  document.addEventListener("change", function (event) {
    var li = event.target.closest && event.target.closest(".check-item");
    if (!li || event.target.matches("[data-photo-input]")) { return; }
    window.clearTimeout(typing);
    queueEdit(li);
    pump();
  });
  document.addEventListener("input", function (event) {
    var li = event.target.closest && event.target.closest(".check-item");
    if (!li || event.target.tagName !== "TEXTAREA") { return; }
    queueEdit(li);
    window.clearTimeout(typing);
    typing = window.setTimeout(pump, 800);
  });
  window.addEventListener("online", function () { paused = false; delay = 1000; refresh(); pump(); pumpPhotos(); });
  window.addEventListener("offline", refresh);

  // Completing waits for every change to be saved.
  var complete = document.querySelector("form[data-complete-form]");
  if (complete) {
    complete.addEventListener("submit", function (event) {
      if (!Object.keys(load()).length && !photosWaiting) { return; }
      event.preventDefault();
      delete complete.dataset.submitted;
      pump().then(function () {
        if (!Object.keys(load()).length && !photosWaiting) { complete.submit(); return; }
        status.textContent = text("flush") + " " + status.textContent;
      });
    });
  }

  // ------------------------------------------------------------------ photos
  var DB_NAME = "dvc-spotcheck";
  var STORE = "photos";
  var memory = {}; // without IndexedDB the photos wait in this page only
  var previews = {};
  var dbPromise = window.indexedDB ? new Promise(function (resolve) {
    var open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "id" }).createIndex("check", "check"); };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { resolve(null); };
  }) : Promise.resolve(null);

  function tx(mode, work) {
    return dbPromise.then(function (db) {
      if (!db) { return work(null); }
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var request = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(request && "result" in request ? request.result : request); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function allPhotos() {
    return tx("readonly", function (s) {
      return s ? s.index("check").getAll(checkId) : Object.keys(memory).map(function (k) { return memory[k]; });
    }).then(function (rows) { return (rows || []).sort(function (a, b) { return a.createdAt - b.createdAt; }); });
  }
  function putPhoto(p) { return tx("readwrite", function (s) { if (s) { s.put(p); } else { memory[p.id] = p; } }); }
  function dropPhoto(id) { return tx("readwrite", function (s) { if (s) { s.delete(id); } else { delete memory[id]; } }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // Downscaled on the tablet (long side <= 2000 px, JPEG 0.8, which also drops the metadata);
  // a file the browser cannot decode goes as it is and the server decides.
  function shrink(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, 2000 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) { bitmap.close(); }
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); });
    }).then(function (blob) { return blob || file; }, function () { return file; });
  }
  function pendingItem(p) {
    var li = document.getElementById("q-" + p.id);
    var list = document.getElementById("pending-" + p.item);
    if (li || !list) { return li; }
    li = document.createElement("li");
    li.id = "q-" + p.id;
    li.className = "photo-card photo-pending";
    var img = document.createElement("img");
    img.className = "thumb";
    img.alt = "";
    previews[p.id] = previews[p.id] || URL.createObjectURL(p.blob);
    img.src = previews[p.id];
    var box = document.createElement("div");
    box.className = "thumb-box";
    box.appendChild(img);
    var label = document.createElement("p");
    label.className = "photo-state";
    label.textContent = text("item-waiting");
    li.appendChild(box);
    li.appendChild(label);
    list.appendChild(li);
    return li;
  }
  function forget(id) {
    var li = document.getElementById("q-" + id);
    if (li) { li.remove(); }
    if (previews[id]) { URL.revokeObjectURL(previews[id]); delete previews[id]; }
  }
  function sendPhoto(p) {
    var form = new FormData();
    form.append("photo_id", p.id);
    form.append("file", p.blob, "photo-" + p.id + ".jpg");
    return fetch(base + "/muc/" + p.item + "/anh", {
      method: "POST", credentials: "same-origin", body: form,
      headers: { "X-Autosave": "1", "X-CSRFToken": csrfToken() },
    }).then(function (r) {
      return r.text().then(function (html) { return { status: r.status, html: html, headers: r.headers, url: r.url, redirected: r.redirected }; });
    }, function () { return { status: 0, html: "" }; });
  }
  var photoPumping = false;
  var photoTimer = null;
  var photoDelay = 2000;
  function pumpPhotos() {
    if (photoPumping) { return; }
    photoPumping = true;
    var step = function () {
      return allPhotos().then(function (photos) {
        photosWaiting = photos.length;
        photos.forEach(pendingItem);
        refresh();
        if (!photos.length || paused) { return null; }
        var p = photos[0];
        var li = pendingItem(p);
        if (li) { li.querySelector(".photo-state").textContent = text("item-saving"); }
        return sendPhoto(p).then(function (answer) {
          var signedOut = answer.status === 401 || (answer.redirected && (answer.url || "").indexOf("/dang-nhap") >= 0);
          if (signedOut) { paused = true; return null; }
          if (answer.status === 0 || answer.status === 429 || answer.status >= 500) {
            if (li) { li.querySelector(".photo-state").textContent = text("item-waiting"); }
            window.clearTimeout(photoTimer);
            photoTimer = window.setTimeout(pumpPhotos, photoDelay);
            photoDelay = Math.min(60000, photoDelay * 2);
            return null;
          }
          photoDelay = 2000;
          return dropPhoto(p.id).then(function () {
            if (answer.status === 200 || answer.status === 201) {
              setVersion(answer.headers.get("X-Check-Version"));
              var holder = document.getElementById("photos-" + p.item);
              if (holder) { holder.innerHTML = answer.html; if (window.htmx) { window.htmx.process(holder); } }
              forget(p.id);
            } else if (li) {
              li.className = "photo-card photo-failed";
              li.querySelector(".photo-state").innerHTML = answer.html && answer.html.length < 3000 ? answer.html : "HTTP " + answer.status;
              var remove = document.createElement("button");
              remove.type = "button";
              remove.className = "link-button";
              remove.textContent = text("dismiss");
              remove.addEventListener("click", function () { forget(p.id); });
              li.appendChild(remove);
            }
            return step();
          });
        });
      });
    };
    step().then(function () { photoPumping = false; refresh(); }, function () { photoPumping = false; });
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]")) { return; }
    var li = input.closest(".check-item");
    var item = li ? li.getAttribute("data-item") : "";
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    files.reduce(function (chain, file) {
      return chain.then(function () { return shrink(file); }).then(function (blob) {
        var p = { id: uuid(), check: checkId, item: item, blob: blob, createdAt: Date.now() };
        return putPhoto(p).then(function () { pendingItem(p); photosWaiting += 1; refresh(); });
      });
    }, Promise.resolve()).then(pumpPhotos);
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-photo-form]")) { event.preventDefault(); }
  }, true);

  // ------------------------------------------------------------------ start
  var queued = load();
  Object.keys(queued).forEach(function (id) {
    var li = itemOf(id);
    if (li) { apply(li, queued[id]); setState(li, "pending"); } else { delete queued[id]; }
  });
  save(queued);
  document.documentElement.classList.add("inspections-ready");
  refresh();
  pump();
  pumpPhotos();
})();
