/* Running total on the voting page: cost of the chosen projects against the budget, or points
   given against the points to distribute. Only a help: the server checks every limit again. */
(function () {
  "use strict";
  var form = document.querySelector("form.pb-ballot");
  if (!form) { return; }
  var out = document.getElementById("pb-total");
  var kind = form.dataset.kind;
  var budget = parseInt(form.dataset.budget || "0", 10);
  var max = parseInt(form.dataset.max || "0", 10);
  var points = parseInt(form.dataset.points || "0", 10);
  var lang = document.documentElement.lang || "da";
  var fmt = new Intl.NumberFormat(lang === "nb" ? "nb-NO" : (lang === "en" ? "en-GB" : "da-DK"));
  var currency = out.dataset.currency;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }

  // Each project's cost sits on its row, so the design system's controls need no extra attributes.
  function cost(el) {
    return parseInt(el.closest("[data-cost]").dataset.cost, 10);
  }

  function update() {
    var n = 0, total = 0, given = 0, over = false;
    if (kind === "points") {
      form.querySelectorAll("input.pb-points").forEach(function (el) {
        var v = parseInt(el.value || "0", 10) || 0;
        if (v > 0) { n += 1; total += cost(el); given += v; }
      });
      over = points && given > points;
      out.textContent = fill(out.dataset.textPoints, {points: fmt.format(given), max: fmt.format(points)});
    } else {
      var selector = kind === "ranking" ? "input.pb-rank" : "input[type=checkbox][name=project]";
      form.querySelectorAll(selector).forEach(function (el) {
        var on = kind === "ranking" ? (el.value || "").trim() !== "" : el.checked;
        if (on) { n += 1; total += cost(el); }
      });
      over = (kind === "knapsack" && total > budget) || ((kind === "approval" || kind === "ranking") && max && n > max);
      out.textContent = fill(out.dataset.textCost, {
        n: fmt.format(n), total: fmt.format(total) + " " + currency, budget: fmt.format(budget) + " " + currency
      });
    }
    if (over) { out.textContent += " " + out.dataset.textOver; }
    out.classList.toggle("pb-over", !!over);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}());
