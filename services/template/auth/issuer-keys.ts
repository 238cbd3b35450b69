/**
 * The issuer's signing keys, fetched from its JWKS and kept in a jose local key set. An unknown `kid`
 * triggers one refetch per cooldown (the issuer rotated); a set older than its maximum age is
 * refetched so that removed keys stop being trusted, keeping the old set while the issuer is down.
 * Before any set has loaded, a failed load is answered again for RETRY_AFTER_FAILURE_MS without
 * a fetch, so a flood of tokens while the issuer is down costs one fetch per interval.
 */
import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters, type LocalJWKSet } from 'jose';
import type { FetchJson } from './https-json.ts';

export interface IssuerKeysOptions {
  /** Resolves the JWKS URL (configured, or discovered from the issuer). */
  readonly jwksUri: () => Promise<string>;
  readonly fetchJson: FetchJson;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly refreshCooldownMs: number;
  readonly maxAgeMs: number;
}

/** How long a failed first load is answered without fetching again. */
export const RETRY_AFTER_FAILURE_MS = 1_000;

export class IssuerKeys {
  readonly #options: IssuerKeysOptions;
  #keys: LocalJWKSet | undefined;
  #loading: Promise<LocalJWKSet> | undefined;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #failedLoad: Promise<LocalJWKSet> | undefined;

  constructor(options: IssuerKeysOptions) {
    this.#options = options;
  }

  /** The key set, loaded on first use; a failed first load rejects (the caller answers 503). */
  async current(): Promise<LocalJWKSet> {
    const keys = this.#keys;
    if (keys === undefined) {
      if (this.#failedLoad !== undefined && this.#options.now() - this.#attemptedAt < RETRY_AFTER_FAILURE_MS) {
        return this.#failedLoad;
      }
      return this.#reload();
    }
    if (this.#options.now() - this.#attemptedAt >= this.#options.maxAgeMs) {
      return this.#reload().catch(() => keys);
    }
    return keys;
  }

  /** A jose key resolver: an unknown `kid` refetches the JWKS once per cooldown, then gives up. */
  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const keys = await this.current();
    try {
      return await keys(header, token);
    } catch (error) {
      const mayRefresh = this.#options.now() - this.#attemptedAt >= this.#options.refreshCooldownMs;
      if (!(error instanceof errors.JWKSNoMatchingKey) || !mayRefresh) {
        throw error;
      }
      const refreshed = await this.#reload().catch(() => {
        throw error;
      });
      return refreshed(header, token);
    }
  };

  // Concurrent callers share one fetch; a failed one is kept for `current` to answer with.
  #reload(): Promise<LocalJWKSet> {
    if (this.#loading === undefined) {
      const fetching = this.#fetch();
      this.#failedLoad = undefined;
      // Runs before any caller sees the failure: `#loading` settles a step later.
      fetching.catch(() => {
        this.#failedLoad = fetching;
      });
      this.#loading = fetching.finally(() => {
        this.#loading = undefined;
      });
    }
    return this.#loading;
  }

  async #fetch(): Promise<LocalJWKSet> {
    this.#attemptedAt = this.#options.now();
    const jwks = await this.#options.fetchJson(await this.#options.jwksUri());
    const keys = createLocalJWKSet(jwks as JSONWebKeySet); // checks the shape, throws JWKSInvalid
    this.#keys = keys;
    return keys;
  }
}
