/**
 * Pairwise consistency of an imported private JWK (the check FIPS 140-3 asks of a module taking in
 * a key pair), made before node parses the key: whether node itself refuses members that do not fit
 * together changed in Node 24.22, and a caller must be told the same thing on every release, never
 * handed a key that signs or decrypts as another key than the one they published.
 */
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyType } from './contract.ts';

type Members = Readonly<Record<string, unknown>>;

// The members were checked to be non-empty strings; whatever is not base64url decodes to other octets and fails the checks.
function bytes(value: unknown): Buffer {
  return Buffer.from(String(value), 'base64url');
}

function big(value: unknown): bigint {
  return BigInt(`0x0${bytes(value).toString('hex')}`);
}

/**
 * RFC 8017 §3.2: n = p·q, dP = d mod (p−1), dQ = d mod (q−1), q·qInv ≡ 1 (mod p), and d·e ≡ 1
 * (mod λ(n)), checked by the CRT as dP·e ≡ 1 (mod p−1) and dQ·e ≡ 1 (mod q−1).
 */
function rsaConsistent(jwk: Members): boolean {
  const [n, e, d, p, q, dp, dq, qi] = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((member) => big(jwk[member])) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  return n === p * q && dp === d % (p - 1n) && dq === d % (q - 1n) && (dp * e) % (p - 1n) === 1n && (dq * e) % (q - 1n) === 1n && (q * qi) % p === 1n;
}

/** OpenSSL names of the JOSE curves (RFC 7518 §6.2.1.1). */
const ECDH_CURVES: Readonly<Record<string, string>> = Object.assign(Object.create(null) as object, {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
});

/** The public point the private scalar implies must be the published x, y (SEC 1 §2.3.3 uncompressed form). */
function ecConsistent(jwk: Members): boolean {
  const ecdh = createECDH(String(ECDH_CURVES[String(jwk.crv)]));
  ecdh.setPrivateKey(bytes(jwk.d));
  return ecdh.getPublicKey().equals(Buffer.concat([Buffer.from([0x04]), bytes(jwk.x), bytes(jwk.y)]));
}

// RFC 8410 §7: an Ed25519 private key is PKCS#8 around these octets and the 32-octet seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The public member an Ed25519 seed implies (RFC 8037 §2). */
function okpConsistent(jwk: Members): boolean {
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes(jwk.d)]), format: 'der', type: 'pkcs8' });
  return createPublicKey(key).export({ format: 'jwk' }).x === jwk.x;
}

// A shorter modulus is no key at all (RFC 8017 sets no lower bound; 1024 bits is the least any JOSE
// library takes): node refuses it, or the size check after parsing does.
const MIN_RSA_BITS = 1024;

/** RSA members fit when n is too short to be a key at all, or the CRT members agree with it. */
function rsaFits(jwk: Members): boolean {
  return big(jwk.n).toString(2).length < MIN_RSA_BITS || rsaConsistent(jwk);
}

const CHECKS: Readonly<Record<KeyType, (jwk: Members) => boolean>> = Object.assign(Object.create(null) as object, {
  // A symmetric key has no public members to contradict it.
  oct: () => true,
  RSA: rsaFits,
  EC: ecConsistent,
  OKP: okpConsistent,
});

/** What the members of a private JWK say about themselves. */
export type Consistency = 'fits' | 'mismatch' | 'invalid';

/**
 * `mismatch` when the public members do not belong to the private ones, `invalid` when the check
 * cannot even be made (an EC scalar of zero, p = 1): both fail closed.
 */
export function memberConsistency(kty: KeyType, jwk: Members): Consistency {
  try {
    return CHECKS[kty](jwk) ? 'fits' : 'mismatch';
  } catch {
    return 'invalid';
  }
}
