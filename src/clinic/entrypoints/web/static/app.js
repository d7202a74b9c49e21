// Chairside: the little JavaScript the pages need. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // "Show password": one field, the typed text visible on request.
    document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-toggle-password"));
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
        button.textContent = button.getAttribute(show ? "data-label-hide" : "data-label-show");
        button.setAttribute("aria-label", button.getAttribute(show ? "data-aria-hide" : "data-aria-show"));
      });
    });

    // The clinic's time zone, as the browser knows it.
    document.querySelectorAll("[data-timezone]").forEach(function (input) {
      if (!input.value) {
        try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep default */ }
      }
    });

    // After a failed submit, take the person to the first field to fix.
    var firstError = document.querySelector('[aria-invalid="true"]');
    var summary = document.querySelector("[data-error-summary]");
    if (firstError) { firstError.focus(); firstError.scrollIntoView({ block: "center" }); }
    else if (summary) { summary.focus(); }
  });
})();
