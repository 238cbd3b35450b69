/**
 * CORS at the protocol endpoints. The library answers a preflight, and any request that fails
 * before the client is known, with the caller's Origin reflected. Only the discovery documents and
 * the JWKS are public to every origin; everywhere else an Access-Control-* header goes only to an
 * origin of `authz.corsOrigins` (the suite's Swagger UIs), so no other web page can read a token
 * response or an error from the token, introspection or revocation endpoints. Provider middleware.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/** The library's routes whose answers are public documents (and their preflights). */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['discovery', 'cors.discovery', 'jwks', 'cors.jwks']);

export function corsAllowlist(origins: readonly string[]) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const origin = ctx.get('Origin');
    const route = (ctx.oidc as KoaContextWithOIDC['oidc'] | undefined)?.route;
    if (origin === '' || origins.includes(origin) || PUBLIC_ROUTES.has(String(route))) return;
    for (const name of Object.keys(ctx.response.headers)) {
      if (name.toLowerCase().startsWith('access-control-')) ctx.remove(name);
    }
  };
}
