/**
 * Rings of signing keys kept under the barrier: one active key per purpose that signs, and the keys
 * it replaced, still published for verification until their retention ends (RFC 7517 JWK Sets let
 * verifiers pick the key by `kid`, so a token signed just before a rotation still verifies after).
 *
 * Several processes may share the table. The partial unique index of the migration admits one
 * active key per purpose: whichever process commits first wins a creation or a rotation, and the
 * loser's insert fails, so it re-reads and adopts the winner's key instead of publishing its own.
 */
// @ts-nocheck

import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { BarrierIntegrityError, BarrierSealedError, type Barrier } from '../barrier/index.ts';
import { isUniqueViolation, uuidv7 } from '../database/index.ts';
import { publicHalf, resolveAlgorithm, type AlgorithmRow, type SigningAlgorithm } from './algorithms.ts';
import { SigningKey } from './entities.ts';

export interface SigningKeyRing {
  /** Changes whenever the set of keys changes (a digest of the kids in ring order); callers rebuild on change. */
  readonly version: string;
  /** Private JWKs (with kid, alg, use 'sig'), the active key first, then retired keys still in retention. */
  readonly privateJwks: readonly JWK[];
  /** The same keys' public halves as a JWKS (empty `keys` for HS256 rings). */
  readonly publicJwks: { readonly keys: readonly JWK[] };
}

export interface SigningKeysOptions {
  readonly orm: MikroORM;
  readonly barrier: Barrier;
  /** Keys of one purpose form one ring, e.g. 'access-tokens', 'login-results', 'cookies'. */
  readonly purpose: string;
  readonly algorithm: SigningAlgorithm;
  /** The active key is replaced once it is this old (scheduled rotation). */
  readonly rotateAfterMs: number;
  /** A retired key stays published (and usable for verification) this long after retirement. */
  readonly retainMs: number;
  /** Re-read the table at most this often, so another process's rotation is picked up (default 30_000). */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

export interface SigningKeys {
  /** The ring; creates the first key when there is none; rotates when due; drops keys past retention. */
  current(): Promise<SigningKeyRing>;
  /** Rotates now (POST /admin/v1/keys/rotate): new active key, the old one retired now. */
  rotate(): Promise<SigningKeyRing>;
  /** Forgets the cached ring (call on barrier seal). */
  forget(): void;
}

export const DEFAULT_REFRESH_MS = 30_000;

/** The AAD that binds a sealed private JWK to its row (docs/barrier.md "AAD bindings"). */
export function signingKeyAad(kid: string): string {
  return `signing_keys/${kid}`;
}

interface CachedRing {
  readonly ring: SigningKeyRing;
  /** The clock reading after which the table must be read again. */
  readonly freshUntil: number;
}

/** When the key was retired (epoch ms), or undefined for the active key. */
function retiredAtOf(row: SigningKey): number | undefined {
  return row.retiredAt?.getTime();
}

/** Active first, then the most recently retired; ids (UUIDv7) break ties by age. */
function ringOrder(a: SigningKey, b: SigningKey): number {
  const retiredA = retiredAtOf(a) ?? Number.POSITIVE_INFINITY;
  const retiredB = retiredAtOf(b) ?? Number.POSITIVE_INFINITY;
  if (retiredA !== retiredB) return retiredB - retiredA;
  return a.id < b.id ? 1 : -1;
}

function checkOptions(options: SigningKeysOptions): void {
  if (options.purpose.length === 0 || options.purpose.length > 100) throw new RangeError('a signing key purpose is 1 to 100 characters');
  if (!(options.rotateAfterMs > 0)) throw new RangeError('rotateAfterMs must be a positive number of milliseconds');
  if (!(options.retainMs >= 0)) throw new RangeError('retainMs must be zero or a positive number of milliseconds');
  if (!((options.refreshMs ?? DEFAULT_REFRESH_MS) >= 0)) throw new RangeError('refreshMs must be zero or a positive number of milliseconds');
}

class BarrierSigningKeys implements SigningKeys {
  readonly #orm: MikroORM;
  readonly #barrier: Barrier;
  readonly #purpose: string;
  readonly #algorithm: SigningAlgorithm;
  readonly #row: AlgorithmRow;
  readonly #rotateAfterMs: number;
  readonly #retainMs: number;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #cached: CachedRing | undefined;
  /** Private JWKs of the cached ring, by kid, so a refresh decrypts only keys it has not seen. */
  #opened = new Map<string, JWK>();
  /** Loads and rotations run one at a time, so an older read never overwrites a newer ring. */
  #tail: Promise<unknown> = Promise.resolve();
  #loading: Promise<SigningKeyRing> | undefined;
  /** Replaced by forget(): a load that started before it must not cache what it read. */
  #generation: object = {};

  constructor(options: SigningKeysOptions) {
    checkOptions(options);
    this.#orm = options.orm;
    this.#barrier = options.barrier;
    this.#purpose = options.purpose;
    this.#algorithm = options.algorithm;
    this.#row = resolveAlgorithm(options.algorithm);
    this.#rotateAfterMs = options.rotateAfterMs;
    this.#retainMs = options.retainMs;
    this.#refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.#now = options.now ?? Date.now;
  }

  async current(): Promise<SigningKeyRing> {
    const fresh = this.#fresh();
    if (fresh !== undefined) return fresh;
    this.#loading ??= this.#exclusive(() => this.#fresh() ?? this.#load(false)).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async rotate(): Promise<SigningKeyRing> {
    this.#assertUnsealed();
    return this.#exclusive(() => this.#load(true));
  }

  forget(): void {
    this.#generation = {};
    this.#cached = undefined;
    // JSON strings cannot be wiped in JavaScript; dropping the last reference is what is possible.
    this.#opened.clear();
  }

  /**
   * A sealed barrier answers 503 before the table is touched. The cache is already gone: the
   * barrier calls its onSeal listeners, forget() among them, as it seals (Barrier contract).
   */
  #assertUnsealed(): void {
    if (this.#barrier.isSealed()) throw new BarrierSealedError();
  }

  /** The cached ring while it is fresh and the barrier unsealed; a sealed barrier throws (503). */
  #fresh(): SigningKeyRing | undefined {
    this.#assertUnsealed();
    const cached = this.#cached;
    return cached !== undefined && this.#now() < cached.freshUntil ? cached.ring : undefined;
  }

  #exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #load(rotateNow: boolean): Promise<SigningKeyRing> {
    const generation = this.#generation;
    const now = this.#now();
    let rows = await this.#read(now);
    const active = rows.find((row) => retiredAtOf(row) === undefined);
    if (active === undefined || rotateNow || this.#due(active, now)) {
      await this.#replace(active?.id, now);
      rows = await this.#read(now);
    }
    return this.#publish(rows, now, generation);
  }

  /** Scheduled rotation, or a key of an algorithm the configuration no longer names. */
  #due(active: SigningKey, now: number): boolean {
    return active.createdAt.getTime() + this.#rotateAfterMs <= now || active.algorithm !== this.#algorithm;
  }

  /** Drops keys past retention, then reads what is left of the ring. */
  async #read(now: number): Promise<SigningKey[]> {
    const em = this.#orm.em.fork();
    await em.nativeDelete(SigningKey, { purpose: this.#purpose, retiredAt: { $lte: new Date(now - this.#retainMs) } });
    return em.find(SigningKey, { purpose: this.#purpose });
  }

  /**
   * Makes a new active key, retiring `activeId` in the same transaction. The key is generated and
   * sealed before the transaction opens: RSA generation takes long enough to stall other writers.
   * A rival that committed first makes the insert break the one-active-key index (when it rotated
   * `activeId` first, the update below finds nothing and the rival's key is the active one), so the
   * rival's key is adopted by the read that follows.
   */
  async #replace(activeId: string | undefined, now: number): Promise<void> {
    const kid = uuidv7();
    const jwk: JWK = { ...(await this.#row.generate()), kid, alg: this.#algorithm, use: 'sig' };
    const plaintext = Buffer.from(JSON.stringify(jwk));
    let sealed: Uint8Array;
    try {
      sealed = await this.#barrier.encrypt(plaintext, signingKeyAad(kid));
    } finally {
      plaintext.fill(0);
    }
    const at = new Date(now);
    try {
      await this.#orm.em.fork().transactional(async (tx) => {
        if (activeId !== undefined) await tx.nativeUpdate(SigningKey, { id: activeId, retiredAt: null }, { retiredAt: at });
        tx.create(SigningKey, { id: kid, purpose: this.#purpose, algorithm: this.#algorithm, sealed: Buffer.from(sealed), createdAt: at, retiredAt: null });
      });
    } catch (error) {
      if (isUniqueViolation(error)) return;
      throw error;
    }
  }

  async #publish(rows: readonly SigningKey[], now: number, generation: object): Promise<SigningKeyRing> {
    const ordered = [...rows].sort(ringOrder);
    const opened = await Promise.all(ordered.map(async (row) => ({ row, jwk: await this.#open(row) })));
    const version = createHash('sha256').update(ordered.map((row) => row.id).join()).digest('base64url');
    const previous = this.#cached?.ring;
    const ring = previous?.version === version ? previous : Object.freeze({
      version,
      privateJwks: Object.freeze(opened.map(({ jwk }) => jwk)),
      publicJwks: Object.freeze({
        keys: Object.freeze(opened.flatMap(({ row, jwk }) => (resolveAlgorithm(row.algorithm).asymmetric ? [Object.freeze(publicHalf(jwk))] : []))),
      }),
    });
    // The ring is read again at the next refresh, rotation or retention deadline, whichever is first.
    const deadlines = ordered.map((row) => {
      const retiredAt = retiredAtOf(row);
      return retiredAt === undefined ? row.createdAt.getTime() + this.#rotateAfterMs : retiredAt + this.#retainMs;
    });
    if (generation === this.#generation) {
      // Keys that left the ring leave memory with the map they were in.
      this.#opened = new Map(opened.map(({ row, jwk }) => [row.id, jwk]));
      this.#cached = { ring, freshUntil: Math.min(now + this.#refreshMs, ...deadlines) };
    }
    return ring;
  }

  async #open(row: SigningKey): Promise<JWK> {
    const known = this.#opened.get(row.id);
    if (known !== undefined) return known;
    const plaintext = await this.#barrier.decrypt(row.sealed, signingKeyAad(row.id));
    let jwk: JWK;
    try {
      jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    } finally {
      plaintext.fill(0);
    }
    // The AAD binds the ciphertext to the kid; the algorithm column is checked against the sealed JWK.
    if (jwk.kid !== row.id || jwk.alg !== row.algorithm) throw new BarrierIntegrityError(`signing key ${row.id} does not match its row`);
    return Object.freeze(jwk);
  }
}

/** The ring of one purpose; the cached keys are forgotten whenever the barrier seals. */
export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const keys = new BarrierSigningKeys(options);
  options.barrier.onSeal(() => {
    keys.forget();
  });
  return keys;
}
