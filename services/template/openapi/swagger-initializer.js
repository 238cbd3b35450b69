// Starts Swagger UI on this service's document. A file of its own, because the public CSP allows
// `script-src 'self'` and no inline script.
globalThis.addEventListener('load', () => {
  const { SwaggerUIBundle, SwaggerUIStandalonePreset } = globalThis;
  globalThis.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
});
