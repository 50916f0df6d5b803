// Dashboard glue: the API key typed in the header is kept in sessionStorage (this tab only,
// never sent to the server except as the X-API-Key header of htmx requests), and error
// responses (400/403/404/409) are shown in the flash area instead of being silently dropped.
// Every behaviour of the pages is wired here: the Content-Security-Policy (web/security.py)
// allows no inline script, on* handler or style attribute.
(function () {
  "use strict";
  var STORE = "scalp-radar-api-key";

  function flash(text, isError) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = text;
    box.className = "flash" + (isError ? " error" : "");
    box.hidden = !text;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("api-key");
    if (input) {
      input.value = sessionStorage.getItem(STORE) || "";
      input.addEventListener("input", function () {
        sessionStorage.setItem(STORE, input.value);
      });
    }
    var form = document.getElementById("api-key-form");
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  // <select data-autosubmit> submits its form on change (no inline handler: the CSP forbids them)
  document.addEventListener("change", function (e) {
    var target = e.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  // A tap (a click) on a glossary term or a chart mark shows its title in the #tip bar: phones
  // have no hover, and a title is the only place those texts live. Any other tap hides it.
  function tipText(target) {
    if (!target || !target.closest) return "";
    var term = target.closest("abbr.term");
    if (term) return term.textContent + ": " + (term.getAttribute("title") || "");
    var mark = target.closest("svg.chart *");
    var title = mark && mark.querySelector(":scope > title");
    return title ? title.textContent : "";
  }

  document.addEventListener("click", function (e) {
    var tip = document.getElementById("tip");
    if (!tip) return;
    var text = tipText(e.target);
    tip.textContent = text;
    tip.hidden = !text;
  });

  document.addEventListener("htmx:configRequest", function (e) {
    var key = sessionStorage.getItem(STORE);
    if (key) e.detail.headers["X-API-Key"] = key;
    // the header's key field is not a parameter of any request
    delete e.detail.parameters["api-key"];
  });

  document.addEventListener("htmx:beforeRequest", function () { flash("", false); });

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    flash(xhr.status + ": " + (xhr.responseText || xhr.statusText), true);
  });

  document.addEventListener("htmx:sendError", function () {
    flash("the server did not answer: is `scalp-radar serve` still running?", true);
  });
})();
