/**
 * GET and POST /logout. Signing out is a POST behind a confirmation form: a GET that logged out
 * could be triggered by any page embedding an image (OIDC RP-Initiated Logout §2 asks the OP to
 * confirm for the same reason).
 */
import { SESSION_COOKIE, readCookie, setCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import { readForm } from '../forms.ts';
import { logoutPage, signedOutPage } from '../pages/messages.ts';
import { sendPage, type PageHandler } from './context.ts';

export const showLogout: PageHandler = (ctx) => {
  sendPage(ctx, 200, logoutPage(csrfToken(ctx)));
  return Promise.resolve();
};

export const submitLogout: PageHandler = async (ctx, idp) => {
  checkCsrf(ctx, readForm(ctx), idp.ownOrigin());
  await idp.sessions.delete(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  setCookie(ctx, SESSION_COOKIE, '', { sameSite: 'Lax', maxAgeSeconds: 0 });
  sendPage(ctx, 200, signedOutPage());
};
