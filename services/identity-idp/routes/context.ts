/**
 * What every page handler shares: the verifier of login requests, the result signer, sessions,
 * lockout, throttle and second factors, plus the small helpers for answering with a page or a
 * redirect. Built once by `index.ts`; handlers receive it beside the Koa context.
 */
import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { HashAdmission, HashService } from '../../template/hash/index.ts';
import type { RequestState } from '../../template/service.ts';
import type { AccountEvents } from '../account-events.ts';
import type { Lockout } from '../lockout.ts';
import type { LoginRequest, LoginRequestVerifier } from '../login-request.ts';
import type { LoginResultSigner } from '../login-result.ts';
import type { Passkeys } from '../passkeys.ts';
import type { MfaPolicy } from '../mfa-policy.ts';
import type { PendingLogins } from '../pending-logins.ts';
import type { RecoveryCodes } from '../recovery-codes.ts';
import type { SecondFactor } from '../second-factors.ts';
import type { TotpAuthenticators } from '../totp.ts';
import type { SessionStore } from '../sessions.ts';
import type { FailureThrottle } from '../throttle.ts';
import type { IdpSession } from '../entities.ts';
import type { Html } from '../../template/pages/html.ts';

export type PageContext = ParameterizedContext<RequestState>;

export interface IdpPages {
  readonly verifier: LoginRequestVerifier;
  readonly signer: LoginResultSigner;
  readonly sessions: SessionStore;
  readonly lockout: Lockout;
  readonly throttle: FailureThrottle;
  readonly hash: HashService;
  readonly factors: readonly SecondFactor[];
  /** `idp.mfa`: who needs a second factor whatever the client asks. */
  readonly mfa: MfaPolicy;
  readonly pendingLogins: PendingLogins;
  readonly totp: TotpAuthenticators;
  readonly recoveryCodes: RecoveryCodes;
  readonly passkeys: Passkeys;
  /** Tells identity-authz of a password change made on the account pages. */
  readonly events: Pick<AccountEvents, 'prepare'>;
  /** A hash to verify against when the username is unknown, so that costs what a wrong password costs. */
  readonly decoyHash: (admission?: HashAdmission) => Promise<string>;
  /** This idp's origin, the only one its forms may be posted from. */
  readonly ownOrigin: () => string;
  readonly now: () => Date;
  readonly log: Logger;
}

/** A page handler: answers with a page or a redirect, or throws a ProblemError shown as a page. */
export type PageHandler = (ctx: PageContext, idp: IdpPages) => Promise<void>;

export function sendPage(ctx: PageContext, status: number, page: Html): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page.text;
}

/** RFC 9110 §15.4.4: 303 makes the browser follow with a GET, whatever it posted. */
export function seeOther(ctx: PageContext, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

/** A query parameter given once, as a string; repeated or absent gives undefined. */
export function queryValue(ctx: PageContext, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : undefined;
}

export function loginUrl(request: LoginRequest): string {
  return `/login?login_challenge=${encodeURIComponent(request.challenge)}`;
}

export function secondFactorUrl(request: LoginRequest): string {
  return `/login/second-factor?login_challenge=${encodeURIComponent(request.challenge)}`;
}

export function consentUrl(request: LoginRequest): string {
  return `/consent?login_challenge=${encodeURIComponent(request.challenge)}`;
}

/**
 * Whether an existing session may consent to this request (OIDC Core §3.1.2.1): `prompt=login`
 * needs a login made after the request was issued, `max_age` a recent enough one.
 */
export function sessionSatisfies(request: LoginRequest, session: IdpSession, now: Date): boolean {
  const authTimeMs = session.authTime.getTime();
  if (request.prompt.includes('login') && authTimeMs < request.issuedAt * 1000) return false;
  return request.maxAge === undefined || Math.floor((now.getTime() - authTimeMs) / 1000) <= request.maxAge;
}
