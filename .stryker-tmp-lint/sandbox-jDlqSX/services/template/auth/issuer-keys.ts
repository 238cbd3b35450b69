/**
 * The issuer's signing keys, fetched from its JWKS and kept in a jose local key set. An unknown `kid`
 * triggers one refetch per cooldown (the issuer rotated); a set older than its maximum age is
 * refetched so that removed keys stop being trusted, keeping the old set while the issuer is down.
 */
// @ts-nocheck

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

export class IssuerKeys {
  readonly #options: IssuerKeysOptions;
  #keys: LocalJWKSet | undefined;
  #loading: Promise<LocalJWKSet> | undefined;
  #attemptedAt = Number.NEGATIVE_INFINITY;

  constructor(options: IssuerKeysOptions) {
    this.#options = options;
  }

  /** The key set, loaded on first use; a failed first load rejects (the caller answers 503). */
  async current(): Promise<LocalJWKSet> {
    const keys = this.#keys;
    if (keys === undefined) {
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

  // Concurrent callers share one fetch.
  #reload(): Promise<LocalJWKSet> {
    this.#loading ??= this.#fetch().finally(() => {
      this.#loading = undefined;
    });
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
