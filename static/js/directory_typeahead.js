/*
 * Type-ahead for the LEA and school fields of the registration form (and of each row of a multi-row form,
 * such as the paper walk-ins: a school looks in the LEA of its own [data-typeahead-group]).
 *
 * Progressive enhancement: without this script the fields are plain text inputs that accept a name or a
 * CD/CDS code, and the server resolves them. With it, suggestions come from the public directory API
 * (GET /api/v1/leas?q= and /api/v1/schools?q=&lea=) into native <datalist> elements, which browsers and
 * screen readers already present as an accessible combobox. A chosen suggestion reads "Name (code)",
 * which the server understands.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var leasUrl = (script && script.dataset.leasUrl) || "/api/v1/leas";
  var schoolsUrl = (script && script.dataset.schoolsUrl) || "/api/v1/schools";
  var DELAY_MS = 200;
  var MIN_CHARS = 2;

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  function trailingCode(value, digits) {
    var text = (value || "").trim();
    var match = text.match(/\((\d+)\)\s*$/);
    var code = match ? match[1] : text;
    return new RegExp("^\\d{" + digits + "}$").test(code) ? code : "";
  }

  function announce(message) {
    var status = document.getElementById("typeahead-status");
    if (status) {
      status.textContent = message;
    }
  }

  // "1 suggestion" / "{n} suggestions", translated by the page.
  function count(n) {
    var status = document.getElementById("typeahead-status");
    var one = (status && status.dataset.one) || "1 suggestion";
    var many = (status && status.dataset.many) || "{n} suggestions";
    return n === 1 ? one : many.replace("{n}", String(n));
  }

  function fill(list, items, labelOf) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = labelOf(item);
      list.appendChild(option);
    });
  }

  function attach(input, list, buildUrl, labelOf) {
    var timer = null;
    var controller = null;
    var lastUrl = null;
    input.setAttribute("list", list.id);

    function search() {
      var q = input.value.trim();
      // A value that already ends in a code was picked from the list: nothing to look up.
      if (q.length < MIN_CHARS || /\(\d+\)\s*$/.test(q)) {
        return;
      }
      var url = buildUrl(q);
      if (url === lastUrl) {
        return;
      }
      lastUrl = url;
      if (controller) {
        controller.abort();
      }
      controller = typeof AbortController === "function" ? new AbortController() : null;
      fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (body) {
          var items = (body && body.items) || [];
          fill(list, items, labelOf);
          announce(count(items.length));
        })
        .catch(function () {
          /* offline or aborted: the field still accepts a typed name or code */
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });
  }

  function notListedToggle(form) {
    var box = form.querySelector("input[name$='not_listed']");
    var target = form.querySelector("[data-not-listed-target]");
    if (!box || !target) {
      return;
    }
    var organization = target.querySelector("input");
    function sync() {
      var keep = box.checked || (organization && organization.value) || target.querySelector(".errors");
      target.hidden = !keep;
    }
    box.addEventListener("change", function () {
      sync();
      if (box.checked && organization) {
        organization.focus();
      }
    });
    sync();
  }

  // The LEA input that narrows a school input: the one in the same [data-typeahead-group] (a row of a
  // multi-row form), else the page's first.
  function leaInputFor(schoolInput) {
    var group = schoolInput.closest("[data-typeahead-group]");
    return (group || document).querySelector("input[data-typeahead='lea']");
  }

  ready(function () {
    var leaInputs = document.querySelectorAll("input[data-typeahead='lea']");
    var schoolInputs = document.querySelectorAll("input[data-typeahead='school']");
    var leaList = document.getElementById("lea-options");
    var schoolList = document.getElementById("school-options");
    Array.prototype.forEach.call(leaList ? leaInputs : [], function (leaInput) {
      attach(
        leaInput,
        leaList,
        function (q) {
          return leasUrl + "?per_page=20&q=" + encodeURIComponent(q);
        },
        function (item) {
          return item.name + " (" + item.cd_code + ")";
        }
      );
    });
    Array.prototype.forEach.call(schoolList ? schoolInputs : [], function (schoolInput) {
      var leaInput = leaInputFor(schoolInput);
      attach(
        schoolInput,
        schoolList,
        function (q) {
          var url = schoolsUrl + "?per_page=20&q=" + encodeURIComponent(q);
          var lea = leaInput ? trailingCode(leaInput.value, 7) : "";
          return lea ? url + "&lea=" + lea : url;
        },
        function (item) {
          return item.name + " (" + item.cds_code + ")";
        }
      );
    });
    if (leaInputs.length) {
      notListedToggle(leaInputs[0].form);
    }
  });
})();
