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
