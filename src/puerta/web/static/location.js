// Reads the location once, when the person sends a form that needs it (asking,
// confirming), and only then: each page says why. Without it the form still posts,
// and the server answers with what to do.
(function () {
  var form = document.querySelector("form[data-needs-location]");
  if (!form || !navigator.geolocation) return;
  var button = form.querySelector("button[type=submit]");
  var status = document.getElementById("location-status");
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) return;
    event.preventDefault();
    status.textContent = button.dataset.reading;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.latitude.value = position.coords.latitude.toFixed(5);
        form.longitude.value = position.coords.longitude.toFixed(5);
        // How sure the phone is, in metres: kept as evidence, never a reason to refuse.
        if (form.accuracy && isFinite(position.coords.accuracy)) {
          form.accuracy.value = Math.round(position.coords.accuracy);
        }
        sending = true;
        form.submit();
      },
      function () {
        status.textContent = button.dataset.refused;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
})();
