// The proof of work on sign-up and on sending a registration (puerta/pow/service.py).
// The vendored ALTCHA widget (static/vendor/altcha-*/, its "external" build) does the
// work; this file only sets it up, so nothing is fetched from anywhere but Puerta:
// - the PBKDF2 worker is Puerta's own file (data-worker), not a blob: or another host;
// - the widget's words are Puerta's, in the page's language (data-strings);
// - the work starts as soon as the page opens, so it is done while the person types;
// - a form sent before it is done waits for it, then goes by itself;
// - a solution older than the challenge's life (data-renew-seconds) is done again.
// Without JavaScript the page says plainly that this step needs it (<noscript>).
(function () {
  var widget = document.querySelector("altcha-widget[data-worker]");
  if (!widget || !window.$altcha) return;
  var form = widget.closest("form");
  var language = widget.getAttribute("language");
  var renew = Number(widget.dataset.renewSeconds || 0) * 1000;
  var status = document.getElementById("altcha-status");
  var waiting = null;
  var timer = null;

  window.$altcha.algorithms.set("PBKDF2/SHA-256", function () {
    return new Worker(widget.dataset.worker);
  });
  window.$altcha.i18n.set(language, JSON.parse(widget.dataset.strings));

  function start() {
    clearTimeout(timer);
    widget.reset();
    widget.verify();
  }

  widget.addEventListener("verified", function () {
    if (status) status.textContent = "";
    clearTimeout(timer);
    if (renew > 0) timer = setTimeout(start, Math.max(renew - 15000, renew / 2));
    if (waiting) {
      var submitter = waiting;
      waiting = null;
      form.requestSubmit(submitter === true ? undefined : submitter);
    }
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      if (widget.getState() === "verified") return;
      event.preventDefault();
      waiting = event.submitter || true;
      if (status) status.textContent = widget.dataset.wait;
      if (widget.getState() !== "verifying") start();
    });
  }

  customElements.whenDefined("altcha-widget").then(function () {
    setTimeout(start, 0);
  });
})();
