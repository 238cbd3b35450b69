/**
 * Everything identity-idp serves outside its OpenAPI API, as one table: the pages of the login
 * flow, the stylesheet and the passkey script they load and the JWKS identity-authz verifies login results with. Any other
 * path goes on to the template's API router.
 */
import { readFile } from 'node:fs/promises';
import type { Middleware } from 'koa';
import type { RequestState } from '../../template/service.ts';
import type { SigningKeys } from '../../template/signing-keys/index.ts';
import { labelRoute } from '../../template/telemetry/route.ts';
import { STYLESHEET_PATH } from '../pages/layout.ts';
import { confirmTotp, regenerateRecoveryCodes, showTotp, turnOffTotp } from './account.ts';
import { changePassword, showPassword } from './password.ts';
import { endOtherSessions, endSession, showAccount, showSessions } from './self-service.ts';
import { showConsent, submitConsent } from './consent.ts';
import type { IdpPages, PageContext, PageHandler } from './context.ts';
import { showLogin, submitLogin } from './login.ts';
import { showLogout, submitLogout } from './logout.ts';
import { renderPageErrors } from './page-errors.ts';
import { showSecondFactor, submitSecondFactor } from './second-factor.ts';
import { submitPasskeyLogin } from './passkey-login.ts';
import { registerPasskey, removePasskey, showPasskeys } from './passkeys.ts';
import { PASSKEY_SCRIPT, PASSKEY_SCRIPT_PATH } from '../pages/passkey-script.ts';
import { PAGE_POLICY } from './page-policy.ts';

export { PAGE_POLICY, pagePolicy } from './page-policy.ts';

/** The pages, by `METHOD path`. */
const PAGES: Readonly<Partial<Record<string, PageHandler>>> = {
  'GET /login': showLogin,
  'POST /login': submitLogin,
  'GET /login/second-factor': showSecondFactor,
  'POST /login/second-factor': submitSecondFactor,
  'GET /consent': showConsent,
  'POST /consent': submitConsent,
  'GET /logout': showLogout,
  'POST /logout': submitLogout,
  'GET /account/totp': showTotp,
  'POST /account/totp': confirmTotp,
  'POST /account/recovery-codes': regenerateRecoveryCodes,
  'POST /account/totp/off': turnOffTotp,
  'GET /account': showAccount,
  'GET /account/password': showPassword,
  'POST /account/password': changePassword,
  'GET /account/sessions': showSessions,
  'POST /account/sessions/end': endSession,
  'POST /account/sessions/end-others': endOtherSessions,
  'POST /login/passkey': submitPasskeyLogin,
  'GET /account/passkeys': showPasskeys,
  'POST /account/passkeys': registerPasskey,
  'POST /account/passkeys/remove': removePasskey,
};

/** RFC 8414 / OIDC Discovery place keys under .well-known; identity-authz is told this URL. */
export const JWKS_PATH = '/.well-known/jwks.json';

export interface IdpRoutesOptions {
  readonly pages: IdpPages;
  readonly keys: Pick<SigningKeys, 'current'>;
}

const stylesheet = readFile(new URL('../../template/pages/pages.css', import.meta.url), 'utf8');

export function idpRoutes(options: IdpRoutesOptions): Middleware<RequestState> {
  const { pages } = options;
  return async function idpRoutesStep(ctx: PageContext, next) {
    const page = PAGES[`${ctx.method} ${ctx.path}`];
    if (page !== undefined) {
      labelRoute(ctx, ctx.path);
      ctx.set('Content-Security-Policy', PAGE_POLICY);
      // Fetch sends `Origin: null` on a form post from a no-referrer page; same-origin keeps our
      // origin on our own posts (the CSRF check reads it) and still sends nothing to other sites.
      ctx.set('Referrer-Policy', 'same-origin');
      // Pages carry per-browser tokens: never cache them (RFC 9111 §5.2.2.5).
      ctx.set('Cache-Control', 'no-store');
      await renderPageErrors(ctx, pages.log, () => page(ctx, pages));
      return;
    }
    if (ctx.method === 'GET' && ctx.path === JWKS_PATH) {
      labelRoute(ctx, JWKS_PATH);
      ctx.body = (await options.keys.current()).publicJwks;
      ctx.set('Cache-Control', 'public, max-age=300');
      return;
    }
    if (ctx.method === 'GET' && ctx.path === STYLESHEET_PATH) {
      labelRoute(ctx, STYLESHEET_PATH);
      ctx.type = 'text/css; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = await stylesheet;
      return;
    }
    if (ctx.method === 'GET' && ctx.path === PASSKEY_SCRIPT_PATH) {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = PASSKEY_SCRIPT;
      return;
    }
    await next();
  };
}
