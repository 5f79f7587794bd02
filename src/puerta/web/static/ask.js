// Reads the location once when the applicant asks, and only then (the page says why).
// Without it the form still posts, and the server answers with what to do.
(function () {
  var form = document.getElementById("ask-form");
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
