// Opportunity form: an "Add another session" button that copies the session row template.
// Without JavaScript the form already offers a few empty rows, so this is only a convenience.
(function () {
  "use strict";

  var form = document.getElementById("opportunity-form");
  if (!form) {
    return;
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  var list = form.querySelector("[data-session-list]");
  var template = document.getElementById("session-row-template");
  var button = form.querySelector("[data-add-session]");
  if (!list || !template || !button) {
    return;
  }

  function nextIndex() {
    var highest = -1;
    list.querySelectorAll("[name^='sessions-']").forEach(function (input) {
      var match = /^sessions-(\d+)-/.exec(input.name);
      if (match) {
        highest = Math.max(highest, parseInt(match[1], 10));
      }
    });
    return highest + 1;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    var index = nextIndex();
    var number = list.querySelectorAll("[data-session-row]").length + 1;
    var html = template.innerHTML.split("__index__").join(String(index)).split("__number__").join(String(number));
    list.insertAdjacentHTML("beforeend", html);
    var rows = list.querySelectorAll("[data-session-row]");
    var added = rows[rows.length - 1];
    var first = added.querySelector("input:not([type=hidden])");
    if (first) {
      first.focus();
    }
  });
})();
