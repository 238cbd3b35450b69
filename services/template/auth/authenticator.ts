/**
 * Token authentication for the public API (DESIGN): RFC 9068 JWT access tokens from the
 * configured issuer, verified against its JWKS, with results cached until the token expires. A
 * token bound to a key (`cnf.jkt`) needs the `DPoP` scheme and a proof on every request (RFC 9449).
 * The route's prefix decides which kind of token it takes (the `gty` claim), the OpenAPI
 * operation which scopes.
 */
import { jwtVerify } from 'jose';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../errors/index.ts';
import type { Authenticate, RequestTarget } from '../openapi/router.ts';
import type { IssuerEndpoints } from '../openapi/served-document.ts';
import type { CheckResult, Principal, ReadinessCheck, TokenKind } from '../service.ts';
import { accessCredentials, insufficientScope, NO_TOKEN_CHALLENGE, type Credentials } from './bearer.ts';
import { principalFromClaims, REQUIRED_CLAIMS, requireJwt, verificationFailure } from './claims.ts';
import { ASYMMETRIC_ALGORITHMS, DPOP_INVALID_TOKEN_CHALLENGE, DpopVerifier } from './dpop.ts';
import { discoveredMetadata, isHttpsUrl, type IssuerMetadata } from './discovery.ts';
import { httpsJsonFetcher, type FetchJson } from './https-json.ts';
import { IssuerKeys } from './issuer-keys.ts';
import { VerificationCache } from './verification-cache.ts';

export interface AuthenticatorOptions {
  /** `auth.issuer`; empty means not configured: every protected request gets 401. */
  readonly issuer: string;
  /** Expected `aud`: the service's resource indicator `urn:cryptoutil:<service>`. */
  readonly audience: string;
  /** Skips discovery when set. */
  readonly jwksUri?: string;
  readonly clockSkewSeconds: number;
  /** PEM of a CA trusted for the issuer's HTTPS besides the public roots (the local dev CA). */
  readonly ca?: string;
  /** Replaces the HTTPS fetcher (tests). */
  readonly fetchJson?: (url: string) => Promise<unknown>;
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now?: () => number;
  /** Verified tokens kept (default 10,000). */
  readonly cacheSize?: number;
  /**
   * The base URL clients address the public API by (`auth.publicUrl`, else the listener's URL):
   * a DPoP proof's `htu` must name it, never a `Host` header the client chose.
   */
  readonly publicUrl?: () => string;
  /** How far a DPoP proof's `iat` may be from now, either way (default 60 s). */
  readonly dpopWindowSeconds?: number;
  /** DPoP proof ids remembered against replay (default 100,000). */
  readonly dpopReplayCapacity?: number;
  /** Least time between JWKS refetches caused by an unknown `kid` (default 30 s). */
  readonly refreshCooldownMs?: number;
  /** Age after which the JWKS is refetched on next use (default 10 min). */
  readonly keysMaxAgeMs?: number;
}

/**
 * What the template needs: the route's authentication step, a readiness check on the JWKS, and
 * where a person gets a token (the served OpenAPI document's Authorize button).
 */
export interface Authenticator extends ReadinessCheck {
  readonly authenticate: Authenticate;
  /** The issuer's token and authorization endpoints; undefined when no issuer is configured. */
  endpoints(): Promise<IssuerEndpoints | undefined>;
}

const WRONG_KIND: Readonly<Record<TokenKind, string>> = {
  service: '/service routes take client-credentials tokens (gty client_credentials); send user tokens to /browser',
  browser: '/browser routes take user tokens; send client-credentials tokens to /service',
};

function authorize(principal: Principal, kind: TokenKind, scopes: readonly string[]): Principal {
  if (principal.kind !== kind) {
    throw new ForbiddenError(WRONG_KIND[kind]);
  }
  const missing = scopes.filter((scope) => !principal.scopes.has(scope));
  if (missing.length > 0) {
    throw insufficientScope(scopes, missing);
  }
  return principal;
}

/** The configured JWKS URL, or the discovered one. */
function jwksUriSource(options: AuthenticatorOptions, metadata: () => Promise<IssuerMetadata>): () => Promise<string> {
  const { jwksUri } = options;
  if (jwksUri !== undefined) {
    return () => Promise.resolve(jwksUri);
  }
  return async () => (await metadata()).jwksUri;
}

/**
 * The issuer's endpoints from its metadata. While the metadata cannot be read (the issuer starts
 * after this service in `cryptoutil up`), identity-authz's own paths are assumed; the next call
 * asks again.
 */
async function issuerEndpoints(issuer: string, metadata: () => Promise<IssuerMetadata>): Promise<IssuerEndpoints> {
  const base = issuer.replace(/\/+$/, '');
  const known = await metadata().catch(() => undefined);
  return {
    tokenEndpoint: known?.tokenEndpoint ?? `${base}/token`,
    authorizationEndpoint: known?.authorizationEndpoint ?? `${base}/auth`,
  };
}

/** A verified token as cached: the caller, and the key it is bound to when it is a DPoP token. */
interface VerifiedToken {
  readonly principal: Principal;
  readonly boundKey: string | undefined;
  readonly expiresAt: number;
}

function dpopTokenError(detail: string): UnauthorizedError {
  return new UnauthorizedError(detail, DPOP_INVALID_TOKEN_CHALLENGE);
}

class TokenAuthenticator implements Authenticator {
  readonly name = 'issuer';
  readonly #options: AuthenticatorOptions;
  readonly #now: () => number;
  readonly #keys: IssuerKeys;
  readonly #cache: VerificationCache<VerifiedToken>;
  readonly #dpop: DpopVerifier;
  readonly #metadata: () => Promise<IssuerMetadata>;

  constructor(options: AuthenticatorOptions) {
    if (!isHttpsUrl(options.issuer)) {
      throw new Error(`auth.issuer must be an https URL, got ${options.issuer}`);
    }
    if (options.jwksUri !== undefined && !isHttpsUrl(options.jwksUri)) {
      throw new Error(`auth.jwksUri must be an https URL, got ${options.jwksUri}`);
    }
    if (options.audience === '') {
      throw new Error('auth.audience must not be empty');
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const fetchJson: FetchJson = options.fetchJson ?? httpsJsonFetcher({ ca: options.ca });
    // Discovered once, again only after a failure; shared by the keys and the endpoints.
    this.#metadata = discoveredMetadata(options.issuer, fetchJson);
    this.#keys = new IssuerKeys({
      jwksUri: jwksUriSource(options, this.#metadata),
      fetchJson,
      now: this.#now,
      refreshCooldownMs: options.refreshCooldownMs ?? 30_000,
      maxAgeMs: options.keysMaxAgeMs ?? 600_000,
    });
    this.#cache = new VerificationCache(options.cacheSize ?? 10_000, this.#now);
    this.#dpop = new DpopVerifier({ now: this.#now, windowSeconds: options.dpopWindowSeconds, replayCapacity: options.dpopReplayCapacity });
  }

  readonly authenticate: Authenticate = async (authorization, kind, scopes, request) => {
    const credentials = accessCredentials(authorization);
    // A cached token skips the signature check but never the proof, kind and scope checks.
    const verified = this.#cache.get(credentials.token) ?? await this.#verify(credentials.token);
    await this.#checkBinding(credentials, verified.boundKey, request);
    return authorize(verified.principal, kind, scopes);
  };

  /** RFC 9449 §7.1: a bound token only with the DPoP scheme and a valid proof; DPoP only for bound tokens. */
  async #checkBinding(credentials: Credentials, boundKey: string | undefined, request: RequestTarget | undefined): Promise<void> {
    if (boundKey === undefined) {
      if (credentials.scheme === 'DPoP') {
        throw dpopTokenError('the token is not bound to a DPoP key: send it with the Bearer scheme');
      }
      return;
    }
    if (credentials.scheme !== 'DPoP') {
      throw dpopTokenError('the token is bound to a DPoP key: send it with the DPoP scheme and a DPoP proof');
    }
    const { publicUrl } = this.#options;
    if (request === undefined || publicUrl === undefined) {
      throw dpopTokenError('DPoP-bound tokens cannot be checked here');
    }
    await this.#dpop.verify({
      proof: request.dpop,
      method: request.method,
      url: `${publicUrl().replace(/\/+$/, '')}${request.path}`,
      accessToken: credentials.token,
      thumbprint: boundKey,
    });
  }

  endpoints(): Promise<IssuerEndpoints> {
    return issuerEndpoints(this.#options.issuer, this.#metadata);
  }

  async check(): Promise<CheckResult> {
    try {
      const keys = await this.#keys.current();
      return { ok: true, detail: `signing keys loaded: ${keys.jwks().keys.length}` };
    } catch (error) {
      return { ok: false, detail: `cannot load the issuer's signing keys: ${String(error)}` };
    }
  }

  async #verify(token: string): Promise<VerifiedToken> {
    requireJwt(token, this.#options.audience);
    // The issuer being unreachable is our problem, not the client's: 503 rather than 401.
    await this.#keys.current().catch(() => {
      throw new ServiceUnavailableError('the token issuer\'s signing keys cannot be loaded');
    });
    const { payload } = await jwtVerify(token, this.#keys.resolve, {
      issuer: this.#options.issuer,
      audience: this.#options.audience,
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      typ: 'at+jwt', // RFC 9068 §2.1; jose also accepts application/at+jwt
      clockTolerance: this.#options.clockSkewSeconds,
      currentDate: new Date(this.#now()),
      requiredClaims: REQUIRED_CLAIMS,
    }).catch((error: unknown) => {
      throw verificationFailure(error, this.#options.audience);
    });
    const principal = principalFromClaims(payload);
    const verified: VerifiedToken = { principal, boundKey: principal.boundKey, expiresAt: principal.expiresAt };
    this.#cache.set(token, verified);
    return verified;
  }
}

/** Stands in when `auth.issuer` is empty: protected operations cannot be reached at all. */
class UnconfiguredAuthenticator implements Authenticator {
  readonly name = 'issuer';
  readonly authenticate: Authenticate = () =>
    Promise.reject(new UnauthorizedError('no token issuer is configured (auth.issuer)', NO_TOKEN_CHALLENGE));

  check(): Promise<CheckResult> {
    return Promise.resolve({ ok: false, detail: 'auth.issuer is not configured' });
  }

  endpoints(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

/** Builds the authenticator for one service; throws on a malformed issuer, JWKS URL or audience. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  return options.issuer === '' ? new UnconfiguredAuthenticator() : new TokenAuthenticator(options);
}
