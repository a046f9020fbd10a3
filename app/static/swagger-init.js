// Starts Swagger UI on /docs. A file, not an inline script, so the page's CSP can forbid inline
// script; the spec URL comes from a data attribute the template fills in.
"use strict";
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({ url: container.dataset.specUrl, dom_id: "#swagger-ui-container" });
});
