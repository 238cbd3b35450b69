/**
 * Reading the JOSE Header of an object in either serialization before a key is chosen: compact
 * (RFC 7515 §7.1, RFC 7516 §7.1) or flattened JSON (RFC 7515 §7.2.2, RFC 7516 §7.2.2). The
 * cryptography (and jose, for the JSON forms) checks everything else.
 */
import { decodeProtectedHeader, isJsonObject } from '../../template/jose/header.ts';
import type { Header } from './keys.ts';

/** A JOSE object as received: compact text or a parsed JSON serialization. */
export type JoseInput = string | Readonly<Record<string, unknown>>;

/** The shape of one kind of object in each serialization. */
export interface JoseForm {
  readonly parts: number;
  /** Members the flattened serialization must carry as strings. */
  readonly members: readonly string[];
  /** Members holding unprotected header objects, joined into the JOSE Header. */
  readonly unprotected: readonly string[];
}

export const JWS_FORM: JoseForm = { parts: 3, members: ['protected', 'payload', 'signature'], unprotected: ['header'] };
export const JWE_FORM: JoseForm = { parts: 5, members: ['protected', 'iv', 'ciphertext', 'tag'], unprotected: ['unprotected', 'header'] };

/**
 * The JOSE Header (protected members win over unprotected ones), or `undefined` when the object is
 * not of the form. Only the protected header of a compact object exists, so only it is read there.
 */
export function joseHeaderOf(input: JoseInput, form: JoseForm): Header | undefined {
  if (typeof input === 'string') {
    const parts = input.split('.');
    return parts.length === form.parts ? decodeProtectedHeader(input.slice(0, input.indexOf('.'))) : undefined;
  }
  if (!form.members.every((member) => typeof input[member] === 'string')) return undefined;
  const protectedHeader = decodeProtectedHeader(input.protected as string);
  const unprotected = form.unprotected.map((member) => input[member]).filter((value) => value !== undefined);
  if (protectedHeader === undefined || !unprotected.every(isJsonObject)) return undefined;
  return Object.assign({}, ...unprotected, protectedHeader) as Header;
}
