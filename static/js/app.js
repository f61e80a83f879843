// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A posting button shows it is working and cannot be pressed twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-busy", "true");
      if (button.dataset.busyText) { button.textContent = button.dataset.busyText; }
    }
    window.setTimeout(function () { delete form.dataset.submitted; if (button) { button.removeAttribute("aria-busy"); } }, 15000);
  }, true);
  // Tell the user when the device is offline.
  function updateOnline() {
    var banner = document.getElementById("offline-banner");
    if (banner) { banner.hidden = navigator.onLine; }
  }
  window.addEventListener("online", updateOnline);
  window.addEventListener("offline", updateOnline);
  document.addEventListener("DOMContentLoaded", updateOnline);
  // After an HTMX swap that carries an error summary, move focus to it for screen readers.
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = event.target.querySelector && event.target.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
  // Web Push (push.js) is fetched only by the pages that offer it: its card carries the script
  // tag, which does not run when htmx swaps the card in (a boosted link to «Thông báo của
  // tôi»); then the script named by the card's data-script is added here.
  function loadPush(scope) {
    var card = scope.matches && scope.matches("[data-push][data-script]") ? scope :
      scope.querySelector && scope.querySelector("[data-push][data-script]");
    if (!card || window.dvcPushLoaded || document.querySelector("script[data-push-script]")) { return; }
    var script = document.createElement("script");
    script.src = card.getAttribute("data-script");
    script.setAttribute("data-push-script", "");
    document.head.appendChild(script);
  }
  document.addEventListener("DOMContentLoaded", function () { loadPush(document); });
  document.addEventListener("htmx:load", function (event) { loadPush(event.target); });
  // The installable app: the service worker (scope /) and the browser's install offer.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
    });
  }
  var installOffer = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installOffer = event;
    var button = document.getElementById("install-app");
    if (button) { button.hidden = false; }
  });
  window.addEventListener("appinstalled", function () {
    installOffer = null;
    var button = document.getElementById("install-app");
    if (button) { button.hidden = true; }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("#install-app, [data-reload]");
    if (!target) { return; }
    if (target.hasAttribute("data-reload")) { window.location.reload(); return; }
    if (!installOffer) { return; }
    installOffer.prompt();
    installOffer.userChoice.then(function () { installOffer = null; target.hidden = true; });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var retry = document.querySelectorAll("[data-reload]");
    for (var i = 0; i < retry.length; i += 1) { retry[i].hidden = false; }
    var button = document.getElementById("install-app");
    if (button && installOffer) { button.hidden = false; }
  });
})();
