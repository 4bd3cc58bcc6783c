// Support activity form: when the LEA changes, list that LEA's schools and contacts without a reload.
// The form works without this script (the "Show this LEA's schools and contacts" button does the same).
(function () {
  "use strict";
  var form = document.getElementById("support-form");
  if (!form) return;
  var lea = form.querySelector("select[name=lea]");
  var button = document.getElementById("load-lea");
  var url = form.getAttribute("data-options-url");
  if (!lea || !url || !window.fetch) return;
  if (button) button.hidden = true;

  function rebuild(boxId, items) {
    var box = document.getElementById(boxId);
    if (!box) return;
    var name = box.getAttribute("data-name");
    var checked = {};
    box.querySelectorAll("input:checked").forEach(function (input) { checked[input.value] = true; });
    box.textContent = "";
    if (!items.length) {
      var p = document.createElement("p");
      p.className = "hint empty-note";
      p.textContent = box.getAttribute("data-empty") || "—";
      box.appendChild(p);
      return;
    }
    var ul = document.createElement("ul");
    ul.className = "choice-list";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.name = name;
      input.value = String(item.id);
      input.id = name + "-" + i;
      input.checked = !!checked[input.value];
      var label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = item.label;
      li.appendChild(input);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(label);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  lea.addEventListener("change", function () {
    var id = lea.value;
    if (!id) { rebuild("schools-box", []); rebuild("contacts-box", []); return; }
    fetch(url + "?lea=" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        rebuild("schools-box", data.schools || []);
        rebuild("contacts-box", data.contacts || []);
      })
      .catch(function () { if (button) button.hidden = false; });
  });
})();
