// The supervision dashboard: picking a quarter, a month or dates also picks that kind of
// period (before htmx sends the form on "change"). Without this file the radio buttons do it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var kind = event.target.getAttribute && event.target.getAttribute("data-period-kind");
    if (!kind) { return; }
    var radio = document.querySelector('input[name="loai"][value="' + kind + '"]');
    if (radio) { radio.checked = true; }
  }, true);
})();
