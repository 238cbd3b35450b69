/**
 * Material keys: generated for a row, imported from a caller's JWK (validated against the row), and
 * prepared once into node KeyObjects for the operations.
 */
import type { KeyObject } from 'node:crypto';
import { BadRequestError, InternalError } from '../errors/index.ts';
import type { AlgorithmRow, KeyMaterial, KeyUse } from './contract.ts';
import { isJsonObject } from './header.ts';
import { memberConsistency } from './key-consistency.ts';
import { exportJwks, keyBits, keyTypeOf } from './key-types.ts';
import type { KeyPair } from './key-types.ts';
import { resolveSpec } from './table.ts';
import type { AlgorithmSpec, KeyShape } from './table.ts';

/** A material key parsed once into node KeyObjects; the service caches these while unsealed. */
export interface PreparedKey {
  readonly row: AlgorithmRow;
  readonly kid: string;
  /** The secret (oct) or private key: decrypts, unwraps, signs. */
  readonly secretOrPrivate: KeyObject;
  /** The public key, or the secret again for oct: encrypts, wraps, verifies. */
  readonly secretOrPublic: KeyObject;
}

/** RFC 7517 §4.3: the `key_ops` values consistent with each `use`. */
const KEY_OPS: Readonly<Record<KeyUse, readonly string[]>> = Object.assign(Object.create(null) as object, {
  enc: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'deriveKey', 'deriveBits'],
  sig: ['sign', 'verify'],
});

function material(spec: AlgorithmSpec, keys: KeyPair, kid: string): KeyMaterial {
  const { privateJwk, publicJwk } = exportJwks(keys);
  const stamp = { kid, alg: spec.alg };
  return publicJwk === undefined ? { kid, privateJwk: { ...privateJwk, ...stamp } } : { kid, privateJwk: { ...privateJwk, ...stamp }, publicJwk: { ...publicJwk, ...stamp } };
}

/** A new key of the row's shape (RSA 3072, EC on the row's curve, oct of the exact size). */
export async function generateKeyMaterial(row: AlgorithmRow, kid: string): Promise<KeyMaterial> {
  const spec = resolveSpec(row.name);
  return material(spec, await keyTypeOf(spec.kty).generate(spec.key), kid);
}

function sizeProblem(shape: KeyShape, bits: number, name: string): string | undefined {
  if (bits >= shape.minBits && bits <= shape.maxBits) return undefined;
  const wanted = shape.minBits === shape.maxBits ? String(shape.minBits) : `${String(shape.minBits)} to ${String(shape.maxBits)}`;
  return `the JWK key size must be ${wanted} bits for ${name}`;
}

// Checks that need no parsing; each message names the member and the row, never a member's value.
function memberProblem(spec: AlgorithmSpec, jwk: Readonly<Record<string, unknown>>): string | undefined {
  if (jwk.kty !== spec.kty) return `the JWK kty must be "${spec.kty}" for ${spec.name}`;
  if (jwk.use !== undefined && jwk.use !== spec.use) return `the JWK use contradicts ${spec.name}, which needs "${spec.use}"`;
  if (jwk.alg !== undefined && jwk.alg !== spec.alg) return `the JWK alg contradicts ${spec.name}, which needs "${spec.alg}"`;
  const ops = jwk.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.every((op) => KEY_OPS[spec.use].includes(op as string)))) {
    return `the JWK key_ops contradict ${spec.name}, which allows ${KEY_OPS[spec.use].join(', ')}`;
  }
  const missing = keyTypeOf(spec.kty).privateMembers.find((member) => typeof jwk[member] !== 'string' || jwk[member] === '');
  if (missing !== undefined) return `the JWK lacks its private member "${missing}"`;
  if (spec.key.crv !== '' && jwk.crv !== spec.key.crv) return `the JWK crv must be "${spec.key.crv}" for ${spec.name}`;
  return undefined;
}

function parse(spec: AlgorithmSpec, jwk: Readonly<Record<string, unknown>>): KeyPair {
  const keyType = keyTypeOf(spec.kty);
  // Only the standard members reach node: whatever else a caller put in the JWK is dropped.
  const members = Object.fromEntries(keyType.privateMembers.map((member) => [member, jwk[member]]));
  const invalid = `the JWK is not a valid ${spec.kty} private key`;
  // The public members must be the ones the private key implies, checked here on every Node release.
  const consistency = memberConsistency(spec.kty, members);
  if (consistency === 'mismatch') throw new BadRequestError('the JWK public members do not match its private key');
  if (consistency === 'invalid') throw new BadRequestError(invalid);
  try {
    return keyType.parse({ ...members, kty: spec.kty });
  } catch {
    throw new BadRequestError(invalid);
  }
}

/**
 * Validates a caller's JWK for a row and returns it as material with `kid` and `alg` set. A wrong
 * JWK is a BadRequestError whose detail names what is wrong, never any key material.
 */
export function importKeyMaterial(row: AlgorithmRow, jwk: unknown, kid: string): Promise<KeyMaterial> {
  return Promise.resolve().then(() => {
    const spec = resolveSpec(row.name);
    if (!isJsonObject(jwk)) throw new BadRequestError('the JWK must be a JSON object');
    const problem = memberProblem(spec, jwk);
    if (problem !== undefined) throw new BadRequestError(problem);
    const keys = parse(spec, jwk);
    // EC and OKP shapes have 0 bits and keyBits reports 0 for them: the curve was checked above.
    const wrongSize = sizeProblem(spec.key, keyBits(keys), spec.name);
    if (wrongSize !== undefined) throw new BadRequestError(wrongSize);
    return material(spec, keys, kid);
  });
}

function parseStored(spec: AlgorithmSpec, keyMaterial: KeyMaterial): KeyPair | undefined {
  if (keyMaterial.privateJwk.kty !== spec.kty) return undefined;
  try {
    return keyTypeOf(spec.kty).parse(keyMaterial.privateJwk);
  } catch {
    return undefined;
  }
}

/** Parses stored material once; material that does not fit its row means corrupt storage (500), not a bad request. */
export function prepareKey(row: AlgorithmRow, keyMaterial: KeyMaterial): PreparedKey {
  const spec = resolveSpec(row.name);
  const keys = parseStored(spec, keyMaterial);
  if (keys === undefined) throw new InternalError(new Error(`material key ${keyMaterial.kid} does not fit ${spec.name}`));
  return { row: spec, kid: keyMaterial.kid, secretOrPrivate: keys.secretOrPrivate, secretOrPublic: keys.publicKey ?? keys.secretOrPrivate };
}
