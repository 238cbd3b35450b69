/**
 * Strict base64url (RFC 7515 §2, RFC 4648 §5 without padding). Node's decoder skips foreign
 * characters and ignores non-zero trailing bits, so two texts could decode to the same bytes; JOSE
 * parts are checked to be the canonical encoding, so changing any character of a token changes it.
 */

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes canonical unpadded base64url; `undefined` for anything else, including a non-string. The
 * round trip is the whole check: a foreign character, padding or stray bits never re-encode the same.
 */
export function decodeBase64url(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
