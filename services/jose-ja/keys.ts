/**
 * The keys of a set: generated for the set's row, named by their RFC 7638 thumbprint, the private
 * JWK sealed by the barrier under an AAD naming the key's row, and opened again only into the
 * node KeyObjects the operations use. Nothing here ever returns a private member in clear.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Barrier } from '../template/barrier/contract.ts';
import { uuidv7 } from '../template/database/index.ts';
import { generateKeyMaterial, prepareKey, resolveAlgorithm, type PreparedKey } from '../template/jose/index.ts';

/** A new key ready to store: only its public JWK is readable. */
export interface NewKey {
  readonly id: string;
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly sealedJwk: Buffer;
}

/** What opening a stored key needs. */
export interface StoredKey {
  readonly id: string;
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly sealedJwk: Uint8Array;
}

/** The barrier AAD of a key: service, table and id, so a ciphertext moved to another row never opens. */
export function keyAad(id: string): string {
  return `jose-ja/keys/${id}`;
}

/** A new key of the row `alg`: kid is the thumbprint of its public JWK, the private JWK leaves only sealed. */
export async function generateKey(barrier: Barrier, alg: string): Promise<NewKey> {
  const row = resolveAlgorithm(alg);
  const generated = await generateKeyMaterial(row, '');
  if (generated.publicJwk === undefined) throw new Error(`${alg} has no public key: a key set takes asymmetric algorithms only`);
  const kid = await calculateJwkThumbprint(generated.publicJwk, 'sha256');
  const id = uuidv7();
  const json = Buffer.from(JSON.stringify({ ...generated.privateJwk, kid }));
  const sealedJwk = Buffer.from(await barrier.encrypt(json, keyAad(id)).finally(() => json.fill(0)));
  return { id, kid, publicJwk: { ...generated.publicJwk, kid, use: row.use }, sealedJwk };
}

/** The stored key as the operations use it; the decrypted JSON is zeroed once parsed. */
export async function openKey(barrier: Barrier, alg: string, stored: StoredKey): Promise<PreparedKey> {
  const opened = await barrier.decrypt(stored.sealedJwk, keyAad(stored.id));
  const view = Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(view.toString('utf8')) as JWK;
  } finally {
    view.fill(0);
  }
  return prepareKey(resolveAlgorithm(alg), { kid: stored.kid, privateJwk, publicJwk: stored.publicJwk });
}
