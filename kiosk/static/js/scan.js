/*
 * The live camera on the capture screen: polls the newest picture, draws the
 * document's outline, shows one guidance message, and captures by itself once
 * the server says the outline has been still with no problem.
 */
(function () {
  "use strict";

  var box = document.getElementById("capture");
  if (!box) { return; }
  var picture = document.getElementById("camera-picture");
  var outline = document.getElementById("camera-quad");
  var retry = document.getElementById("camera-retry");
  var form = document.getElementById("capture-form");
  var codeText = document.getElementById("camera-code");
  var fpsText = document.getElementById("camera-fps");
  var messages = box.querySelectorAll(".guidance-message");
  var after = 0;
  var stopped = false;
  var shown = null;

  function show(code) {
    if (code === shown) { return; }
    shown = code;
    var found = false;
    Array.prototype.forEach.call(messages, function (message) {
      var match = message.dataset.code === code;
      message.hidden = !match;
      found = found || match;
    });
    if (!found) { show("no_document"); }
    codeText.textContent = code;
  }

  var waiting = null;

  function fail() {
    // Keep asking every two seconds: the picture comes back by itself once
    // the camera is plugged in again; the button only makes it sooner.
    show("camera_error");
    retry.hidden = false;
    outline.setAttribute("points", "");
    waiting = window.setTimeout(next, 2000);
  }

  function draw(response, blob) {
    var quad = JSON.parse(response.headers.get("X-Quad") || "null");
    var code = response.headers.get("X-Guidance") || "no_document";
    var ready = response.headers.get("X-Ready") === "1";
    var address = URL.createObjectURL(blob);
    picture.onload = function () { URL.revokeObjectURL(address); };
    picture.src = address;
    outline.setAttribute("points", quad ? quad.map(function (p) { return p[0] + "," + p[1]; }).join(" ") : "");
    outline.setAttribute("class", ready ? "is-ready" : (code === "hold_still" ? "is-steady" : "is-problem"));
    fpsText.textContent = response.headers.get("X-Fps") || "–";
    show(code);
    if (ready && box.dataset.auto === "1") {
      stopped = true;
      box.dataset.captured = "1";
      form.submit();
    }
  }

  function next() {
    waiting = null;
    if (stopped) { return; }
    fetch(box.dataset.liveUrl + "?after=" + after, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        retry.hidden = true;
        after = parseInt(response.headers.get("X-Frame") || "0", 10);
        return response.blob().then(function (blob) { draw(response, blob); });
      })
      .then(function () { window.setTimeout(next, 0); })
      .catch(fail);
  }

  retry.addEventListener("click", function () {
    if (waiting !== null) { window.clearTimeout(waiting); }
    retry.hidden = true;
    show("no_document");
    next();
  });
  form.addEventListener("submit", function () { stopped = true; });
  next();
})();
