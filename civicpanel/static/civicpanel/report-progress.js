// The committee report page and the Excel file page: follow each file the worker is making and show its progress;
// when one is ready (or fails) reload the page so its download link appears.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".report-progress[data-status-url]");
  if (!boxes.length) { return; }
  function poll() {
    var pending = 0;
    var requests = Array.prototype.map.call(boxes, function (box) {
      return fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (!data.working) { window.location.reload(); return; }
          pending += 1;
          var bar = box.querySelector("progress");
          var step = box.querySelector("[aria-live]");
          if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
          if (step && step.textContent !== data.step) { step.textContent = data.step; }
        })
        .catch(function () { pending += 1; });
    });
    Promise.all(requests).then(function () { if (pending) { window.setTimeout(poll, 2000); } });
  }
  window.setTimeout(poll, 1500);
})();
