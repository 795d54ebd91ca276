// A confirmation form (data-send-once) is sent once: after the first submit its button is
// disabled and says so, so a double click or an impatient second click sends nothing more.
// The server refuses a second sending with the same confirmation key anyway.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-send-once")) return;
    if (form.getAttribute("data-sent") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    // Disabled after the browser has read the form, so the values still go with it.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
  });
})();
