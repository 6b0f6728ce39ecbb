// leadrun dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Show times in the browser's timezone; the title keeps the UTC time.
  var fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
  });
  function localize(root) {
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) { el.textContent = fmt.format(d); }
    });
  }

  // htmx requests carry the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (ev) {
    var token = document.body.getAttribute("data-csrf");
    if (token) { ev.detail.headers["X-CSRF-Token"] = token; }
  });
  document.addEventListener("htmx:load", function (ev) { localize(ev.target); });
  document.addEventListener("DOMContentLoaded", function () { localize(document); });
})();
