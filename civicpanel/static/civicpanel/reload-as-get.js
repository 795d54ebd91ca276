// A survey page drawn in answer to a page sent (the next page, the thanks) turns its history
// entry into a plain visit of the same address, so Reload opens the page again instead of
// asking to send the form once more. Without the script the browser asks, and sending again
// changes nothing (the page is saved once more).
(function () {
  "use strict";
  if (window.history && window.history.replaceState) window.history.replaceState(null, "", window.location.href);
})();
