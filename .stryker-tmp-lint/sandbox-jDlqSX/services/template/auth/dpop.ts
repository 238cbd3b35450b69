/**
 * DPoP proofs (RFC 9449 §4.3) for sender-constrained access tokens: a token bound to a key
 * (`cnf.jkt`) is only accepted with a fresh proof, signed by that key, for this very request.
 * Every request is checked, also when the token itself comes from the verification cache.
 */
// @ts-nocheck

import { hash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK, type JWSAlgorithm } from 'jose';
import { ServiceUnavailableError, UnauthorizedError } from '../errors/index.ts';

/** RFC 8725 §3.1: asymmetric algorithms only, for access tokens and proofs alike. */
export const ASYMMETRIC_ALGORITHMS: readonly JWSAlgorithm[] = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];

const ALGS_PARAMETER = `algs="${ASYMMETRIC_ALGORITHMS.join(' ')}"`;
/** RFC 9449 §7.1: the proof is missing or not acceptable. */
export const INVALID_PROOF_CHALLENGE = `DPoP error="invalid_dpop_proof", ${ALGS_PARAMETER}`;
/** RFC 9449 §7.1: the token cannot be used with the scheme it came with. */
export const DPOP_INVALID_TOKEN_CHALLENGE = `DPoP error="invalid_token", ${ALGS_PARAMETER}`;

// RFC 7517/7518: members that only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What a proof must match: the request it came with and the token it accompanies. */
export interface ProofTarget {
  readonly proof: string | undefined;
  /** The request method, e.g. `GET`. */
  readonly method: string;
  /** The request URL as the client addressed it, without query and fragment. */
  readonly url: string;
  readonly accessToken: string;
  /** The token's `cnf.jkt`: the RFC 7638 thumbprint of the key the proof must be signed with. */
  readonly thumbprint: string;
}

export interface DpopOptions {
  /** Milliseconds since the epoch (tests move the clock). */
  readonly now: () => number;
  /** How far `iat` may be from now, either way (default 60 s). */
  readonly windowSeconds?: number;
  /** Proof ids remembered at most (default 100,000). */
  readonly replayCapacity?: number;
}

function invalidProof(detail: string): UnauthorizedError {
  return new UnauthorizedError(detail, INVALID_PROOF_CHALLENGE);
}

/** RFC 9449 §4.3 step 9: compare URLs without query and fragment, after normalisation. */
export function withoutQuery(url: string): string | undefined {
  if (!URL.canParse(url)) {
    return undefined;
  }
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the access token's ASCII. */
export function accessTokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

function publicJwkOf(proof: string): JWK {
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalidProof('the DPoP proof is not a JWT');
  }
  const { jwk } = header;
  if (typeof jwk !== 'object') {
    throw invalidProof('the DPoP proof has no jwk header');
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw invalidProof('the DPoP proof jwk header must hold a public key only');
  }
  return jwk;
}

/**
 * Proof ids seen within the acceptance window, keyed by key and id. Bounded: when it is full of
 * ids that are still acceptable, a new proof is refused with 503 rather than an old id forgotten.
 */
class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records the id until `until` (ms); false when it is already there. */
  remember(key: string, until: number, now: number): boolean {
    const known = this.#seen.get(key);
    if (known !== undefined && known >= now) {
      return false;
    }
    if (this.#seen.size >= this.#capacity) {
      for (const [seen, expiry] of this.#seen) {
        if (expiry < now) this.#seen.delete(seen);
      }
      if (this.#seen.size >= this.#capacity) {
        throw new ServiceUnavailableError('too many DPoP proofs in the replay window; retry shortly');
      }
    }
    this.#seen.set(key, until);
    return true;
  }
}

export class DpopVerifier {
  readonly #now: () => number;
  readonly #windowSeconds: number;
  readonly #replays: ReplayCache;

  constructor(options: DpopOptions) {
    this.#now = options.now;
    this.#windowSeconds = options.windowSeconds ?? 60;
    this.#replays = new ReplayCache(options.replayCapacity ?? 100_000);
  }

  /** Resolves when the proof is acceptable; UnauthorizedError (invalid_dpop_proof) otherwise. */
  async verify(target: ProofTarget): Promise<void> {
    const { proof } = target;
    if (proof === undefined) {
      throw invalidProof('a DPoP-bound token needs a DPoP proof header');
    }
    const jwk = publicJwkOf(proof);
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...ASYMMETRIC_ALGORITHMS] }).catch(() => {
      throw invalidProof('the DPoP proof must be a JWT of typ dpop+jwt signed with an asymmetric algorithm by its jwk');
    });
    const { htm, htu, iat, jti, ath } = payload;
    if (htm !== target.method) {
      throw invalidProof('the DPoP proof htm does not match the request method');
    }
    if (typeof htu !== 'string' || withoutQuery(htu) !== withoutQuery(target.url)) {
      throw invalidProof('the DPoP proof htu does not match the request URL');
    }
    const now = this.#now();
    if (typeof iat !== 'number' || Math.abs(now / 1000 - iat) > this.#windowSeconds) {
      throw invalidProof(`the DPoP proof iat must be within ${String(this.#windowSeconds)} seconds of the server's time`);
    }
    if (typeof jti !== 'string' || jti === '') {
      throw invalidProof('the DPoP proof lacks a jti');
    }
    if (ath !== accessTokenHash(target.accessToken)) {
      throw invalidProof('the DPoP proof ath does not match the access token');
    }
    const thumbprint = await calculateJwkThumbprint(jwk);
    if (thumbprint !== target.thumbprint) {
      throw invalidProof('the DPoP proof is signed with a key the token is not bound to');
    }
    // Last, and without an await before it: only acceptable proofs take a place in the cache.
    if (!this.#replays.remember(`${thumbprint}.${jti}`, (iat + this.#windowSeconds) * 1000, now)) {
      throw invalidProof('the DPoP proof was already used');
    }
  }
}
