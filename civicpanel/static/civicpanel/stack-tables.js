// A data table too wide for the screen (a phone, a narrow window) is shown row by row: each
// row a small block, each figure with its column heading beside it, instead of a table that
// must be scrolled sideways. Tables that fit stay tables. The ARIA roles keep the table's
// meaning for screen readers when CSS shows it as blocks; without JavaScript the table
// scrolls inside its .table-wrap as before.
(function () {
  "use strict";
  var widths = new WeakMap();
  function label(table) {
    var heads = table.querySelectorAll("thead th");
    // A heading's visible words: a sort heading's hidden "(sort)" is for its link, not for each cell.
    var names = Array.prototype.map.call(heads, function (th) {
      var copy = th.cloneNode(true);
      copy.querySelectorAll(".sr-only").forEach(function (hidden) { hidden.remove(); });
      return copy.textContent.trim();
    });
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
    table.querySelectorAll("tr").forEach(function (row) {
      row.setAttribute("role", "row");
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (cell.tagName === "TH") {
          cell.setAttribute("role", cell.getAttribute("scope") === "row" ? "rowheader" : "columnheader");
        } else {
          cell.setAttribute("role", "cell");
        }
        if (cell.tagName === "TD" && names[i]) cell.setAttribute("data-label", names[i]);
      });
    });
  }
  function fit(wrap) {
    var width = wrap.clientWidth;
    if (widths.get(wrap) === width) return;
    widths.set(wrap, width);
    wrap.classList.remove("stacked");
    var table = wrap.querySelector("table");
    if (table && table.scrollWidth > wrap.clientWidth + 1) wrap.classList.add("stacked");
  }
  function start() {
    var wraps = document.querySelectorAll(".stackable .table-wrap, .table-wrap.stackable");
    wraps.forEach(function (wrap) {
      var table = wrap.querySelector("table");
      if (table && table.querySelector("thead")) label(table);
      fit(wrap);
    });
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { fit(entry.target); });
      });
      wraps.forEach(function (wrap) { observer.observe(wrap); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
