// @ts-nocheck
// Starts Swagger UI on this service's document. A file of its own, because the public CSP allows
// `script-src 'self'` and no inline script.
//
// The issuer issues a JWT only for a named resource (RFC 8707). Swagger UI puts its
// `additionalQueryStringParams` in the token URL's query, which a token endpoint does not read, so
// the token request's form body gets `resource=` here, from the served document's OAuth 2 scheme.
const RESOURCE_EXTENSION = 'x-cryptoutil-resource';

function tokenResources(spec) {
  const resources = new Map();
  const schemes = spec?.components?.securitySchemes ?? {};
  for (const scheme of Object.values(schemes)) {
    const resource = scheme?.[RESOURCE_EXTENSION];
    for (const flow of Object.values(scheme?.flows ?? {})) {
      if (typeof resource === 'string' && typeof flow?.tokenUrl === 'string') resources.set(flow.tokenUrl, resource);
    }
  }
  return resources;
}

function withResource(request) {
  const spec = globalThis.ui?.specSelectors.specJson().toJS();
  const resource = tokenResources(spec).get(String(request.url).split('?')[0]);
  const form = typeof request.body === 'string' ? new globalThis.URLSearchParams(request.body) : undefined;
  if (resource !== undefined && form?.has('grant_type') === true && !form.has('resource')) {
    form.set('resource', resource);
    request.body = form.toString();
  }
  return request;
}

globalThis.addEventListener('load', () => {
  const { SwaggerUIBundle, SwaggerUIStandalonePreset } = globalThis;
  globalThis.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    requestInterceptor: withResource,
  });
});
