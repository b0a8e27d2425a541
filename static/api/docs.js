"use strict";

// Starts Swagger UI on /api/docs/. It lives in a static file because the Content-Security-Policy allows scripts
// from our own origin only, never inline; the page passes the schema's address and the CSRF token in data attributes.
(function () {
  const root = document.getElementById("swagger-ui");
  const csrfToken = root.dataset.csrfToken;
  const unsafeMethods = ["POST", "PUT", "PATCH", "DELETE"];

  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // Never send the schema to the public validator service.
    validatorUrl: null,
    // "Try it out" with a signed-in session: Django wants the CSRF token on every write.
    requestInterceptor: (request) => {
      if (unsafeMethods.includes((request.method || "GET").toUpperCase())) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
