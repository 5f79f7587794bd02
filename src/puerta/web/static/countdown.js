// Counts down to a deadline (an element with data-deadline, ISO time) in the page's own
// words (data-template, with {h} and {m}); the server wrote the first value, so without
// JavaScript the page still says how long is left when it was opened.
(function () {
  var el = document.querySelector("[data-deadline]");
  if (!el) return;
  var deadline = Date.parse(el.dataset.deadline);
  function show() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 60000));
    var h = Math.floor(left / 60), m = left % 60;
    el.textContent = el.dataset.template
      .replace("{h}", h)
      .replace("{m}", m); // plain digits, as the server writes them in every language
  }
  show();
  setInterval(show, 30000);
})();
