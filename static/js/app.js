// Small behaviours shared by every page. No external requests: everything is served from /static/.
(function () {
  "use strict";
  // Confirm destructive or irreversible actions: <button data-confirm="确定撤出该材料？">
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Keep the CSRF token on HTMX requests even after the page swaps parts of itself.
  document.body && document.body.addEventListener("htmx:configRequest", function (event) {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { event.detail.headers["X-CSRFToken"] = input.value; }
  });
})();
