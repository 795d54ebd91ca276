// civicpanel's page script (no inline scripts anywhere: the Content-Security-Policy allows none).
// 1. Starts the design system's components (menus, the phone drawer, the error summary's focus).
// 2. A data table wider than the screen scrolls inside its .table-wrap. A keyboard user can scroll
//    it only if the scroller takes focus, and a screen reader then names it by the table's caption
//    (WCAG 2.1.1, 1.4.10). Tables that fit get no extra tab stop.
// 3. Elements marked data-confirm ask before their form is sent.
(function () {
  "use strict";
  function updateTable(wrap) {
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
  function tables() {
    var wraps = document.querySelectorAll(".table-wrap");
    if (!wraps.length) return;
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { updateTable(entry.target); });
      });
      wraps.forEach(function (wrap) { observer.observe(wrap); });
    } else {
      wraps.forEach(updateTable);
      window.addEventListener("resize", function () { wraps.forEach(updateTable); });
    }
  }
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      var text = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
      if (text && !window.confirm(text)) event.preventDefault();
    });
  }
  function start() {
    tables();
    confirmations();
    try {
      if (window.DKFDS && typeof window.DKFDS.init === "function") window.DKFDS.init();
      // The design system names the menu of navigation items that do not fit "Mere" (Danish);
      // the page gives the word in its own language.
      var nav = document.querySelector(".navigation-menu .nav[data-more-label]");
      var more = document.querySelector(".navigation-menu .more-button span");
      if (nav && more) more.textContent = nav.getAttribute("data-more-label");
    } catch (error) {
      // A component the page does not use may fail to start; the page works without it.
      if (window.console) window.console.warn(error);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
