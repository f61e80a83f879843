// The point finder's "Nearest to me" button: asks the browser where the phone is and sends
// the position with the form; the server sorts the points by distance. Without this file, or
// when the person says no, choosing a district still works.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var form = document.getElementById("finder-form");
  if (!button || !form || !("geolocation" in navigator)) { return; }
  var status = document.getElementById("finder-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(5);
      form.elements.lng.value = position.coords.longitude.toFixed(5);
      form.submit();
    }, function () {
      button.disabled = false;
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
}());
