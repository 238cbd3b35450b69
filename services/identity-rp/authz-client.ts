/**
 * identity-rp's client at identity-authz, through openid-client (an OpenID Certified relying-party
 * library): discovery once, then PAR, the code grant, refresh and the end-session URL. Discovery
 * is retried on the next request when it fails, so the rp can start before the authz.
 */
import * as oidc from 'openid-client';
import type { CustomFetch } from 'openid-client';
import { BadRequestError, ServiceUnavailableError, type ProblemError } from '../template/errors/index.ts';

export interface AuthzClientOptions {
  readonly issuer: () => string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch: CustomFetch;
}

export class AuthzClient {
  readonly #options: AuthzClientOptions;
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(options: AuthzClientOptions) {
    this.#options = options;
  }

  /** The discovered configuration; a failed discovery is forgotten so the next call tries again. */
  configuration(): Promise<oidc.Configuration> {
    if (this.#configuration === undefined) {
      const { issuer, clientId, clientSecret, fetch } = this.#options;
      const discovering = oidc.discovery(new URL(issuer()), clientId, undefined, oidc.ClientSecretBasic(clientSecret), { [oidc.customFetch]: fetch })
        .then((configuration) => {
          configuration[oidc.customFetch] = fetch;
          return configuration;
        });
      discovering.catch(() => { this.#configuration = undefined; });
      this.#configuration = discovering;
    }
    return this.#configuration;
  }
}

/**
 * A refused grant, a bad response or a failed check, as opposed to an unreachable server:
 * openid-client wraps transport failures in a ClientError without a code.
 */
export function isProtocolFailure(error: unknown): boolean {
  if (error instanceof oidc.ClientError) return error.code !== undefined;
  return error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError || error instanceof oidc.WWWAuthenticateChallengeError;
}

/**
 * What a browser is told when a sign-in cannot finish: a refused or invalid response is the
 * browser's to retry (400); anything else means identity-authz could not be reached (503).
 */
export function signInFailure(error: unknown): ProblemError {
  return isProtocolFailure(error)
    ? new BadRequestError('the sign-in was refused or its response is invalid; start again at /bff/login')
    : new ServiceUnavailableError('identity-authz cannot finish the sign-in now; try again later', 5);
}
