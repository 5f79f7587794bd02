// The officers' console, as progressive enhancement: every page works without it.
// - Look-up: "Scan the QR code" reads the applicant's appointment QR code (it holds the
//   confirmation code alone) with the camera, where the browser has BarcodeDetector and
//   getUserMedia; it fills the code field and sends the form. Hidden elsewhere: the
//   typed code always works.
// - Briefing: a "Print" button (the browser's own print works too).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var button = document.getElementById("scan");
  var media = navigator.mediaDevices;
  if (!button || !("BarcodeDetector" in window) || !media || !media.getUserMedia) return;
  var form = document.getElementById("lookup");
  var input = document.getElementById("code");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var detector = null, stream = null, timer = null;

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    box.hidden = true;
    button.textContent = button.dataset.start;
  }

  function look() {
    detector.detect(video).then(function (found) {
      var text = found.length ? String(found[0].rawValue || "").trim() : "";
      if (!text) { timer = setTimeout(look, 200); return; }
      input.value = text;  // the server normalises it, as it does a typed code
      stop();
      form.submit();
    }).catch(function () { timer = setTimeout(look, 400); });
  }

  function start() {
    media.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      box.hidden = false;
      status.textContent = "";
      button.textContent = button.dataset.stop;
      return video.play();
    }).then(look).catch(function () {
      stop();
      status.textContent = button.dataset.denied;
    });
  }

  Promise.resolve(
    typeof BarcodeDetector.getSupportedFormats === "function"
      ? BarcodeDetector.getSupportedFormats() : ["qr_code"]
  ).then(function (formats) {
    if (formats.indexOf("qr_code") < 0) return;
    detector = new BarcodeDetector({ formats: ["qr_code"] });
    button.hidden = false;
    button.addEventListener("click", function () { if (stream) stop(); else start(); });
  }).catch(function () { /* no detector: the typed code it is */ });
})();
