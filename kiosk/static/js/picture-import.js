/*
 * "Import a photo or a scan": the button opens the browser's file picker; the
 * chosen file is sent at once. While the picker is open the camera must not
 * capture by itself, or the page would leave under the applicant's finger.
 * A file over the limit is refused here, before it is sent.
 */
(function () {
  "use strict";

  var form = document.getElementById("import-form");
  if (!form) { return; }
  var input = document.getElementById("import-file");
  var button = document.getElementById("import-button");
  var tooLarge = document.getElementById("import-too-large");
  var capture = document.getElementById("capture");
  var limit = parseInt(form.dataset.maxBytes || "0", 10);

  function autoCapture(on) {
    if (capture) { capture.dataset.auto = on ? "1" : "0"; }
  }

  button.addEventListener("click", function () {
    autoCapture(false);
    tooLarge.hidden = true;
    input.click();
  });

  input.addEventListener("cancel", function () { autoCapture(true); });

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { autoCapture(true); return; }
    if (limit && file.size > limit) {
      input.value = "";
      tooLarge.hidden = false;
      autoCapture(true);
      return;
    }
    button.disabled = true;
    form.submit();
  });
}());
