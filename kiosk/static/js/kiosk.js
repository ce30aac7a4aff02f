/*
 * Guichet kiosk behaviour: on-screen keyboard, tap-only date and country
 * pickers, idle countdown. Every page works without this file (plain forms,
 * selects); it only makes them usable by touch alone.
 * No inline script or style anywhere: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var body = document.body;
  var html = document.documentElement;
  var pageLang = (html.getAttribute("lang") || "fr").split("-")[0];
  var layouts = window.GuichetKeyboardLayouts || {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") { node.className = attrs[name]; }
      else { node.setAttribute(name, attrs[name]); }
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* ---------------------------------------------------------------- keyboard */

  var osk = document.getElementById("osk");
  var keyboard = { input: null, layout: null, shift: false, native: false };
  var oskLabels = {
    bksp: osk ? osk.dataset.labelBksp : "⌫",
    shift: osk ? osk.dataset.labelShift : "⇧",
    space: osk ? osk.dataset.labelSpace : "␣",
    done: osk ? osk.dataset.labelDone : "OK",
    switchNative: osk ? osk.dataset.labelNative : "",
    switchLatin: osk ? osk.dataset.labelLatin : "ABC"
  };
  var keySymbols = { bksp: "⌫", shift: "⇧", space: "", done: "✓" };

  function layoutName(input) {
    var wanted = input.dataset.keyboard || "latin";
    if (wanted === "native") { return layouts[pageLang] ? pageLang : "latin"; }
    if (wanted === "latin" && keyboard.native && layouts[pageLang]) { return pageLang; }
    return wanted;
  }

  function insertText(text) {
    var input = keyboard.input;
    if (!input) { return; }
    var start = input.selectionStart === null ? input.value.length : input.selectionStart;
    var end = input.selectionEnd === null ? input.value.length : input.selectionEnd;
    var max = parseInt(input.getAttribute("maxlength") || "0", 10);
    if (max > 0 && input.value.length - (end - start) + text.length > max) { return; }
    input.setRangeText(text, start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function deleteBack() {
    var input = keyboard.input;
    if (!input) { return; }
    var start = input.selectionStart, end = input.selectionEnd;
    if (start === null) { start = end = input.value.length; }
    if (start === end && start > 0) {
      // Remove a whole character, even outside the Basic Multilingual Plane.
      var before = Array.from(input.value.slice(0, start));
      before.pop();
      start = before.join("").length;
    }
    input.setRangeText("", start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function pressKey(token) {
    if (token === "{bksp}") { deleteBack(); }
    else if (token === "{shift}") { keyboard.shift = !keyboard.shift; renderKeyboard(); }
    else if (token === "{space}") { insertText(" "); }
    else if (token === "{done}") { hideKeyboard(); return; }
    else if (token === "{switch}") { keyboard.native = !keyboard.native; renderKeyboard(); }
    else {
      insertText(token);
      if (keyboard.shift) { keyboard.shift = false; renderKeyboard(); }
    }
    if (keyboard.input && document.activeElement !== keyboard.input) {
      keyboard.input.focus({ preventScroll: true });
    }
  }

  function keyButton(token) {
    var special = /^\{(\w+)\}$/.exec(token);
    var button = el("button", { type: "button", className: "osk-key", "data-key": token, tabindex: "-1" });
    if (special) {
      var name = special[1];
      button.classList.add("osk-key-wide");
      if (name === "space") { button.classList.add("osk-key-space"); }
      if (name === "done") { button.classList.add("osk-key-done"); }
      var label = name === "switch"
        ? (keyboard.native ? oskLabels.switchLatin : oskLabels.switchNative)
        : oskLabels[name];
      button.textContent = name === "switch" ? label : (keySymbols[name] || label);
      button.setAttribute("aria-label", label || name);
      if (name === "shift") { button.setAttribute("aria-pressed", keyboard.shift ? "true" : "false"); }
    } else {
      button.textContent = token;
    }
    // Keep the focus (and caret) in the text field while a key is pressed.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function (event) {
      // The key may re-render the keyboard and leave this button detached:
      // the page-level "tap elsewhere hides the keyboard" must not see it.
      event.stopPropagation();
      pressKey(token);
    });
    return button;
  }

  function renderKeyboard() {
    if (!osk || !keyboard.input) { return; }
    var name = layoutName(keyboard.input);
    var layout = layouts[name] || layouts.latin;
    var rows = (keyboard.shift && layout.shift) ? layout.shift : layout["default"];
    var hasNative = layouts[pageLang] && pageLang !== "latin";
    osk.textContent = "";
    osk.className = "osk osk-" + name + (layout.rtl ? " osk-rtl" : "");
    osk.dataset.layout = name;
    rows.forEach(function (row) {
      var line = el("div", { className: "osk-row" });
      row.split(" ").forEach(function (token) {
        if (token === "{switch}" && !hasNative) { return; }
        line.appendChild(keyButton(token));
      });
      osk.appendChild(line);
    });
  }

  function showKeyboard(input) {
    if (!osk) { return; }
    if (keyboard.input && keyboard.input !== input) { keyboard.input.classList.remove("is-active"); }
    keyboard.input = input;
    keyboard.shift = false;
    input.classList.add("is-active");
    renderKeyboard();
    osk.hidden = false;
    html.style.setProperty("--keyboard-height", osk.offsetHeight + "px");
    // Scroll only once the tap that focused the field is over (its click, or
    // a moment later): scrolling between touchstart and click would make the
    // click land on another element.
    keyboard.pendingScroll = true;
  }

  function scrollToInput() {
    var input = keyboard.input;
    if (!keyboard.pendingScroll || !input) { return; }
    keyboard.pendingScroll = false;
    // Bring the field, and what follows it (a list of countries), above the keyboard.
    var box = input.getBoundingClientRect();
    var room = window.innerHeight - osk.offsetHeight;
    if (box.top < 0 || box.bottom > room - 16 || input.dataset.keyboard === "native") {
      var label = input.closest(".field") || input;
      window.scrollBy({ top: label.getBoundingClientRect().top - 16 });
    }
  }

  function hideKeyboard() {
    if (!osk) { return; }
    osk.hidden = true;
    html.style.setProperty("--keyboard-height", "0px");
    if (keyboard.input) { keyboard.input.classList.remove("is-active"); }
    keyboard.input = null;
  }

  // A finger on a field shows the keyboard once the tap is over (its click):
  // changing the page between touchstart and click would send the click
  // elsewhere. Focus from elsewhere (Tab, an error link) shows it at once.
  var pointerOn = null;
  document.addEventListener("pointerdown", function (event) { pointerOn = event.target; }, true);
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-keyboard]") && pointerOn !== target) {
      showKeyboard(target);
    }
  });
  // Hide the keyboard after a tap elsewhere has completed. Hiding it on focus
  // would move the page between touchstart and click, and the tap would land
  // on whatever slid under the finger.
  document.addEventListener("click", function (event) {
    var target = event.target;
    pointerOn = null;
    if (!target.isConnected) { return; }
    if (target.matches && target.matches("input[data-keyboard]")) {
      if (keyboard.input !== target) { showKeyboard(target); }
      scrollToInput();
      return;
    }
    if (!keyboard.input || (osk && osk.contains(target))) { return; }
    hideKeyboard();
  });

  /* -------------------------------------------------------------- date picker */

  function enhanceDate(container) {
    var selects = Array.prototype.slice.call(container.querySelectorAll("select"));
    var fieldset = container.closest("fieldset") || container.parentNode;
    var tabs = el("div", { className: "picker-tabs" });
    var panel = el("div", { className: "picker-panel" });
    var state = {};

    function labelFor(select) {
      var label = container.querySelector("label[for='" + select.id + "']");
      return label ? label.textContent.trim() : select.name;
    }

    function shownValue(select) {
      var option = select.options[select.selectedIndex];
      return select.value ? option.textContent : "–";
    }

    function updateTab(select) {
      var tab = state[select.dataset.part].tab;
      tab.querySelector(".picker-tab-value").textContent = shownValue(select);
    }

    function choose(select, value) {
      select.value = value;
      updateTab(select);
      var next = selects.filter(function (one) { return !one.value; })[0];
      open(next || null);
    }

    function grid(select) {
      var part = select.dataset.part;
      var box = el("div", { className: "picker-grid" + (part === "month" ? " picker-grid-wide" : ""), role: "group",
                            "aria-label": labelFor(select) });
      var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });
      if (part === "year" && options.length > 24) {
        // Decades first, then the years of the chosen decade: fewer taps.
        var decades = [];
        options.forEach(function (o) {
          var decade = Math.floor(parseInt(o.value, 10) / 10) * 10;
          if (decades.indexOf(decade) < 0) { decades.push(decade); }
        });
        decades.forEach(function (decade) {
          var button = el("button", { type: "button", className: "button", "data-decade": String(decade) },
                          decade + "–" + (decade + 9));
          button.addEventListener("click", function () {
            box.textContent = "";
            options.forEach(function (o) {
              var year = parseInt(o.value, 10);
              if (year >= decade && year <= decade + 9) { box.appendChild(valueButton(select, o)); }
            });
            var first = box.querySelector("button");
            if (first) { first.focus(); }
          });
          box.appendChild(button);
        });
        box.classList.add("picker-grid-wide");
        return box;
      }
      options.forEach(function (o) { box.appendChild(valueButton(select, o)); });
      return box;
    }

    function valueButton(select, option) {
      var button = el("button", { type: "button", className: "button", "data-value": option.value,
                                  "aria-pressed": select.value === option.value ? "true" : "false" },
                      option.textContent);
      button.addEventListener("click", function () { choose(select, option.value); });
      return button;
    }

    function open(select) {
      panel.textContent = "";
      selects.forEach(function (one) {
        state[one.dataset.part].tab.setAttribute("aria-expanded", one === select ? "true" : "false");
      });
      if (select) { panel.appendChild(grid(select)); }
    }

    selects.forEach(function (select) {
      var tab = el("button", { type: "button", className: "button picker-tab", "aria-expanded": "false",
                               "data-part": select.dataset.part });
      tab.appendChild(el("span", { className: "picker-tab-label" }, labelFor(select)));
      tab.appendChild(el("span", { className: "picker-tab-value" }, shownValue(select)));
      tab.addEventListener("click", function () { open(select); });
      // The error summary links to the select's id: give it to the tab.
      var id = select.id;
      select.id = id + "-native";
      tab.id = id;
      state[select.dataset.part] = { tab: tab };
      tabs.appendChild(tab);
    });
    fieldset.classList.add("js-enhanced");
    container.parentNode.insertBefore(tabs, container.nextSibling);
    tabs.parentNode.insertBefore(panel, tabs.nextSibling);
    open(selects.filter(function (one) { return !one.value; })[0] || null);
  }

  /* ----------------------------------------------------------- country picker */

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f\u064b-\u065f]/g, "").toLowerCase();
  }

  function enhanceCountry(container) {
    var select = container.querySelector("select");
    var fieldset = container.closest("fieldset") || container.parentNode;
    var label = container.querySelector("label");
    var id = select.id;
    select.id = id + "-native";
    var filter = el("input", { type: "text", id: id, className: "text-input", inputmode: "none", autocomplete: "off",
                               "data-keyboard": "native", spellcheck: "false" });
    if (label) { label.setAttribute("for", id); }
    var chosen = el("p", { className: "country-chosen", "aria-live": "polite" });
    var list = el("ul", { className: "country-list" });
    var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });

    function showChosen() {
      var option = select.options[select.selectedIndex];
      chosen.textContent = select.value ? "✓ " + option.textContent : "";
    }

    function render() {
      var query = fold(filter.value.trim());
      list.textContent = "";
      options.forEach(function (o) {
        if (query && fold(o.textContent).indexOf(query) < 0 && o.value.toLowerCase() !== query) { return; }
        if (!query && !o.dataset.common && o.value !== select.value) { return; }
        var item = el("li");
        var button = el("button", { type: "button", className: "button", "data-value": o.value,
                                    "aria-pressed": select.value === o.value ? "true" : "false" }, o.textContent);
        button.addEventListener("click", function () {
          select.value = o.value;
          showChosen();
          render();
          hideKeyboard();
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    }

    filter.addEventListener("input", render);
    fieldset.classList.add("js-enhanced");
    container.appendChild(filter);
    container.appendChild(chosen);
    container.appendChild(list);
    showChosen();
    render();
  }

  /* ------------------------------------------------------------- small helpers */

  Array.prototype.forEach.call(document.querySelectorAll("[data-date-picker]"), enhanceDate);
  Array.prototype.forEach.call(document.querySelectorAll("[data-country-picker]"), enhanceCountry);

  Array.prototype.forEach.call(document.querySelectorAll("[data-reveal]"), function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.reveal);
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.setAttribute("aria-pressed", shown ? "false" : "true");
    });
  });

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  /* ------------------------------------------- goodbye: back to the welcome screen */

  // After "Finish and erase" the screen says goodbye, then goes back to the
  // welcome screen by itself, so the next person never finds a goodbye.
  var goodbye = document.querySelector("[data-return-home]");
  if (goodbye) {
    window.setTimeout(function () {
      window.location.assign(goodbye.dataset.home || "/");
    }, parseInt(goodbye.dataset.returnHome, 10) * 1000);
  }

  /* ---------------------------------------------------- staff panel: long press */

  // Holding the logo for 3 seconds opens the staff panel's unlock screen; a
  // tap still goes home. An applicant does not hold a logo that long by
  // chance, and the unlock screen asks for a PIN anyway. The logo fills up
  // while it is held, so the mediator sees it working.
  var brand = document.querySelector("[data-staff-unlock]");
  if (brand) {
    var holdMs = 3000;
    var holdTimer = null;
    var held = false;
    var cancelHold = function () {
      if (holdTimer !== null) { window.clearTimeout(holdTimer); holdTimer = null; }
      brand.classList.remove("is-holding");
    };
    var pressedAt = 0;
    brand.addEventListener("pointerdown", function (event) {
      if (event.button > 0) { return; }
      held = false;
      pressedAt = Date.now();
      cancelHold();
      brand.classList.add("is-holding");
      holdTimer = window.setTimeout(function () {
        holdTimer = null;
        held = true;
        brand.classList.remove("is-holding");
        window.location.assign(brand.dataset.staffUnlock);
      }, holdMs);
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (type) {
      brand.addEventListener(type, cancelHold);
    });
    // The release after a press, long or cut short, must not also follow the
    // link home: only a quick tap goes home.
    brand.addEventListener("click", function (event) {
      if (held || (pressedAt && Date.now() - pressedAt > 600)) { event.preventDefault(); }
    });
    brand.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  }

  /* ------------------------------------------------------------ idle countdown */

  if (body.dataset.session === "active") {
    var idleMs = parseInt(body.dataset.idleSeconds, 10) * 1000;
    var countdown = parseInt(body.dataset.countdownSeconds, 10);
    var dialog = document.getElementById("idle-dialog");
    var secondsText = document.getElementById("idle-seconds");
    var closeForm = document.getElementById("idle-close-form");
    var lastActivity = Date.now();
    var lastPing = Date.now();
    var remaining = null;

    var ping = function () {
      lastPing = Date.now();
      fetch(body.dataset.pingUrl, { method: "POST", credentials: "same-origin",
                                    headers: { "X-CSRFToken": body.dataset.csrf } }).catch(function () {});
    };

    var activity = function () {
      if (remaining !== null) { return; }  // only the button ends the countdown
      lastActivity = Date.now();
      if (Date.now() - lastPing > 60000) { ping(); }
    };
    ["pointerdown", "keydown", "touchstart", "input"].forEach(function (type) {
      document.addEventListener(type, activity, { passive: true, capture: true });
    });

    document.getElementById("idle-stay").addEventListener("click", function () {
      remaining = null;
      dialog.hidden = true;
      lastActivity = Date.now();
      ping();
    });

    window.setInterval(function () {
      if (remaining === null) {
        if (Date.now() - lastActivity >= idleMs) {
          remaining = countdown;
          hideKeyboard();
          dialog.hidden = false;
          secondsText.textContent = String(remaining);
          document.getElementById("idle-stay").focus();
        }
        return;
      }
      remaining -= 1;
      secondsText.textContent = String(Math.max(remaining, 0));
      if (remaining <= 0) { remaining = -1000; closeForm.submit(); }
    }, 1000);
  }
})();
