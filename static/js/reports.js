/*
 * The dashboard's "Copy" buttons: each copies the plain text of its press-release paragraph.
 *
 * Progressive enhancement: the buttons are hidden until this script runs (without it the paragraph is selected
 * and copied by hand); the result is announced in the status element beside each button.
 */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (development): a hidden textarea and the older copy command.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand && document.execCommand("copy");
      document.body.removeChild(area);
      if (done) {
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function attach(button) {
    var target = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status='" + button.dataset.copy + "']");
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.innerText.replace(/\s+/g, " ").trim();
      copyText(text).then(
        function () {
          if (status) {
            status.textContent = button.dataset.copied || "Copied.";
          }
        },
        function () {
          window.getSelection().selectAllChildren(target);
        }
      );
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), attach);
  });
})();
