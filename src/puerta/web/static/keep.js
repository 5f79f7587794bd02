// Keeps what was typed in a form (data-keep="name") in this tab's storage, so a post
// that fails on a bad network, or a page reloaded by mistake, loses nothing. A page
// that follows a saved form names it in data-done, and the copy is dropped. The
// server keeps the saved travelers itself; this only covers the moment in between.
(function () {
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) return;
  var done = document.querySelector("script[data-done]");
  if (done) {
    var prefix = "puerta.keep." + done.dataset.done;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) store.removeItem(key);
    }
  }
  var form = document.querySelector("form[data-keep]");
  if (!form) return;
  var name = "puerta.keep." + form.dataset.keep;
  var saved = {};
  try { saved = JSON.parse(store.getItem(name) || "{}"); } catch (e) { saved = {}; }
  var fields = form.querySelectorAll("input:not([type=hidden]):not([type=password]), select");
  var errors = document.querySelector(".error-summary");
  fields.forEach(function (el) {
    var value = saved[el.name];
    if (value === undefined || errors) return; // the server's copy wins after a failed post
    if (el.type === "radio") el.checked = el.value === value;
    else if (!el.value || el.tagName === "SELECT") el.value = value;
  });
  form.addEventListener("input", function () {
    var data = {};
    fields.forEach(function (el) {
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
      else data[el.name] = el.value;
    });
    try { store.setItem(name, JSON.stringify(data)); } catch (e) { /* full: nothing to do */ }
  });
})();
