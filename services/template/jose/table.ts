/**
 * The algorithm table (issue "sm-kms" point 2): one row per name the API accepts. Each row says what
 * key it needs (generation and import read the same shape) and how it runs (node:crypto directly on
 * the hot paths, jose otherwise). jose's habit: a null-prototype record and a resolver that throws,
 * so adding a row adds a feature and nothing else branches on a name.
 */
import { constants } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';
import type { AlgorithmRow, KeyType } from './contract.ts';
import { UnsupportedAlgorithmError } from './errors.ts';

/** What a key looks like: the generator makes `bits` (or `crv`); import accepts `minBits`–`maxBits`. */
export interface KeyShape {
  readonly kty: KeyType;
  /** EC and OKP: the JWK curve name; empty for oct and RSA. */
  readonly crv: string;
  /** oct: secret length; RSA: modulus length generated; 0 for EC and OKP. */
  readonly bits: number;
  readonly minBits: number;
  readonly maxBits: number;
}

/** A JWE row that node:crypto runs itself: AES-GCM content, `dir` or AES key wrap (RFC 7518 §4.4, §5.3). */
export interface NativeJwe {
  /** node:crypto AES-GCM cipher of the `enc`. */
  readonly contentCipher: CipherGCMTypes;
  /** node:crypto RFC 3394 key-wrap cipher of the `alg`; `undefined` for `dir`. */
  readonly wrapCipher: string | undefined;
  /** Content encryption key length in bytes. */
  readonly cekBytes: number;
}

/** A JWE row: `native` when node:crypto handles it, otherwise jose does. */
export interface EncryptionSpec extends AlgorithmRow {
  readonly use: 'enc';
  readonly enc: string;
  readonly key: KeyShape;
  readonly native: NativeJwe | undefined;
  /**
   * Every encryption draws a random 96-bit AES-GCM IV under the material key itself: `dir` with an
   * A*GCM `enc` (the key is the content key) and A*GCMKW (RFC 7518 §4.7, the key wraps each CEK).
   * NIST SP 800-38D §8.3 bounds how often that may happen, so these keys count their encryptions.
   */
  readonly randomIvUnderKey: boolean;
}

/** How a JWS signature is made with node:crypto (RFC 7518 §3). */
export interface SignatureScheme {
  /** HS*: the node:crypto digest of the HMAC; `undefined` for the rows node's sign/verify runs. */
  readonly hmac: string | undefined;
  /** node:crypto digest name for sign/verify; `null` for HMAC rows and for EdDSA, where Ed25519 fixes the hash. */
  readonly hash: string | null;
  readonly padding: number | undefined;
  readonly saltLength: number | undefined;
  readonly dsaEncoding: 'ieee-p1363' | undefined;
  /** RSA private operations take milliseconds: run them on the libuv pool, not the event loop. */
  readonly offload: boolean;
}

/** A JWS row: every one is signed and verified by node:crypto. */
export interface SignatureSpec extends AlgorithmRow {
  readonly use: 'sig';
  readonly key: KeyShape;
  readonly scheme: SignatureScheme;
}

export type AlgorithmSpec = EncryptionSpec | SignatureSpec;

/** RSA keys generated at 3072 bits (NIST SP 800-57 128-bit strength); imports 2048–4096 like Vault transit and cloud KMS. */
export const RSA_SHAPE: KeyShape = Object.freeze({ kty: 'RSA', crv: '', bits: 3072, minBits: 2048, maxBits: 4096 });

function octShape(bits: number, maxBits = bits): KeyShape {
  return Object.freeze({ kty: 'oct', crv: '', bits, minBits: bits, maxBits });
}

function curveShape(kty: KeyType, crv: string): KeyShape {
  return Object.freeze({ kty, crv, bits: 0, minBits: 0, maxBits: 0 });
}

/** RFC 7518 §5: key length and, for AES-GCM, the node:crypto cipher that runs it natively. */
const CONTENT_ENCRYPTION: Readonly<Record<string, { readonly keyBits: number; readonly gcmCipher: CipherGCMTypes | undefined }>> = {
  A128GCM: { keyBits: 128, gcmCipher: 'aes-128-gcm' },
  A192GCM: { keyBits: 192, gcmCipher: 'aes-192-gcm' },
  A256GCM: { keyBits: 256, gcmCipher: 'aes-256-gcm' },
  'A128CBC-HS256': { keyBits: 256, gcmCipher: undefined },
  'A192CBC-HS384': { keyBits: 384, gcmCipher: undefined },
  'A256CBC-HS512': { keyBits: 512, gcmCipher: undefined },
};

/** ECDH-ES rows use P-256: one row per name, and P-256 is what every JOSE peer supports. */
const ECDH_SHAPE = curveShape('EC', 'P-256');

interface KeyManagement {
  /** `undefined` for `dir`: the key is the content key, so its size follows `enc`. */
  readonly key: KeyShape | undefined;
  /** node:crypto runs it: `wrapCipher` is the RFC 3394 cipher, `undefined` for `dir`. */
  readonly native: { readonly wrapCipher: string | undefined } | undefined;
}

/** RFC 7518 §4: the JWE key-management algorithms jose supports. */
const KEY_MANAGEMENT: Readonly<Record<string, KeyManagement>> = {
  dir: { key: undefined, native: { wrapCipher: undefined } },
  A128KW: { key: octShape(128), native: { wrapCipher: 'id-aes128-wrap' } },
  A192KW: { key: octShape(192), native: { wrapCipher: 'id-aes192-wrap' } },
  A256KW: { key: octShape(256), native: { wrapCipher: 'id-aes256-wrap' } },
  A128GCMKW: { key: octShape(128), native: undefined },
  A192GCMKW: { key: octShape(192), native: undefined },
  A256GCMKW: { key: octShape(256), native: undefined },
  'RSA-OAEP': { key: RSA_SHAPE, native: undefined },
  'RSA-OAEP-256': { key: RSA_SHAPE, native: undefined },
  'RSA-OAEP-384': { key: RSA_SHAPE, native: undefined },
  'RSA-OAEP-512': { key: RSA_SHAPE, native: undefined },
  'ECDH-ES': { key: ECDH_SHAPE, native: undefined },
  'ECDH-ES+A128KW': { key: ECDH_SHAPE, native: undefined },
  'ECDH-ES+A192KW': { key: ECDH_SHAPE, native: undefined },
  'ECDH-ES+A256KW': { key: ECDH_SHAPE, native: undefined },
};

function scheme(hash: string | null, options: Partial<SignatureScheme> = {}): SignatureScheme {
  return Object.freeze({ hmac: undefined, hash, padding: undefined, saltLength: undefined, dsaEncoding: undefined, offload: false, ...options });
}

const PKCS1 = { padding: constants.RSA_PKCS1_PADDING, offload: true };

/**
 * RFC 7518 §3. HS keys: at least the hash output (§3.2), at most the hash block size, beyond which
 * RFC 2104 hashes the key first and length adds nothing. PS salt = hash output (§3.5).
 */
const SIGNATURES: Readonly<Record<string, { readonly key: KeyShape; readonly scheme: SignatureScheme }>> = {
  HS256: { key: octShape(256, 512), scheme: scheme(null, { hmac: 'sha256' }) },
  HS384: { key: octShape(384, 1024), scheme: scheme(null, { hmac: 'sha384' }) },
  HS512: { key: octShape(512, 1024), scheme: scheme(null, { hmac: 'sha512' }) },
  RS256: { key: RSA_SHAPE, scheme: scheme('sha256', PKCS1) },
  RS384: { key: RSA_SHAPE, scheme: scheme('sha384', PKCS1) },
  RS512: { key: RSA_SHAPE, scheme: scheme('sha512', PKCS1) },
  PS256: { key: RSA_SHAPE, scheme: scheme('sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32, offload: true }) },
  PS384: { key: RSA_SHAPE, scheme: scheme('sha384', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48, offload: true }) },
  PS512: { key: RSA_SHAPE, scheme: scheme('sha512', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64, offload: true }) },
  ES256: { key: curveShape('EC', 'P-256'), scheme: scheme('sha256', { dsaEncoding: 'ieee-p1363' }) },
  ES384: { key: curveShape('EC', 'P-384'), scheme: scheme('sha384', { dsaEncoding: 'ieee-p1363' }) },
  ES512: { key: curveShape('EC', 'P-521'), scheme: scheme('sha512', { dsaEncoding: 'ieee-p1363' }) },
  EdDSA: { key: curveShape('OKP', 'Ed25519'), scheme: scheme(null) },
};

function buildTable(): Readonly<Record<string, AlgorithmSpec>> {
  const table: Record<string, AlgorithmSpec> = Object.create(null) as Record<string, AlgorithmSpec>;
  for (const [enc, content] of Object.entries(CONTENT_ENCRYPTION)) {
    for (const [alg, management] of Object.entries(KEY_MANAGEMENT)) {
      const name = `${enc}/${alg}`;
      const native =
        content.gcmCipher !== undefined && management.native !== undefined
          ? Object.freeze({ contentCipher: content.gcmCipher, wrapCipher: management.native.wrapCipher, cekBytes: content.keyBits / 8 })
          : undefined;
      const key = management.key ?? octShape(content.keyBits);
      const randomIvUnderKey = management.key === undefined ? content.gcmCipher !== undefined : alg.endsWith('GCMKW');
      table[name] = Object.freeze({ name, use: 'enc', kty: key.kty, alg, enc, key, native, randomIvUnderKey });
    }
  }
  for (const [alg, signature] of Object.entries(SIGNATURES)) {
    table[alg] = Object.freeze({ name: alg, use: 'sig', kty: signature.key.kty, alg, key: signature.key, scheme: signature.scheme });
  }
  return Object.freeze(table);
}

const TABLE = buildTable();

/** Every row name, JWE `enc/alg` pairs first, for documentation and the OpenAPI enum. */
export const ALGORITHM_NAMES: readonly string[] = Object.freeze(Object.keys(TABLE));

/** The full row for a name; unknown names throw UnsupportedAlgorithmError (400). */
export function resolveSpec(name: string): AlgorithmSpec {
  const spec = TABLE[name];
  if (spec === undefined) throw new UnsupportedAlgorithmError(name);
  return spec;
}

/** The public part of a row; handlers keep it and pass it back to the operations. */
export function resolveAlgorithm(name: string): AlgorithmRow {
  return resolveSpec(name);
}

/** Whether each encryption by a key of this row draws a random GCM IV under the key (so it counts). */
export function drawsRandomIvUnderKey(row: AlgorithmRow): boolean {
  const spec = resolveSpec(row.name);
  return spec.use === 'enc' && spec.randomIvUnderKey;
}
