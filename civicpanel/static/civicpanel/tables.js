// A data table wider than the screen scrolls inside its .table-wrap. A keyboard user can scroll
// it only if the scroller takes focus, and a screen reader then names it by the table's caption
// (WCAG 2.1.1, 1.4.10). Tables that fit get no extra tab stop.
(function () {
  "use strict";
  function update(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    var marked = wrap.hasAttribute("data-scroll-focus");
    if (scrolls && !marked && !wrap.hasAttribute("tabindex")) {
      var caption = wrap.querySelector("caption");
      wrap.setAttribute("data-scroll-focus", "");
      wrap.setAttribute("tabindex", "0");
      if (caption && caption.textContent.trim()) {
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption.textContent.trim());
      }
    } else if (!scrolls && marked) {
      ["data-scroll-focus", "tabindex", "role", "aria-label"].forEach(function (name) {
        wrap.removeAttribute(name);
      });
    }
  }
  function start() {
    var wraps = document.querySelectorAll(".table-wrap");
    if (!wraps.length) return;
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      wraps.forEach(function (wrap) { observer.observe(wrap); });
    } else {
      wraps.forEach(update);
      window.addEventListener("resize", function () { wraps.forEach(update); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
