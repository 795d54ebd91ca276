// A page that comes back with errors moves the focus to the error summary, so a screen reader
// reads the problems first (WCAG 3.3.1). A static file, so the Content-Security-Policy needs no
// 'unsafe-inline'.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
