/**
 * Verifies the login request identity-authz sends with the browser (`login_challenge`): a compact
 * JWS (RFC 7515) of type `login-request+jwt` (RFC 8725 §3.11 explicit typing), signed with a key of
 * the authz's JWKS found through its discovery document, for this idp's URL, short-lived.
 */
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { BadRequestError, ServiceUnavailableError } from '../template/errors/index.ts';
import { discoveredJwksUri } from '../template/auth/discovery.ts';
import type { FetchJson } from '../template/auth/https-json.ts';
import { IssuerKeys } from '../template/auth/issuer-keys.ts';
import { isAcr, type Acr } from './acr.ts';

export const LOGIN_REQUEST_TYPE = 'login-request+jwt';

/** The contract caps a request's life at ten minutes: long enough to type a password, short enough to be stale soon. */
export const MAX_REQUEST_LIFETIME_SECONDS = 600;

export type Prompt = 'login' | 'consent';

/** A verified login request. */
export interface LoginRequest {
  /** The compact JWS itself, carried on through the forms. */
  readonly challenge: string;
  /** `jti`: the authz's interaction id, echoed as the result's `challenge`. */
  readonly id: string;
  readonly issuer: string;
  readonly issuedAt: number;
  readonly clientId: string;
  /** What the pages call the client: `client_name`, else `client_id`. */
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly prompt: readonly Prompt[];
  readonly returnTo: string;
  /** CSP sources of the client's registered redirect URIs (`redirect_origins`), where consent ends up. */
  readonly redirectOrigins: readonly string[];
  readonly loginHint?: string;
  /** OIDC Core §3.1.2.1 max_age, in seconds. */
  readonly maxAge?: number;
  /** The level identity-authz requires (acr.ts: the client's policy, `acr_values`); absent means any. */
  readonly acr?: Acr;
}

export interface LoginRequestVerifierOptions {
  /** identity-authz's issuer identifier (`auth.issuer`). */
  readonly issuer: string;
  /** This idp's public URL, the expected `aud`; known only once the listener is bound. */
  readonly audience: () => string;
  readonly fetchJson: FetchJson;
  readonly clockSkewSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

/** What the authz may sign with (its JWKS holds one of these). */
const ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];

function invalid(detail: string): BadRequestError {
  return new BadRequestError(`the login request is not valid: ${detail}; start again from the application`);
}

function optionalString(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

function requiredString(payload: JWTPayload, name: string): string {
  const value = optionalString(payload, name);
  if (value === undefined || value === '') throw invalid(`${name} is missing`);
  return value;
}

function promptOf(payload: JWTPayload): Prompt[] {
  const { prompt } = payload;
  if (prompt === undefined) return [];
  if (!Array.isArray(prompt) || !prompt.every((item) => item === 'login' || item === 'consent')) {
    throw invalid('prompt must list login and/or consent');
  }
  return prompt as Prompt[];
}

/** The result goes back only to the authz: an https URL inside the issuer's own URL space. */
function returnToOf(payload: JWTPayload, issuer: string): string {
  const returnTo = requiredString(payload, 'return_to');
  const base = issuer.endsWith('/') ? issuer : `${issuer}/`;
  if (!URL.canParse(returnTo) || new URL(returnTo).protocol !== 'https:' || !(returnTo === issuer || returnTo.startsWith(base))) {
    throw invalid('return_to must be an https URL of the issuer');
  }
  return returnTo;
}

/** An origin (`https://host:port`) or a bare scheme (`com.example.app:`), nothing that could end a CSP directive. */
const CSP_SOURCE = /^[a-z][a-z0-9+.-]*:(\/\/[a-z0-9.-]+(:\d{1,5})?|\/\/\[[0-9a-f:.]+\](:\d{1,5})?)?$/i;

/** Bare schemes that would allow far more than one client: a whole web, or content of any origin. */
const WIDE_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'data:', 'blob:', 'javascript:', 'filesystem:']);

function cspSource(item: unknown): boolean {
  return typeof item === 'string' && CSP_SOURCE.test(item) && !WIDE_SCHEMES.has(item.toLowerCase());
}

function redirectOriginsOf(payload: JWTPayload): string[] {
  const origins = payload.redirect_origins;
  if (origins === undefined) return [];
  if (!Array.isArray(origins) || !origins.every(cspSource)) {
    throw invalid('redirect_origins must list origins or schemes');
  }
  return origins as string[];
}

function maxAgeOf(payload: JWTPayload): number | undefined {
  const maxAge = payload.max_age;
  if (maxAge === undefined) return undefined;
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0) throw invalid('max_age must be a whole number of seconds');
  return maxAge;
}

function acrOfRequest(payload: JWTPayload): Acr | undefined {
  const { acr } = payload;
  if (acr === undefined) return undefined;
  if (!isAcr(acr)) throw invalid('acr must be one of the suite\'s authentication context classes');
  return acr;
}

export class LoginRequestVerifier {
  readonly #options: LoginRequestVerifierOptions;
  readonly #keys: IssuerKeys;
  readonly #now: () => number;

  constructor(options: LoginRequestVerifierOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#keys = new IssuerKeys({
      jwksUri: discoveredJwksUri(options.issuer, options.fetchJson),
      fetchJson: options.fetchJson,
      now: this.#now,
      refreshCooldownMs: 30_000,
      maxAgeMs: 600_000,
    });
  }

  /** The verified request; BadRequestError when it is not one, 503 when the authz's keys are out of reach. */
  async verify(challenge: string | null | undefined): Promise<LoginRequest> {
    if (this.#options.issuer === '') throw new ServiceUnavailableError('auth.issuer is not configured: identity-idp does not know its authorization server');
    if (challenge === null || challenge === undefined || challenge === '') throw invalid('login_challenge is missing');
    const payload = await this.#verifySignature(challenge);
    const { jti, iat, exp } = payload;
    if (typeof jti !== 'string' || jti === '' || iat === undefined || exp === undefined) throw invalid('jti, iat and exp are required');
    if (exp - iat > MAX_REQUEST_LIFETIME_SECONDS) throw invalid('it lives longer than ten minutes');
    const clientId = requiredString(payload, 'client_id');
    const loginHint = optionalString(payload, 'login_hint');
    const maxAge = maxAgeOf(payload);
    const acr = acrOfRequest(payload);
    return {
      challenge,
      id: jti,
      issuer: this.#options.issuer,
      issuedAt: iat,
      clientId,
      clientName: optionalString(payload, 'client_name') ?? clientId,
      scopes: (optionalString(payload, 'scope') ?? '').split(' ').filter((scope) => scope !== ''),
      prompt: promptOf(payload),
      returnTo: returnToOf(payload, this.#options.issuer),
      redirectOrigins: redirectOriginsOf(payload),
      ...(loginHint === undefined ? {} : { loginHint }),
      ...(maxAge === undefined ? {} : { maxAge }),
      ...(acr === undefined ? {} : { acr }),
    };
  }

  async #verifySignature(challenge: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(challenge, this.#keys.resolve, {
        issuer: this.#options.issuer,
        audience: this.#options.audience(),
        typ: LOGIN_REQUEST_TYPE,
        algorithms: ALGORITHMS,
        clockTolerance: this.#options.clockSkewSeconds,
        currentDate: new Date(this.#now()),
        requiredClaims: ['jti', 'iat', 'exp'],
      });
      return payload;
    } catch (error) {
      // jose names what is wrong with the token; anything else is the key fetch failing.
      if (error instanceof errors.JOSEError) throw invalid(error.code === 'ERR_JWT_EXPIRED' ? 'it has expired' : 'its signature or claims do not check out');
      throw new ServiceUnavailableError('the authorization server\'s keys cannot be fetched right now; try again shortly', 5);
    }
  }
}
