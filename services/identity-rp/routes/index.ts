/**
 * Everything identity-rp serves, as one table (`METHOD path` → handler) plus the proxy prefix.
 * Any other path goes on to the template (and its 404).
 */
import type { Middleware } from 'koa';
import type { RequestState } from '../../template/service.ts';
import { backchannelLogout, BACKCHANNEL_LOGOUT_PATH } from './backchannel-logout.ts';
import { finishLogin } from './callback.ts';
import type { RpHandler, RpParts } from './context.ts';
import { bffCors } from './cors.ts';
import { showHome } from './home.ts';
import { startLogin } from './login.ts';
import { logout } from './logout.ts';
import { proxy, PROXY_PREFIX } from './proxy.ts';
import { showSession } from './session.ts';

export const CALLBACK_PATH = '/bff/callback';

const ENDPOINTS: Readonly<Partial<Record<string, RpHandler>>> = {
  'GET /': showHome,
  'GET /bff/login': startLogin,
  [`GET ${CALLBACK_PATH}`]: finishLogin,
  'GET /bff/session': showSession,
  'POST /bff/logout': logout,
  // Server to server, authenticated by the signed logout token: no cookie, no CSRF check.
  [`POST ${BACKCHANNEL_LOGOUT_PATH}`]: backchannelLogout,
};

export function rpRoutes(rp: RpParts): Middleware<RequestState> {
  const cors = bffCors(rp.consoleOrigins);
  return async function rpRoutesStep(ctx, next) {
    await cors(ctx, async () => {
      const endpoint = ENDPOINTS[`${ctx.method} ${ctx.path}`] ?? (ctx.path.startsWith(PROXY_PREFIX) ? proxy : undefined);
      if (endpoint === undefined) {
        await next();
        return;
      }
      await endpoint(ctx, rp);
    });
  };
}
