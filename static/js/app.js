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
})();
