// The browsable API reference: Swagger UI (vendored from npm) reading /api/v1/openapi.json.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({ url: node.getAttribute("data-spec-url"), dom_id: "#swagger-ui", deepLinking: false });
}());
