"""Text that does not fit, measured in the page by the browser that lays it out.

`OVERFLOWS` runs in the page and lists, as readable strings:

- elements that clip their content (overflow hidden or clip) and whose
  content is larger than their box, or that would need a sideways scroll
  bar (overflow auto or scroll) to show it;
- text, and elements, sticking out of the box that frames them: the nearest
  button, label, field, key, table cell, or anything drawn with a border or
  a background or that clips;
- anything out of the screen's width, and a page that scrolls sideways;
- text squeezed into a column so narrow that its words break letter by letter.

`LENGTHEN` makes every piece of text on the page longer, with a word that
cannot be broken at a space, to see that the layout survives translations
longer than those of today.
"""

from __future__ import annotations

from playwright.sync_api import Page

OVERFLOWS = """
() => {
  const TOLERANCE = 1;  // px: sub-pixel rounding
  const found = [];
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    else if (el.classList.length) name += "." + Array.from(el.classList).join(".");
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ");
    return text ? `${name} "${text.slice(0, 40)}"` : name;
  };
  const HIDDEN = ".visually-hidden, .skip-link, [hidden], template, [aria-hidden=true]";
  const shown = (el) => {
    if (el.closest(HIDDEN)) return false;
    const style = getComputedStyle(el);
    const painted = style.display !== "none" && style.visibility !== "hidden";
    return painted && el.getClientRects().length > 0;
  };
  const scrolls = (value) => ["auto", "scroll"].includes(value);
  const clips = (value) => ["hidden", "clip"].includes(value);
  const isBox = (el) => {
    if (el.matches("button, .button, label, select, input, textarea, th, td, dialog")) return true;
    const style = getComputedStyle(el);
    const bordered = ["Top", "Right", "Bottom", "Left"].some(
      (side) => parseFloat(style[`border${side}Width`]) > 0
        && style[`border${side}Style`] !== "none");
    const filled = !["rgba(0, 0, 0, 0)", "transparent"].includes(style.backgroundColor);
    return bordered || filled || style.overflowX !== "visible" || style.overflowY !== "visible";
  };
  // The box that frames an element: null for the screen itself.
  const frameOf = (el) => {
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      if (isBox(up)) return up;
      if (getComputedStyle(up).position === "fixed") return null;
    }
    return null;
  };
  const sticksOut = (rect, outer, slack, frameStyle) => {
    const sideways = rect.left < outer.left - TOLERANCE || rect.right > outer.right + TOLERANCE;
    const down = rect.top < outer.top - slack || rect.bottom > outer.bottom + slack;
    // Inside a scrolling list, what is further down is scrolled to, not lost.
    return sideways || (down && !(frameStyle && scrolls(frameStyle.overflowY)));
  };
  // A text's box (and an inline element's) is its font's full height, taller
  // than its line where the line height is tight: only what passes the line counts.
  const overhang = (rect, style) => {
    const line = parseFloat(style.lineHeight) || rect.height * 0.8;
    return Math.max(0, (rect.height - line) / 2);
  };
  const screen = { left: 0, right: window.innerWidth, top: -Infinity, bottom: Infinity };
  const check = (rect, what, frame, slack) => {
    if (rect.width === 0 && rect.height === 0) return;
    if (frame && sticksOut(rect, frame.getBoundingClientRect(), slack, getComputedStyle(frame))) {
      found.push(`${what} sticks out of ${describe(frame)}`);
    } else if (sticksOut(rect, screen, slack, null)) {
      found.push(`${what} is off the screen`);
    }
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.matches("script, style, option, br")) continue;
    const style = getComputedStyle(el);
    if (!el.matches("input, select, textarea, img, svg, svg *")) {
      const wide = el.scrollWidth > el.clientWidth + TOLERANCE;
      const tall = el.scrollHeight > el.clientHeight + TOLERANCE;
      if (wide && clips(style.overflowX)) found.push(`${describe(el)} clips its text sideways`);
      if (wide && scrolls(style.overflowX)) found.push(`${describe(el)} scrolls sideways`);
      if (tall && clips(style.overflowY)) found.push(`${describe(el)} clips its text below`);
    }
    if (!el.closest("svg") || el.matches("svg")) {
      const rect = el.getBoundingClientRect();
      const slack = style.display === "inline" ? overhang(rect, style) : 0;
      check(rect, describe(el), frameOf(el.parentElement), slack + TOLERANCE);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || !shown(parent)) continue;
    if (parent.closest("script, style, option, select")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const frame = frameOf(parent);
    const style = getComputedStyle(parent);
    const what = `text "${node.textContent.trim().slice(0, 40)}" in ${describe(parent)}`;
    const rects = Array.from(range.getClientRects());
    for (const rect of rects) check(rect, what, frame, overhang(rect, style) + TOLERANCE);
    // Squeezed: a column so narrow its words break into a letter or two per line.
    const size = parseFloat(style.fontSize);
    if (rects.length >= 4 && Math.max(...rects.map((rect) => rect.width)) < 2.5 * size) {
      found.push(`${what} is squeezed to a letter or two per line`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + TOLERANCE) {
    found.push(`the page scrolls sideways (${page.scrollWidth}px wide for ${window.innerWidth}px)`);
  }
  return Array.from(new Set(found));
}
"""

LENGTHEN = """
() => {
  const long = " Aufenthaltstitelverlängerungsantragsformular";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const wordy = /\\p{L}{2,}/u.test(node.textContent);
    // Codes are the same in every language: only words are translated.
    if (parent && !parent.closest("script, style, .code, .big-code") && wordy) nodes.push(node);
  }
  for (const node of nodes) node.textContent = node.textContent.replace(/\\s*$/, long + "$&");
}
"""


def overflows(page: Page) -> list[str]:
    """Everything on the page whose text does not fit (see the module's docstring)."""
    return list(page.evaluate(OVERFLOWS))
