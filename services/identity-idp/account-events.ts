/**
 * Account events: when an account is deleted, locked or given a new password, identity-idp tells
 * identity-authz, which revokes the account's grants, sessions and tokens at once. The message is
 * a compact JWS of type `account-event+jwt`, signed with the login-results key, valid 60 seconds,
 * addressed to identity-authz, with a fresh `jti` it accepts once. If identity-authz cannot be
 * reached or refuses, the change is not made (the caller answers 503 and rolls back).
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { ServiceUnavailableError } from '../template/errors/index.ts';
import { withDefaultCas } from '../template/tls/trust.ts';
import type { LoginResultSigner } from './login-result.ts';

export const ACCOUNT_EVENT_TYPE = 'account-event+jwt';
export const ACCOUNT_EVENTS = ['deleted', 'locked', 'password-changed'] as const;
export type AccountEvent = (typeof ACCOUNT_EVENTS)[number];

/** Delivers one signed event; resolves when identity-authz answered 2xx. */
export type DeliverEvent = (url: string, jws: string) => Promise<void>;

export interface AccountEventsOptions {
  readonly signer: Pick<LoginResultSigner, 'signMessage'>;
  /** identity-authz's issuer URL (`auth.issuer`): the audience and the base of the endpoint. */
  readonly authz: () => string;
  readonly deliver: DeliverEvent;
}

/** Posts `jws` as application/jwt over https, trusting `ca` beside the default roots. */
export function httpsDeliverer(ca: string, timeoutMs = 5_000): DeliverEvent {
  const cas = withDefaultCas(ca);
  return (url, jws) => new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers: { 'content-type': 'application/jwt' }, ca: cas, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      response.resume();
      const status = Number(response.statusCode);
      if (status >= 200 && status < 300) resolve();
      else reject(new Error(`POST ${url} answered ${String(status)}`));
    });
    outgoing.on('error', reject);
    outgoing.end(jws);
  });
}

export class AccountEvents {
  readonly #options: AccountEventsOptions;

  constructor(options: AccountEventsOptions) {
    this.#options = options;
  }

  /**
   * Signs the event now and returns its delivery, which throws 503 when identity-authz did not take
   * it. Sign before opening the transaction the delivery runs in: signing may write the key ring.
   */
  async prepare(account: string, event: AccountEvent): Promise<() => Promise<void>> {
    const authz = this.#options.authz().replace(/\/+$/, '');
    const jws = await this.#options.signer.signMessage({ aud: authz, jti: randomUUID(), sub: account, event }, ACCOUNT_EVENT_TYPE);
    return async () => {
      try {
        await this.#options.deliver(`${authz}/account-events`, jws);
      } catch {
        throw new ServiceUnavailableError('identity-authz could not be told to revoke the account\'s tokens; nothing was changed, try again');
      }
    };
  }
}
