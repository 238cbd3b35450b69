/**
 * Serial numbers as pki-ca makes them for certificates and time-stamp tokens (RFC 5280 §4.1.2.2,
 * RFC 3161 §2.4.2): 16 CSPRNG bytes, the first `(b & 0x7f) | 0x40` so the INTEGER is positive and
 * always 16 octets, leaving 126 random bits that make collisions negligible.
 */
import { randomBytes } from 'node:crypto';

/** Octets in a pki-ca serial number. */
export const SERIAL_OCTETS = 16;

/** A new serial number as 32 lowercase hex characters (`serialHex`, as the API and the store hold it). */
export function newSerialHex(): string {
  const bytes = randomBytes(SERIAL_OCTETS);
  bytes[0] = (bytes.readUInt8(0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
