/**
 * Recovery codes: ten per user, made when TOTP is confirmed and made anew on request (after the
 * user has signed in again), shown once. Each is 80 random bits written as 16 base32 characters in
 * groups of four; the database keeps only its HighEntropyRandom hash (HKDF with a random salt: the
 * code carries its own entropy, so a slow password hash adds nothing). A code is used by one guarded
 * UPDATE (`used_at` still null), so of parallel uses of one code exactly one passes.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Secret } from 'otpauth';
import { uuidv7 } from '../template/database/index.ts';
import type { HashService } from '../template/hash/index.ts';
import { IdpRecoveryCode } from './entities.ts';

export const RECOVERY_CODE_COUNT = 10;
/** 10 bytes = 80 bits = 16 base32 characters, the hash registry's 16-byte minimum exactly. */
const CODE_BYTES = 10;

/** `ABCD-EFGH-IJKL-MNOP`: easy to copy by hand. */
export function newRecoveryCode(): string {
  return new Secret({ size: CODE_BYTES }).base32.replace(/(.{4})(?=.)/g, '$1-');
}

/** A typed code as it was made: case, spaces and dashes do not matter; undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z2-7]{16}$/.test(code) ? code : undefined;
}

export class RecoveryCodes {
  readonly #hash: HashService;
  readonly #now: () => Date;

  constructor(options: { readonly hash: HashService; readonly now: () => Date }) {
    this.#hash = options.hash;
    this.#now = options.now;
  }

  /** Replaces every code of the user with ten new ones; answers them, the only time they are seen. */
  async replace(em: EntityManager, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = await Promise.all(codes.map((code) => this.#hash.highEntropyRandom.hashWithLatest(code.replaceAll('-', ''))));
    await em.transactional(async (tx) => {
      await tx.nativeDelete(IdpRecoveryCode, { userId });
      await tx.insertMany(IdpRecoveryCode, hashes.map((codeHash) => ({ id: uuidv7(), userId, codeHash, usedAt: null, createdAt: this.#now() })));
    });
    return codes;
  }

  /** Codes the user has not used yet. */
  remaining(em: EntityManager, userId: string): Promise<number> {
    return em.count(IdpRecoveryCode, { userId, usedAt: null });
  }

  /** Uses `input` once: the codes left after it, or undefined when it is not an unused code of the user. */
  async use(em: EntityManager, userId: string, input: string): Promise<number | undefined> {
    const code = normalizeRecoveryCode(input);
    if (code === undefined) return undefined;
    const unused = await em.fork().find(IdpRecoveryCode, { userId, usedAt: null });
    for (const row of unused) {
      if (!(await this.#hash.highEntropyRandom.verify(code, row.codeHash))) continue;
      const used = await em.nativeUpdate(IdpRecoveryCode, { id: row.id, usedAt: null }, { usedAt: this.#now() });
      return used === 1 ? this.remaining(em, userId) : undefined;
    }
    return undefined;
  }
}
