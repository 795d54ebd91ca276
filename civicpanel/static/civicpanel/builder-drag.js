// Progressive enhancement of the survey builder: drag a question onto another (or onto a page's
// list) to move it there. Without the script the move buttons do the same by keyboard or mouse.
// A static file (not an inline block) so the page's Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!csrf || !("draggable" in document.createElement("li"))) return;
  var dragged = null;
  document.querySelectorAll(".builder-question").forEach(function (item) {
    item.draggable = true;
    item.addEventListener("dragstart", function (event) { dragged = item; event.dataTransfer.effectAllowed = "move"; });
  });
  document.querySelectorAll(".builder-questions").forEach(function (list) {
    list.addEventListener("dragover", function (event) { if (dragged) event.preventDefault(); });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged) return;
      var items = Array.prototype.filter.call(list.querySelectorAll(".builder-question"), function (i) { return i !== dragged; });
      var target = event.target.closest(".builder-question");
      var index = target && target !== dragged ? items.indexOf(target) : items.length;
      var form = document.createElement("form");
      form.method = "post";
      form.action = dragged.dataset.placeUrl;
      [["csrfmiddlewaretoken", csrf.value], ["page", list.dataset.page], ["index", String(index)]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
    });
  });
})();
