// Opportunity form: an "Add another session" button that copies the session row template, and the repeat rule's
// "Fill sessions" button sent in the background (the server applies the rule; this script only swaps the rows in).
// Without JavaScript the form already offers a few empty rows and "Fill sessions" posts the whole page.
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

  var rule = form.querySelector("#repeat-rule");
  var fill = form.querySelector("[data-fill-sessions]");
  var status = form.querySelector("[data-fill-status]");
  if (!rule || !fill || !status || !window.fetch || !window.FormData) {
    return;
  }

  function markInvalid(errors) {
    rule.querySelectorAll("[name^='repeat_']").forEach(function (input) {
      input.setAttribute("aria-invalid", errors && errors[input.name] ? "true" : "false");
    });
  }

  function show(message, isError) {
    status.textContent = message;
    status.classList.toggle("errors", Boolean(isError));
  }

  function request() {
    var body = new FormData(form);
    body.append("fill_sessions", "1");
    fill.disabled = true;
    fetch(rule.getAttribute("data-fill-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        var data = result.data;
        if (result.ok) {
          list.innerHTML = data.html;
          markInvalid(null);
          show(data.message, false);
          return;
        }
        var messages = [];
        Object.keys(data.errors || {}).forEach(function (name) {
          messages = messages.concat(data.errors[name]);
        });
        markInvalid(data.errors);
        show([data.message].concat(messages).join(" "), true);
      })
      .catch(function () {
        form.requestSubmit(fill); // the page's own way: post the form and get the filled page back
      })
      .finally(function () {
        fill.disabled = false;
      });
  }

  fill.addEventListener("click", function (event) {
    event.preventDefault();
    request();
  });
  rule.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT") {
      event.preventDefault(); // Enter in the rule fills the sessions instead of saving the form
      request();
    }
  });
})();
