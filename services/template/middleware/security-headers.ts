/**
 * Response hardening headers (koa-helmet). API responses are data, never documents, so their
 * Content-Security-Policy forbids everything; only the Swagger UI page gets what it needs to run.
 * The headers depend on the options alone, so koa-helmet runs once per policy at start and every
 * request replays what it did. Every response also denies the browser features no page of ours
 * uses (Permissions-Policy) and starts as `Cache-Control: no-store`: key material, plaintext and
 * tokens must never sit in a shared or browser cache, and only a route that serves a public
 * document (a JWKS, a stylesheet, the Swagger UI bundle) sets its own caching after this step.
 */
import type Koa from 'koa';
import helmet from 'koa-helmet';
import type { RequestState } from '../service.ts';

/** Where the template serves swagger-ui-dist (DESIGN "Two HTTPS listeners"). */
export const SWAGGER_UI_PREFIX = '/ui/swagger/';

/** RFC 6797 §6.1.1: two years, the preload list's expectation, covering every subdomain. */
const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** RFC 9111 §5.2.2.5: nothing of the response may be stored, by the browser or any cache between. */
export const NO_STORE = 'no-store';

/**
 * W3C Permissions Policy: features no page of ours needs, denied to the page and every frame. The
 * WebAuthn features keep their default (`self`), left for identity-idp's second factors.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer', 'autoplay', 'browsing-topics', 'camera', 'display-capture', 'encrypted-media', 'fullscreen', 'gamepad', 'geolocation', 'gyroscope',
  'hid', 'idle-detection', 'local-fonts', 'magnetometer', 'microphone', 'midi', 'payment', 'picture-in-picture',
  'screen-wake-lock', 'serial', 'usb', 'web-share', 'xr-spatial-tracking',
].map((feature) => `${feature}=()`).join(', ');

/** Nothing may load, frame, re-base or submit from an API response. */
const API_POLICY = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/**
 * swagger-ui-dist loads its bundle, initializer and stylesheet from our origin, sets inline style
 * attributes while rendering, shows data: URI icons and fetches `/openapi.json` and the API itself.
 * Its Authorize dialog posts to the issuer's token endpoint: the issuer's origin, and no other, may
 * be connected to. No inline script and no third-party origin is allowed, so an injected string
 * still cannot run.
 */
function swaggerUiPolicy(issuer: string): Record<string, string[]> {
  const issuerOrigin = URL.canParse(issuer) ? [new URL(issuer).origin] : [];
  return {
    ...API_POLICY,
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...issuerOrigin],
  };
}

type HelmetOptions = NonNullable<Parameters<typeof helmet>[0]>;

function options(directives: Record<string, string[]>): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  };
}

/** A header koa-helmet set (a value) or removed (`undefined`), in the order it did so. */
type HeaderChange = readonly [name: string, value: string | undefined];

/**
 * What koa-helmet does to a response under these options. Its header values are computed from the
 * options only (no directive here is a function of the request), and it sets them synchronously
 * before it continues. A test pins every header and value, so an upgrade that changes them shows.
 */
function recordHeaders(helmetOptions: HelmetOptions): readonly HeaderChange[] {
  const changes: HeaderChange[] = [];
  const res = {
    setHeader(name: string, value: string): void { changes.push([name, value]); },
    removeHeader(name: string): void { changes.push([name, undefined]); },
  };
  // koa-helmet reads only ctx.req and ctx.res; its promise settles after the headers are recorded.
  void helmet(helmetOptions)({ req: {}, res } as unknown as Koa.Context, () => Promise.resolve());
  changes.push(['Permissions-Policy', PERMISSIONS_POLICY], ['Cache-Control', NO_STORE]);
  return changes;
}

/** Applied to the Node response directly, as koa-helmet does. */
function replay(res: Koa.Context['res'], changes: readonly HeaderChange[]): void {
  for (const [name, value] of changes) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

/**
 * Sets the hardening headers before downstream runs, so error responses carry them too, and a
 * route's own Cache-Control (set later) replaces the default no-store. `issuer`
 * is `auth.issuer` (empty: none), whose origin the Swagger UI page may call for a token.
 */
export function securityHeaders(issuer = ''): Koa.Middleware<RequestState> {
  const apply = securityHeaderSetter(issuer);
  return async function securityHeadersStep(ctx, next) {
    apply(ctx);
    await next();
  };
}

/** What securityHeaders does to a request, as a plain call. */
export function securityHeaderSetter(issuer = ''): (ctx: Koa.ParameterizedContext<RequestState>) => void {
  const api = recordHeaders(options(API_POLICY));
  const swaggerUi = recordHeaders(options(swaggerUiPolicy(issuer)));
  return (ctx) => {
    replay(ctx.res, ctx.path.startsWith(SWAGGER_UI_PREFIX) ? swaggerUi : api);
  };
}
