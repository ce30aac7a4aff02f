/*
 * Read-aloud: every speaker button ([data-speak]) reads the elements it names,
 * in the screen's language. The page sends what it shows, one segment per
 * block of text (a title, a hint, a choice), to POST /speech and plays the
 * WAV file it gets back. Where the language has no voice, or the sound does
 * not come, a note says to ask the mediator: never an error.
 * No inline script or style: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var body = document.body;
  var pageLang = document.documentElement.getAttribute("lang") || "fr";
  /* Not read: the buttons themselves, the French under a translation (bilingual
     view), hidden things, form controls and the pickers' grids of numbers. */
  var SKIP = ".speak-button, .gloss, .language-grid, .glossary-strip, .mediator-details, "
    + ".picker-panel, .country-list, .skip-link, [data-speak-skip], script, style, template, "
    + "select, input, textarea, svg, img";
  /* The server's limits (kiosk/views/read_aloud.py), so a long screen is trimmed, not refused. */
  var MAX_SEGMENTS = parseInt(body.getAttribute("data-speech-max-segments"), 10);
  var MAX_CHARS = parseInt(body.getAttribute("data-speech-max-chars"), 10);
  var playing = null;
  var noteTimer = null;

  function isBlock(element) {
    var display = window.getComputedStyle(element).display;
    return display.indexOf("inline") !== 0 && display !== "contents";
  }

  function isShown(element) {
    var style = window.getComputedStyle(element);
    return style.display !== "none" && style.visibility !== "hidden";
  }

  /* The texts of an element, one segment per block, in reading order. */
  function segmentsOf(root) {
    var segments = [];
    var current = "";

    function flush() {
      var text = current.replace(/\s+/g, " ").trim();
      current = "";
      if (text && /[\p{L}\p{N}]/u.test(text)) { segments.push(text.slice(0, MAX_CHARS)); }
    }

    function walk(node) {
      if (node.nodeType === Node.TEXT_NODE) { current += node.nodeValue; return; }
      if (node.nodeType !== Node.ELEMENT_NODE) { return; }
      if (node.matches(SKIP) || !isShown(node)) { return; }
      // Words in another language (a French name on an Arabic screen) are not
      // read by this language's voice.
      var lang = node.getAttribute("lang");
      if (lang && lang !== pageLang && node !== root) { return; }
      if (node.tagName === "BR") { flush(); return; }
      var block = isBlock(node);
      if (block) { flush(); }
      if (node.tagName === "DETAILS" && !node.open) {
        var summary = node.querySelector("summary");
        if (summary) { walk(summary); }
      } else {
        Array.prototype.forEach.call(node.childNodes, walk);
      }
      if (block) { flush(); }
    }

    walk(root);
    flush();
    return segments;
  }

  function showNote(id) {
    Array.prototype.forEach.call(document.querySelectorAll(".speak-note"), function (note) {
      note.hidden = note.id !== id;
    });
    if (noteTimer !== null) { window.clearTimeout(noteTimer); }
    noteTimer = window.setTimeout(function () {
      var note = document.getElementById(id);
      if (note) { note.hidden = true; }
    }, 10000);
  }

  function stop() {
    if (playing === null) { return; }
    playing.audio.pause();
    URL.revokeObjectURL(playing.url);
    playing.button.setAttribute("aria-pressed", "false");
    playing.button.classList.remove("is-playing");
    playing = null;
  }

  function speak(button) {
    var segments = [];
    button.dataset.speak.split(/\s+/).forEach(function (id) {
      var target = id && document.getElementById(id);
      if (target) { segments = segments.concat(segmentsOf(target)); }
    });
    segments = segments.slice(0, MAX_SEGMENTS);
    if (!segments.length) { return; }
    button.classList.add("is-loading");
    button.setAttribute("aria-busy", "true");
    fetch(body.dataset.speechUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": body.dataset.csrf },
      body: JSON.stringify({ segments: segments })
    }).then(function (response) {
      if (!response.ok) { throw new Error("read-aloud: " + response.status); }
      return response.blob();
    }).then(function (blob) {
      stop();
      var url = URL.createObjectURL(blob);
      var audio = new Audio(url);
      playing = { audio: audio, url: url, button: button };
      button.setAttribute("aria-pressed", "true");
      button.classList.add("is-playing");
      audio.addEventListener("ended", stop);
      return audio.play();
    }).catch(function () {
      stop();
      showNote("speak-failed");
    }).then(function () {
      button.classList.remove("is-loading");
      button.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-speak]");
    if (!button) { return; }
    event.preventDefault();
    if (button.hasAttribute("data-speak-unavailable")) { showNote("speak-unavailable"); return; }
    if (playing !== null && playing.button === button) { stop(); return; }  // a second touch stops
    speak(button);
  });

  Array.prototype.forEach.call(document.querySelectorAll(".speak-note"), function (note) {
    note.addEventListener("click", function () { note.hidden = true; });
  });

  // Leaving the page (or the glossary's explanation) ends the reading.
  window.addEventListener("pagehide", stop);
  var dialog = document.getElementById("glossary-dialog");
  if (dialog) { dialog.addEventListener("close", stop); }

  window.GuichetReadAloud = { segmentsOf: segmentsOf };
})();
