/**
 * `POST /bff/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0 §2.5–2.8): identity-authz
 * tells this rp, server to server, that a user's session there ended. No cookie and no CSRF token:
 * the caller is not a browser, and the signed logout token is the whole authentication. A valid
 * token not seen before ends the sessions it names; the answer is 200, or 400 with an OAuth-style
 * error for a bad or replayed token. The token is never logged.
 */
import { ServiceUnavailableError } from '../../template/errors/index.ts';
import { errorClass } from '../../template/middleware/problem-details.ts';
import { InvalidLogoutToken, verifyLogoutToken, type LogoutRequest } from '../logout-tokens.ts';
import type { RpContext, RpHandler } from './context.ts';

export const BACKCHANNEL_LOGOUT_PATH = '/bff/backchannel-logout';

function refuse(ctx: RpContext, description: string): void {
  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'invalid_request', error_description: description };
}

/** The `logout_token` of a form body; undefined when the request is not such a form. */
function logoutTokenOf(ctx: RpContext): string | undefined {
  const { body } = ctx.state;
  if (ctx.is('application/x-www-form-urlencoded') === false || !Buffer.isBuffer(body)) return undefined;
  const fields = new URLSearchParams(body.toString('utf8'));
  const tokens = fields.getAll('logout_token');
  return tokens.length === 1 ? tokens[0] : undefined;
}

export const backchannelLogout: RpHandler = async (ctx, rp) => {
  const token = logoutTokenOf(ctx);
  if (token === undefined) {
    refuse(ctx, 'send one logout_token as application/x-www-form-urlencoded');
    return;
  }
  let request: LogoutRequest;
  try {
    request = await verifyLogoutToken(token, await rp.logoutTokenOptions());
  } catch (error) {
    if (!(error instanceof InvalidLogoutToken)) {
      // identity-authz's metadata or keys could not be had: the sender may try again later.
      rp.log.warn({ error: errorClass(error) }, 'a logout token could not be checked');
      throw new ServiceUnavailableError('identity-authz\'s keys cannot be read now; try again later', 5);
    }
    rp.log.info({ code: error.code, reason: error.message }, 'a logout token was refused');
    refuse(ctx, `invalid logout token: ${error.message}`);
    return;
  }
  // One transaction: a token is spent only if its sessions end, so a failed delete can be resent.
  const ended = await ctx.state.em.transactional(async (em) => {
    if (!await rp.store.spendLogoutToken(em, request.replayKey, request.acceptableUntil)) return undefined;
    return rp.store.endSessions(em, request);
  });
  if (ended === undefined) {
    rp.log.info('a logout token was replayed');
    refuse(ctx, 'this logout token has already been used');
    return;
  }
  rp.log.info({ ended }, 'back-channel logout ended sessions');
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 200;
  ctx.body = '';
};
