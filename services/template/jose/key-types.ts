/**
 * Per key type (RFC 7518 §6): which JWK members a private or secret key must carry, how to make
 * one, and how to turn a JWK into node KeyObjects. Generation, import and data keys share it.
 */
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPair, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { decodeBase64url } from './base64url.ts';
import type { KeyType } from './contract.ts';
import type { KeyShape } from './table.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** A parsed key: the secret or private KeyObject, and the public one for asymmetric keys. */
export interface KeyPair {
  readonly secretOrPrivate: KeyObject;
  readonly publicKey: KeyObject | undefined;
}

interface KeyTypeRow {
  /** Members a secret or private JWK must carry (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
  readonly privateMembers: readonly string[];
  readonly generate: (shape: KeyShape) => Promise<KeyPair>;
  /** Parses a JWK already checked for its members; throws when node refuses it. */
  readonly parse: (jwk: JWK) => KeyPair;
}

function parseSecret(jwk: JWK): KeyPair {
  const bytes = decodeBase64url(jwk.k);
  if (bytes === undefined || bytes.length === 0) throw new TypeError('k is not base64url');
  return { secretOrPrivate: createSecretKey(bytes), publicKey: undefined };
}

function parseAsymmetric(jwk: JWK): KeyPair {
  const secretOrPrivate = createPrivateKey({ key: jwk, format: 'jwk' });
  return { secretOrPrivate, publicKey: createPublicKey(secretOrPrivate) };
}

async function pair(generated: Promise<{ privateKey: KeyObject; publicKey: KeyObject }>): Promise<KeyPair> {
  const { privateKey, publicKey } = await generated;
  return { secretOrPrivate: privateKey, publicKey };
}

// RSA public exponent 65537 (F4): what every JOSE implementation and NIST SP 800-56B expect.
const KEY_TYPES: Readonly<Record<KeyType, KeyTypeRow>> = Object.assign(Object.create(null) as object, {
  oct: {
    privateMembers: ['k'],
    generate: (shape: KeyShape) => Promise.resolve({ secretOrPrivate: createSecretKey(randomBytes(shape.bits / 8)), publicKey: undefined }),
    parse: parseSecret,
  },
  RSA: {
    privateMembers: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
    generate: (shape: KeyShape) => pair(generateKeyPairAsync('rsa', { modulusLength: shape.bits, publicExponent: 0x10001 })),
    parse: parseAsymmetric,
  },
  EC: {
    privateMembers: ['crv', 'x', 'y', 'd'],
    generate: (shape: KeyShape) => pair(generateKeyPairAsync('ec', { namedCurve: shape.crv })),
    parse: parseAsymmetric,
  },
  OKP: {
    privateMembers: ['crv', 'x', 'd'],
    generate: () => pair(generateKeyPairAsync('ed25519')),
    parse: parseAsymmetric,
  },
});

/** The row of a key type. */
export function keyTypeOf(kty: KeyType): KeyTypeRow {
  return KEY_TYPES[kty];
}

/** Size of a parsed key in bits for the shapes that have one (oct, RSA); 0 for curves. */
export function keyBits(keys: KeyPair): number {
  const secretBytes = keys.secretOrPrivate.symmetricKeySize;
  if (secretBytes !== undefined) return secretBytes * 8;
  return keys.secretOrPrivate.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** The normalized JWKs of a key pair: exactly the standard members node exports, nothing a caller added. */
export function exportJwks(keys: KeyPair): { readonly privateJwk: JWK; readonly publicJwk: JWK | undefined } {
  return {
    privateJwk: keys.secretOrPrivate.export({ format: 'jwk' }),
    publicJwk: keys.publicKey?.export({ format: 'jwk' }),
  };
}
