/**
 * Pairwise consistency of an imported private JWK (the check FIPS 140-3 asks of a module taking in
 * a key pair): node accepts an EC JWK whose x/y belong to another key, and RSA members that do not
 * fit together, and would then sign or decrypt with a key that is not the one the caller published.
 */
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyType } from './contract.ts';

type Members = Readonly<Record<string, unknown>>;

// The members come from node's own export of a key it parsed: present and base64url.
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

// Below this a modulus is no key at all (RFC 8017 has no lower bound; 1024 is the smallest any JOSE library takes).
const MIN_RSA_BITS = 1024;

/** RSA members fit when n is too short to be a key at all (node says so), or the CRT members agree with it. */
function rsaFits(jwk: Members): boolean {
  return big(jwk.n) < 1n << BigInt(MIN_RSA_BITS - 1) || rsaConsistent(jwk);
}

const DERIVATIONS: Readonly<Partial<Record<KeyType, (jwk: Members) => boolean>>> = Object.assign(Object.create(null) as object, {
  RSA: rsaFits,
  EC: ecConsistent,
  OKP: okpConsistent,
});

/**
 * True when the public members make a key (or the private member derives one) and the rest does not
 * fit it. Node 24.22 refuses such a JWK while parsing it, earlier releases parse it; callers are
 * told the same thing either way.
 */
export function publicMismatch(kty: KeyType, jwk: Members): boolean {
  const derive = DERIVATIONS[kty];
  if (derive === undefined) return false;
  try {
    return !derive(jwk);
  } catch {
    return false;
  }
}

const CHECKS: Readonly<Record<KeyType, (jwk: Members) => boolean>> = Object.assign(Object.create(null) as object, {
  oct: () => true,
  RSA: rsaConsistent,
  EC: ecConsistent,
  // Ed25519: node derives x from d, so the general comparison of public members already decides.
  OKP: () => true,
});

/**
 * True when the members of a private JWK, as node exported it, describe one key pair; a check that
 * throws (p = 1 makes a modulus zero, an EC scalar out of range) is false.
 */
export function keyConsistent(kty: KeyType, jwk: Members): boolean {
  try {
    return CHECKS[kty](jwk);
  } catch {
    return false;
  }
}
