/* The brand colour's preview on the general settings page: the header line, a button and a link
   in the colour being chosen, and its contrast with white text (WCAG 2.1 relative luminance, the
   same formula as tenancy/brand.py), so an admin sees a colour is too light before saving. The
   colour is set through the CSS object model, which the Content-Security-Policy allows. */
(function () {
  "use strict";
  var box = document.getElementById("brand-preview");
  if (!box) { return; }
  var input = document.getElementById(box.dataset.for);
  if (!input) { return; }
  var minimum = parseFloat(box.dataset.minimum);
  var out = box.querySelector(".brand-preview-contrast");
  var lang = document.documentElement.lang || "da";
  var fmt = new Intl.NumberFormat(lang === "nb" ? "nb-NO" : (lang === "en" ? "en-GB" : "da-DK"),
                                  {minimumFractionDigits: 1, maximumFractionDigits: 1});

  function channel(value) {
    var c = value / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  function luminance(hex) {
    var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function update() {
    var colour = (input.value || "").toLowerCase();
    if (!/^#[0-9a-f]{6}$/.test(colour)) { return; }
    var ratio = 1.05 / (luminance(colour) + 0.05);
    // Shown rounded down, as the server rounds it, so 4.48 never reads as "4.5: enough".
    var shown = Math.floor(ratio * 10) / 10;
    box.style.setProperty("--preview", colour);
    var low = ratio < minimum;
    box.classList.toggle("is-low", low);
    out.textContent = fill(low ? box.dataset.textLow : box.dataset.textOk,
                           {ratio: fmt.format(shown), minimum: fmt.format(minimum)});
  }
  box.hidden = false;
  input.addEventListener("input", update);
  input.addEventListener("change", update);
  update();
}());
