/**
 * Signs the login result the browser carries back to identity-authz: a compact JWS of type
 * `login-result+jwt` (RFC 8725 §3.11), valid for 60 seconds, with a fresh `jti` the authz uses to
 * refuse a replay. The key is the active one of the 'login-results' ring; the `kid` header lets
 * the authz pick it from `/.well-known/jwks.json` across rotations.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { LoginRequest } from './login-request.ts';

export const LOGIN_RESULT_TYPE = 'login-result+jwt';

/** Long enough for one redirect, short enough that a leaked URL is soon useless. */
export const RESULT_LIFETIME_SECONDS = 60;

/** The part of the signing-key ring this module needs (services/template/signing-keys). */
export interface ResultKeys {
  current(): Promise<{ readonly privateJwks: readonly JWK[] }>;
}

/** Who logged in and what they decided. */
export interface LoginOutcome {
  readonly subject: string;
  /** Seconds since the epoch when the password was checked. */
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly username: string;
  readonly email: string;
  /**
   * The granted scopes, 'denied' when the user refused consent, 'unmet' when the login cannot reach
   * the level it must (OIDC Core §3.1.2.6 unmet_authentication_requirements).
   */
  readonly decision: readonly string[] | 'denied' | 'unmet';
}

export interface LoginResultSignerOptions {
  readonly keys: ResultKeys;
  /** This idp's public URL (`iss`). */
  readonly issuer: () => string;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

export class LoginResultSigner {
  readonly #options: LoginResultSignerOptions;
  readonly #now: () => number;
  /** Imported private keys by kid: importing costs more than signing. */
  readonly #imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

  constructor(options: LoginResultSignerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async #signingKey(): Promise<{ kid: string; key: CryptoKey | Uint8Array }> {
    const [active] = (await this.#options.keys.current()).privateJwks;
    if (active?.kid === undefined) throw new Error('the login-results key ring has no active key');
    const { kid } = active;
    let key = this.#imported.get(kid);
    if (key === undefined) {
      // Rotation leaves old kids behind: keep only the one in use.
      this.#imported.clear();
      key = importJWK(active, 'ES256');
      this.#imported.set(kid, key);
    }
    return { kid, key: await key };
  }

  /** Any other message of ours (account events): `claims` with `iss`, `iat` and a 60 s `exp`, of type `typ`. */
  async signMessage(claims: JWTPayload, typ: string): Promise<string> {
    const { kid, key } = await this.#signingKey();
    const iat = Math.floor(this.#now() / 1000);
    return new SignJWT({ ...claims, iss: this.#options.issuer(), iat, exp: iat + RESULT_LIFETIME_SECONDS }).setProtectedHeader({ alg: 'ES256', typ, kid }).sign(key);
  }

  /** The signed result for `request`. */
  async sign(request: LoginRequest, outcome: LoginOutcome): Promise<string> {
    const { kid, key } = await this.#signingKey();
    const iat = Math.floor(this.#now() / 1000);
    const claims: JWTPayload = {
      iss: this.#options.issuer(),
      aud: request.issuer,
      jti: randomUUID(),
      iat,
      exp: iat + RESULT_LIFETIME_SECONDS,
      challenge: request.id,
      sub: outcome.subject,
      auth_time: outcome.authTime,
      amr: [...outcome.amr],
      claims: { preferred_username: outcome.username, email: outcome.email },
      ...(outcome.decision === 'denied' ? { error: 'access_denied' } : outcome.decision === 'unmet' ? { error: 'unmet_authentication_requirements' } : { scope: outcome.decision.join(' ') }),
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: LOGIN_RESULT_TYPE, kid }).sign(key);
  }

  /** Where the browser goes next: `return_to` with the result as `login_result`. */
  async redirectUrl(request: LoginRequest, outcome: LoginOutcome): Promise<string> {
    const target = new URL(request.returnTo);
    target.searchParams.set('login_result', await this.sign(request, outcome));
    return target.href;
  }
}
