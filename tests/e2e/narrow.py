"""No page scrolls sideways on a 360 px wide phone: the e2e checks every page it looks at.

The page is laid out again at 360×800 for a moment and measured: the document (and the body, which
a careless `overflow-x: hidden` would hide) may not be wider than the layout viewport, and an open
dialog may not be wider than itself. A table that scrolls inside its own box is fine; the page
itself must not move sideways. On failure the elements that stick out are named.
"""

from __future__ import annotations

import time

NARROW = {"width": 360, "height": 800}
SPENT = {"pages": 0, "seconds": 0.0}  # what the check cost, for the end of the run

# clientWidth is the layout viewport without a classic scrollbar: what the page may fill. (On an
# emulated phone `innerWidth` follows the zoom, which grows to fit a page that is too wide.)
_MEASURE = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  const describe = (el) => {
    const parts = [];
    for (let node = el; node !== document.body && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { part += "#" + node.id; }
      part += [...node.classList].slice(0, 3).map((c) => "." + c).join("");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const right = (el) => el.getBoundingClientRect().right + scrollX;
  const clipped = (el, edge) => {  // inside a box that scrolls or clips within the page
    for (let box = el.parentElement; box !== document.body; box = box.parentElement) {
      if (box.tagName === "DIALOG") { return false; }
      const style = getComputedStyle(box);
      if (style.position === "fixed") { return true; }
      if (style.overflowX !== "visible" && right(box) <= edge) { return true; }
    }
    return false;
  };
  const problems = [];
  const culprits = (scope, edge, skip) => {  // the outermost elements past the edge
    for (const el of scope.querySelectorAll("*")) {
      const rect = el.getBoundingClientRect();
      if ((rect.width === 0 && rect.height === 0) || rect.right + scrollX <= edge) { continue; }
      const parent = el.parentElement;
      if (parent !== scope && right(parent) > edge) { continue; }
      if (skip(el) || clipped(el, edge)) { continue; }
      problems.push(`${describe(el)} reaches ${Math.round(rect.right + scrollX)} px`);
    }
  };
  const wide = Math.max(root.scrollWidth, document.body.scrollWidth);
  if (wide > limit) {
    problems.push(`the page is ${wide} px wide in a ${limit} px viewport`);
    culprits(document.body, limit + 0.5,
             (el) => getComputedStyle(el).position === "fixed" || el.closest("dialog[open]"));
  }
  for (const box of document.querySelectorAll("dialog[open]")) {
    if (box.scrollWidth > box.clientWidth) {
      problems.push(`${describe(box)} is ${box.scrollWidth} px wide inside ${box.clientWidth} px`);
      const inner = box.getBoundingClientRect().left + box.clientLeft + box.clientWidth + scrollX;
      culprits(box, inner + 0.5, () => false);
    }
  }
  return problems;
}"""

_STATE = """() => [location.href, document.body.innerHTML.length,
                  document.querySelectorAll("dialog[open]").length].join(" ")"""


def assert_fits_narrow_phone(page) -> None:
    """At 360 px wide, the page as it is now does not scroll sideways (nor does an open dialog)."""
    started = time.perf_counter()
    state = page.evaluate(_STATE)
    if getattr(page, "narrow_checked", None) == state:  # the same page, unchanged: checked
        return
    page.narrow_checked = state
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        problems = page.evaluate(_MEASURE)
    finally:
        page.set_viewport_size(size)
        SPENT["pages"] += 1
        SPENT["seconds"] += time.perf_counter() - started
    assert not problems, f"{page.url} scrolls sideways at 360 px:\n" + "\n".join(problems[:12])


# each word (between spaces and hyphens) of the chosen elements' text lies on one line
_BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-‐–—]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) { broken.push(match[0]); }
      }
    }
  }
  return broken;
}"""


def assert_words_whole(page, selector: str) -> None:
    """At 360 px wide, no word of the text in `selector` is broken across two lines."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        broken = page.evaluate(_BROKEN_WORDS, selector)
    finally:
        page.set_viewport_size(size)
    assert not broken, f"{page.url} breaks words at 360 px: {broken}"
