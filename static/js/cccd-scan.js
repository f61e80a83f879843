// Scans the QR code of a chip-based CCCD with the camera where the browser offers
// BarcodeDetector, puts its text in the QR field and submits the "fill in" action.
(function () {
  "use strict";
  var button = document.getElementById("scan-cccd");
  var video = document.getElementById("scan-video");
  if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  var stream = null;
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false;
        return video.play();
      })
      .then(function tick() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          var found = codes.find(function (c) { return c.rawValue && c.rawValue.indexOf("|") > 0; });
          if (found) {
            document.getElementById(button.dataset.target).value = found.rawValue;
            stop();
            var prefill = button.form.querySelector("button[value=prefill]");
            if (prefill) { prefill.click(); }
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.setTimeout(tick, 300); });
      })
      .catch(function () { stop(); button.hidden = true; });
  });
})();
