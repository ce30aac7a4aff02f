/*
 * Plain words: a glossary button ([data-glossary]) opens the term's explanation
 * over the screen, which stays exactly as it was (answers being typed
 * included); "Fermer" or the Escape key closes it. Without this file the
 * button is a link to the glossary screen, whose "Retour" comes back.
 * No inline script or style: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("glossary-dialog");
  var content = document.getElementById("glossary-dialog-body");
  if (!dialog || !content || typeof dialog.showModal !== "function") { return; }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-glossary]");
    if (!link) { return; }
    var text = document.getElementById("glossary-text-" + link.dataset.glossary);
    if (!text) { return; }
    event.preventDefault();
    content.textContent = "";
    content.appendChild(text.content.cloneNode(true));
    dialog.showModal();
    document.getElementById("glossary-dialog-close").focus();
  });

  dialog.addEventListener("close", function () { content.textContent = ""; });
})();
