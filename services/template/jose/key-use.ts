/**
 * A material key serves one `use` (RFC 7517 §4.2): an encryption row never signs, a signature row
 * never encrypts. Handlers usually check first; these keep the operations safe on their own.
 */
import { BadRequestError } from '../errors/index.ts';
import type { PreparedKey } from './key-material.ts';
import { resolveSpec } from './table.ts';
import type { EncryptionSpec, SignatureSpec } from './table.ts';

/** The row of a key that must be a JWE row; a signing key asked to encrypt is the caller's mistake. */
export function encryptionSpec(key: PreparedKey): EncryptionSpec {
  const spec = resolveSpec(key.row.name);
  if (spec.use !== 'enc') throw new BadRequestError(`${spec.name} is a signature algorithm; it cannot encrypt or decrypt`);
  return spec;
}

/** The row of a key that must be a JWS row. */
export function signatureSpec(key: PreparedKey): SignatureSpec {
  const spec = resolveSpec(key.row.name);
  if (spec.use !== 'sig') throw new BadRequestError(`${spec.name} is an encryption algorithm; it cannot sign or verify`);
  return spec;
}
