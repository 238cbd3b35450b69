/**
 * POST /account-events: identity-idp tells us that an account was deleted, locked or given a new
 * password, and we revoke at once what the account holds (revocation.ts). The body is one compact
 * JWS of type `account-event+jwt`, checked exactly like a login result: signed by identity-idp's
 * published keys, from identity-idp, addressed to us, at most 60 s old, and accepted only once.
 */
import type { Middleware } from 'koa';
import { BadRequestError } from '../template/errors/index.ts';
import type { RequestState } from '../template/service.ts';
import { ACCOUNT_EVENT_TYPE, ACCOUNT_EVENTS } from '../identity-idp/account-events.ts';
import { insertOnce, UsedLoginResult } from './entities.ts';
import type { AuthzHost } from './host.ts';
import { verifyIdpMessage, type LoginOptions } from './login.ts';
import { revokeSubject } from './revocation.ts';
import { logoutClientsOf, logoutSessions } from './backchannel-logout.ts';

export const ACCOUNT_EVENTS_PATH = '/account-events';

/** An event older than this is refused even if its `exp` says otherwise. */
const EVENT_MAX_AGE_SECONDS = 60;

/** The verified event: which account, and its `jti` and expiry for single use. */
export async function verifyAccountEvent(token: string, options: LoginOptions): Promise<{ account: string; jti: string; expiresAt: Date }> {
  const payload = await verifyIdpMessage(token, { what: 'account event', type: ACCOUNT_EVENT_TYPE, maxAgeSeconds: EVENT_MAX_AGE_SECONDS, claims: ['event'] }, options);
  if (!(ACCOUNT_EVENTS as readonly unknown[]).includes(payload.event)) throw new BadRequestError('unknown account event');
  return { account: String(payload.sub), jti: String(payload.jti), expiresAt: new Date(Number(payload.exp) * 1000) };
}

/** The route; answers 204 once the account's grants, sessions and tokens are revoked. */
export function accountEventRoutes(host: AuthzHost): Middleware<RequestState> {
  return async function accountEvents(ctx, next) {
    if (ctx.path !== ACCOUNT_EVENTS_PATH || ctx.method !== 'POST') {
      await next();
      return;
    }
    const { body } = ctx.state;
    if (!Buffer.isBuffer(body)) throw new BadRequestError('send the account event as application/jwt');
    const built = await host.provider();
    const event = await verifyAccountEvent(body.toString('utf8').trim(), built.login);
    const em = host.fork();
    // The jti namespace is shared with login results: both are identity-idp's random UUIDs.
    if (!await insertOnce(em, UsedLoginResult, { jti: event.jti, expiresAt: event.expiresAt })) throw new BadRequestError('this account event has already been used');
    // The sessions are read before they go: their clients with a logout URI are told (Back-Channel Logout 1.0).
    const sessions = await host.storage.sessionsOf(event.account);
    await revokeSubject(em, host.storage, 'account', event.account, new Date());
    await logoutSessions(logoutClientsOf(built.provider), sessions, host.logoutFailure);
    ctx.status = 204;
  };
}
