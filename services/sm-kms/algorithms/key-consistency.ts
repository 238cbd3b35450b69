/**
 * Pairwise consistency of an imported private JWK (the check FIPS 140-3 asks of a module taking in
 * a key pair): node accepts an EC JWK whose x/y belong to another key, and RSA members that do not
 * fit together, and would then sign or decrypt with a key that is not the one the caller published.
 */
import { createECDH } from 'node:crypto';
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
