// Shrinks a photo in the browser before it is sent (forms with data-shrink): a phone's
// camera makes 3-12 MB pictures; 1600 pixels on the long side is plenty for an officer
// and sends in seconds on a weak network. If anything fails, the original is sent.
(function () {
  var MAX_SIDE = 1600, QUALITY = 0.85;
  if (!window.HTMLCanvasElement || !window.DataTransfer || !window.createImageBitmap) return;
  document.querySelectorAll("form[data-shrink]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var sending = false;
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (sending || !file || file.size < 400000) return;
      event.preventDefault();
      var label = button.textContent;
      button.textContent = button.dataset.shrinking;
      button.disabled = true;
      function send() { sending = true; button.disabled = false; button.textContent = label; form.submit(); }
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (blob && blob.size < file.size) {
            var list = new DataTransfer();
            list.items.add(new File([blob], "photo.jpg", { type: "image/jpeg" }));
            input.files = list.files;
          }
          send();
        }, "image/jpeg", QUALITY);
      }).catch(send);
    });
  });
})();
