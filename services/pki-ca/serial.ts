/** Certificate serial numbers as pki-ca writes them everywhere: 32 lowercase hex characters. */
import { randomBytes } from 'node:crypto';

/** 16 CSPRNG bytes, the first `(b & 0x7f) | 0x40`: positive, never shortened, 126 random bits. */
export function newSerialHex(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(16);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x7f) | 0x40, 0);
  return bytes.toString('hex');
}

const SERIAL_HEX = /^[0-9a-f]{32}$/;

/** Whether `text` is a serial as pki-ca writes them. */
export function isSerialHex(text: string): boolean {
  return SERIAL_HEX.test(text);
}
