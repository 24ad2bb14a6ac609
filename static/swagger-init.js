// Starts the vendored Swagger UI on /api/docs: a file of its own, since the app's
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: false,
  });
})();
