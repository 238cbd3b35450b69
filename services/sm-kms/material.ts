/**
 * Material at rest (issue "sm-kms" point 5): a private or secret JWK is stored only as barrier
 * ciphertext whose AAD names the row, so a ciphertext copied onto another material key never opens.
 */
import type { Barrier } from '../template/barrier/contract.ts';
import type { JWK } from 'jose';
import type { KeyMaterial } from '../template/jose/contract.ts';

/** The barrier AAD of a material key: table and id, as every barrier record is named. */
export function materialAad(id: string): string {
  return `sm-kms/material_keys/${id}`;
}

/** The private JWK under the barrier; the clear JSON is zeroed once sealed. */
export async function sealMaterial(barrier: Barrier, material: KeyMaterial): Promise<Buffer> {
  const clear = Buffer.from(JSON.stringify(material.privateJwk));
  try {
    return Buffer.from(await barrier.encrypt(clear, materialAad(material.kid)));
  } finally {
    clear.fill(0);
  }
}

/**
 * The stored material back in memory; the barrier throws when the ciphertext or its row was tampered
 * with. The barrier's plaintext (the private JWK as JSON) is zeroed once parsed.
 */
export async function openMaterial(barrier: Barrier, stored: { readonly id: string; readonly sealedJwk: Uint8Array; readonly publicJwk: JWK | null }): Promise<KeyMaterial> {
  const clear = await barrier.decrypt(stored.sealedJwk, materialAad(stored.id));
  try {
    const privateJwk = JSON.parse(Buffer.from(clear.buffer, clear.byteOffset, clear.byteLength).toString('utf8')) as JWK;
    return stored.publicJwk === null ? { kid: stored.id, privateJwk } : { kid: stored.id, privateJwk, publicJwk: stored.publicJwk };
  } finally {
    clear.fill(0);
  }
}
