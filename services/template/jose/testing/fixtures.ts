/**
 * Test keys for the algorithm suites. RSA generation at 3072 bits costs up to a second, so RSA rows
 * import one 2048-bit key made once per process (the smallest size import accepts); every other
 * row generates its own key, which takes microseconds.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import type { AlgorithmRow, KeyMaterial } from '../contract.ts';
import { generateKeyMaterial, importKeyMaterial, prepareKey } from '../key-material.ts';
import type { PreparedKey } from '../key-material.ts';
import { ALGORITHM_NAMES, resolveAlgorithm } from '../table.ts';

let rsaJwk: JWK | undefined;

/** One RSA 2048 private JWK per process. */
export function testRsaJwk(): JWK {
  rsaJwk ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return rsaJwk;
}

/** Material for a row: the shared RSA key for RSA rows, a fresh key otherwise. */
export function testMaterial(row: AlgorithmRow, kid = `kid-${row.name}`): Promise<KeyMaterial> {
  return row.kty === 'RSA' ? importKeyMaterial(row, testRsaJwk(), kid) : generateKeyMaterial(row, kid);
}

/** A prepared key for a row name, with its material for interoperability checks. */
export async function testKey(name: string, kid?: string): Promise<{ readonly key: PreparedKey; readonly material: KeyMaterial }> {
  const row = resolveAlgorithm(name);
  const material = await testMaterial(row, kid);
  return { key: prepareKey(row, material), material };
}

/** Every row of one use. */
export function rowsOf(use: AlgorithmRow['use']): readonly AlgorithmRow[] {
  return ALGORITHM_NAMES.map(resolveAlgorithm).filter((row) => row.use === use);
}
