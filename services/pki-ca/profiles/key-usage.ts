/**
 * A profile's key usage adapted to the key it certifies: RFC 5280 §4.2.1.3 and RFC 8813/RFC 8410
 * allow keyEncipherment and dataEncipherment only for RSA keys, keyAgreement (and its
 * encipherOnly/decipherOnly qualifiers) only for EC keys, and Ed25519 keys only sign.
 */
import type { KeyUsageName } from '../contract.ts';
import type { ProfileKeyType } from './schema.ts';

const ALL: readonly ProfileKeyType[] = ['EC', 'RSA', 'Ed25519'];

/** For each usage, the key types able to perform it. */
const usableBy: Readonly<Record<KeyUsageName, readonly ProfileKeyType[]>> = {
  digitalSignature: ALL,
  nonRepudiation: ALL,
  keyEncipherment: ['RSA'],
  dataEncipherment: ['RSA'],
  keyAgreement: ['EC'],
  keyCertSign: ALL,
  cRLSign: ALL,
  encipherOnly: ['EC'],
  decipherOnly: ['EC'],
};

/** The usages of `usages` a key of `keyType` can perform, in the profile's order. */
export function keyUsageFor(usages: readonly KeyUsageName[], keyType: ProfileKeyType): KeyUsageName[] {
  return usages.filter((usage) => usableBy[usage].includes(keyType));
}
