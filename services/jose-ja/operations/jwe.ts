/**
 * Encrypting to an enc set's active key and decrypting with the key the header names. Compact goes
 * through the shared JWE; the flattened JSON serialization and the nested JWT (whose header says
 * `cty: "JWT"`, RFC 7519 §5.2) through jose with the same KeyObjects.
 */
import { CompactEncrypt, FlattenedEncrypt, flattenedDecrypt } from 'jose';
import type { FlattenedJWE } from 'jose';
import { decrypt, encrypt } from '../../template/jose/index.ts';
import type { PreparedKey } from '../../template/jose/index.ts';
import { encryptionSpec } from '../../template/jose/key-use.ts';
import type { KeyChoice } from '../ports.ts';
import { keyForHeader } from './keys.ts';
import type { Header } from './keys.ts';
import { JWE_FORM, joseHeaderOf } from './objects.ts';
import type { JoseInput } from './objects.ts';
import { failure, success } from './outcome.ts';
import type { Outcome } from './outcome.ts';

function headerOf(key: PreparedKey, extras: { readonly cty?: string } = {}): { alg: string; enc: string; kid: string; cty?: string } {
  const { alg, enc } = encryptionSpec(key);
  return { alg, enc, kid: key.kid, ...extras };
}

/** A compact JWE of `plaintext`, or the flattened JSON serialization when `json`. */
export function encryptBytes(key: PreparedKey, plaintext: Uint8Array, json: boolean): Promise<string | FlattenedJWE> {
  if (!json) return encrypt(key, plaintext);
  return new FlattenedEncrypt(plaintext).setProtectedHeader(headerOf(key)).encrypt(key.secretOrPublic);
}

/** A nested JWT: the compact JWS encrypted as a compact JWE whose `cty` is `JWT`. */
export function encryptJwt(key: PreparedKey, jws: string): Promise<string> {
  return new CompactEncrypt(Buffer.from(jws)).setProtectedHeader(headerOf(key, { cty: 'JWT' })).encrypt(key.secretOrPublic);
}

async function compactPlaintext(key: PreparedKey, text: string): Promise<Uint8Array | undefined> {
  try {
    return await decrypt(key, text);
  } catch {
    return undefined;
  }
}

async function flattenedPlaintext(key: PreparedKey, value: Readonly<Record<string, unknown>>): Promise<Uint8Array | undefined> {
  try {
    const { alg, enc } = encryptionSpec(key);
    const algorithms = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc] };
    const { plaintext } = await flattenedDecrypt(value as unknown as FlattenedJWE, key.secretOrPrivate, algorithms);
    return plaintext;
  } catch {
    return undefined;
  }
}

/** What a JWE that decrypts carries: its plaintext and its JOSE Header. */
export interface Opened {
  readonly plaintext: Uint8Array;
  readonly header: Header;
}

/** The plaintext of a JWE made for one of the set's usable keys, or the check it fails. */
export async function decryptObject(choice: KeyChoice, input: JoseInput): Promise<Outcome<Opened>> {
  const header = joseHeaderOf(input, JWE_FORM);
  if (header === undefined) return failure('malformed', 'not a compact JWE nor a flattened JWE JSON serialization');
  const picked = keyForHeader(choice, header);
  if (!picked.ok) return picked;
  const key = picked.value;
  const plaintext = await (typeof input === 'string' ? compactPlaintext(key, input) : flattenedPlaintext(key, input));
  if (plaintext === undefined) return failure('decryption', 'the JWE does not decrypt', key.kid);
  return success({ plaintext, header }, key.kid);
}
