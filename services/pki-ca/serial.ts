/**
 * Serial numbers as pki-ca makes them for certificates and time-stamp tokens (RFC 5280 §4.1.2.2,
 * RFC 3161 §2.4.2): 16 CSPRNG bytes, the first `(b & 0x7f) | 0x40` so the INTEGER is positive and
 * always 16 octets, leaving 126 random bits that make collisions negligible. Written as 32
 * lowercase hex characters (`serialHex`) everywhere: the API, the store and look-ups.
 */
import { randomBytes } from 'node:crypto';

/** Octets in a pki-ca serial number. */
export const SERIAL_OCTETS = 16;

/** A new serial number in hex; `random` is replaceable so tests can pin the bytes. */
export function newSerialHex(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(SERIAL_OCTETS);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x7f) | 0x40, 0);
  return bytes.toString('hex');
}

const SERIAL_HEX = /^[0-9a-f]{32}$/;

/** Whether `text` is a serial as pki-ca writes them. */
export function isSerialHex(text: string): boolean {
  return SERIAL_HEX.test(text);
}
