/**
 * CA keys at rest and in memory. A new key is exported once as PKCS#8, sealed under the barrier
 * with its row's AAD and the clear bytes zeroed; opening a CA imports the key as non-extractable.
 * Open signers are cached per CA name and wiped whenever the barrier seals.
 */
import { webcrypto } from 'node:crypto';
import { BarrierSealedError, type Barrier } from '../template/barrier/contract.ts';
import type { CaKeyAlgorithm, CaSigner } from './contract.ts';

/** WebCrypto generation parameters per CA key algorithm. */
const generation: Readonly<Record<CaKeyAlgorithm, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm>> = {
  'ES256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ES384': { name: 'ECDSA', namedCurve: 'P-384' },
  'RSA-3072': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  'RSA-4096': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' },
  'Ed25519': { name: 'Ed25519' },
};

/** WebCrypto import parameters per CA key algorithm (the same key, without the generation sizes). */
const importing: Readonly<Record<CaKeyAlgorithm, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm>> = {
  'ES256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ES384': { name: 'ECDSA', namedCurve: 'P-384' },
  'RSA-3072': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  'RSA-4096': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  'Ed25519': { name: 'Ed25519' },
};

/** The barrier AAD of a CA's private key: service, table and row id. */
export function caAad(id: string): string {
  return `pki-ca/pki_cas/${id}`;
}

/** A new CA key: its public key, its private key (non-extractable) and the sealed PKCS#8 to store. */
export interface NewCaKey {
  readonly publicKey: webcrypto.CryptoKey;
  readonly privateKey: webcrypto.CryptoKey;
  readonly sealed: Buffer;
}

/** Imports PKCS#8 bytes as a non-extractable signing key. */
async function importPrivateKey(pkcs8: Uint8Array, algorithm: CaKeyAlgorithm): Promise<webcrypto.CryptoKey> {
  return await webcrypto.subtle.importKey('pkcs8', pkcs8, importing[algorithm], false, ['sign']);
}

/**
 * Generates a CA key for the row `id` and seals it. The generated key is extractable only long
 * enough to be exported; what is returned for signing was imported again as non-extractable.
 */
export async function generateCaKey(barrier: Barrier, algorithm: CaKeyAlgorithm, id: string, aad: string = caAad(id)): Promise<NewCaKey> {
  if (barrier.isSealed()) throw new BarrierSealedError();
  const pair = await webcrypto.subtle.generateKey(generation[algorithm], true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const clear = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  try {
    const sealed = Buffer.from(await barrier.encrypt(clear, aad));
    return { publicKey: pair.publicKey, privateKey: await importPrivateKey(clear, algorithm), sealed };
  } finally {
    clear.fill(0);
  }
}

/** Opens a sealed CA key (the barrier refuses a tampered or moved ciphertext); the clear PKCS#8 is zeroed. */
export async function openCaKey(barrier: Barrier, stored: { readonly id: string; readonly sealedPrivateKey: Uint8Array; readonly keyAlgorithm: CaKeyAlgorithm }, aad: string = caAad(stored.id)): Promise<webcrypto.CryptoKey> {
  const clear = await barrier.decrypt(stored.sealedPrivateKey, aad);
  try {
    return await importPrivateKey(clear, stored.keyAlgorithm);
  } finally {
    clear.fill(0);
  }
}

/**
 * Open CA signers by name. Nothing survives a seal: `get` refuses while sealed and the cache is
 * emptied by the barrier's seal listener, so every signing path needs the barrier open.
 */
export class SignerCache {
  readonly #barrier: Barrier;
  readonly #signers = new Map<string, Promise<CaSigner>>();

  constructor(barrier: Barrier) {
    this.#barrier = barrier;
    barrier.onSeal(() => { this.wipe(); });
  }

  /** The signer `open` makes for `name`, opened once and shared while the barrier stays open. */
  async get(name: string, open: () => Promise<CaSigner>): Promise<CaSigner> {
    if (this.#barrier.isSealed()) throw new BarrierSealedError();
    const cached = this.#signers.get(name);
    if (cached !== undefined) return await cached;
    const opening = open();
    this.#signers.set(name, opening);
    // A failed open is not remembered: the next call tries again.
    opening.catch(() => { if (this.#signers.get(name) === opening) this.#signers.delete(name); });
    return await opening;
  }

  /** How many signers are open (for tests and metrics). */
  get size(): number {
    return this.#signers.size;
  }

  /** Forgets one open signer (a delegated signer about to expire), so the next `get` opens anew. */
  forget(name: string): void {
    this.#signers.delete(name);
  }

  /** Forgets every open signer. */
  wipe(): void {
    this.#signers.clear();
  }
}
