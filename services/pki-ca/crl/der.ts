/**
 * A small DER writer (ITU-T X.690 §10) for the structures pki-ca builds by hand, where a generic
 * ASN.1 library would make one object per element: tag and length helpers that return Buffers, so
 * a CRL of 100,000 entries is a list of byte strings joined once. Also a reader of a constructed
 * element's children, enough to lift the raw issuer name out of a CA certificate.
 */

/** Universal and context-specific tags this module and its callers write. */
export const derTag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
} as const;

/** The DER length octets of a content of `length` bytes (short form below 128, else long form). */
export function derLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`DER length must be a non-negative integer, got ${String(length)}`);
  if (length < 0x80) return Buffer.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One element: tag, length and the contents (the parts concatenated). */
export function derTlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const content = parts.length === 1 ? parts[0] ?? Buffer.alloc(0) : Buffer.concat(parts);
  return Buffer.concat([Buffer.of(tag), derLength(content.length), content]);
}

/** The tag and length of an element whose `length` content bytes the caller writes after it. */
export function derHeader(tag: number, length: number): Buffer {
  return Buffer.concat([Buffer.of(tag), derLength(length)]);
}

/** SEQUENCE of the given encoded elements. */
export function derSequence(...elements: readonly Uint8Array[]): Buffer {
  return derTlv(derTag.sequence, ...elements);
}

/** Context-specific `[number]` tag; constructed for EXPLICIT tagging and constructed IMPLICIT types. */
export function derContext(number: number, constructed: boolean, ...parts: readonly Uint8Array[]): Buffer {
  if (!Number.isInteger(number) || number < 0 || number > 30) throw new RangeError(`context tag number must be 0..30, got ${String(number)}`);
  return derTlv(0x80 | (constructed ? 0x20 : 0) | number, ...parts);
}

/**
 * The minimal two's-complement content of a non-negative integer given as unsigned big-endian
 * bytes: leading zero bytes dropped, one zero byte put back when the high bit is set.
 */
export function unsignedIntegerContent(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
  if (trimmed.length === 0) return Buffer.of(0);
  return (trimmed[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : Buffer.from(trimmed);
}

/** INTEGER of a non-negative bigint; negative values are refused (pki-ca never writes one). */
export function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('DER INTEGER: negative values are not written');
  const hex = value.toString(16);
  return derTlv(derTag.integer, unsignedIntegerContent(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')));
}

/** INTEGER of a non-negative integer written as hex (a serial number). */
export function derIntegerFromHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new RangeError('DER INTEGER: the value is not hex');
  return derTlv(derTag.integer, unsignedIntegerContent(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')));
}

/** ENUMERATED of a small non-negative number. */
export function derEnumerated(value: number): Buffer {
  return Buffer.concat([Buffer.of(derTag.enumerated), derInteger(BigInt(value)).subarray(1)]);
}

/** BOOLEAN (DER: true is 0xff). */
export function derBoolean(value: boolean): Buffer {
  return Buffer.of(derTag.boolean, 1, value ? 0xff : 0);
}

/** NULL. */
export function derNull(): Buffer {
  return Buffer.of(derTag.null, 0);
}

/** OCTET STRING of the bytes. */
export function derOctetString(bytes: Uint8Array): Buffer {
  return derTlv(derTag.octetString, bytes);
}

/** BIT STRING of whole bytes (no unused bits). */
export function derBitString(bytes: Uint8Array): Buffer {
  return derTlv(derTag.bitString, Buffer.of(0), bytes);
}

/** A string type of ASCII text (IA5String `0x16`, or an IMPLICIT tag such as GeneralName's URI `0x86`). */
export function derAscii(tag: number, text: string): Buffer {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new RangeError('DER: the text is not printable ASCII');
  return derTlv(tag, Buffer.from(text, 'latin1'));
}

function base128(value: bigint): number[] {
  const octets = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) octets.unshift(Number(rest & 0x7fn) | 0x80);
  return octets;
}

/** OBJECT IDENTIFIER of dotted text (`2.5.29.20`). */
export function derOid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`not an object identifier: ${dotted}`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second > 39n) throw new RangeError(`not an object identifier: ${dotted}`);
  const octets = [first * 40n + second, ...rest].flatMap(base128);
  return derTlv(derTag.oid, Buffer.from(octets));
}

function writeDigits(target: Buffer, offset: number, value: number, width: number): void {
  let rest = value;
  for (let index = width - 1; index >= 0; index -= 1) {
    target[offset + index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}

/** The longest time `writeDerTime` writes: GeneralizedTime, 2 + 15 bytes. */
export const maxDerTimeLength = 17;

/**
 * Writes `date` as a DER time element into `target` at `offset` and returns its length; RFC 5280
 * §5.1.2.4–6 (and §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` for the years 1950 to 2049, GeneralizedTime
 * `YYYYMMDDHHMMSSZ` otherwise; always UTC, whole seconds (milliseconds dropped).
 */
export function writeDerTime(date: Date, target: Buffer, offset: number): number {
  if (Number.isNaN(date.getTime())) throw new RangeError('DER time: invalid date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`DER time: year ${String(year)} is outside 0000-9999`);
  const utc = year >= 1950 && year < 2050;
  const yearWidth = utc ? 2 : 4;
  target[offset] = utc ? derTag.utcTime : derTag.generalizedTime;
  target[offset + 1] = yearWidth + 11;
  writeDigits(target, offset + 2, utc ? year % 100 : year, yearWidth);
  const at = offset + 2 + yearWidth;
  writeDigits(target, at, date.getUTCMonth() + 1, 2);
  writeDigits(target, at + 2, date.getUTCDate(), 2);
  writeDigits(target, at + 4, date.getUTCHours(), 2);
  writeDigits(target, at + 6, date.getUTCMinutes(), 2);
  writeDigits(target, at + 8, date.getUTCSeconds(), 2);
  target[at + 10] = 0x5a;
  return at + 11 - offset;
}

/** A DER time element of `date` (see `writeDerTime`). */
export function derTime(date: Date): Buffer {
  const target = Buffer.alloc(maxDerTimeLength);
  return target.subarray(0, writeDerTime(date, target, 0));
}

/** One element read back: its tag, its contents, and the whole element's bytes. */
export interface DerElement {
  readonly tag: number;
  readonly content: Buffer;
  readonly encoded: Buffer;
}

/** The element at `offset` of `bytes` (single-byte tags, definite lengths, as DER has them). */
export function readDerElement(bytes: Uint8Array, offset = 0): DerElement {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('DER: truncated element');
  let length = first;
  let headerLength = 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 6) throw new RangeError('DER: unsupported length form');
    if (offset + 2 + count > buffer.length) throw new RangeError('DER: truncated element');
    length = buffer.readUIntBE(offset + 2, count);
    headerLength += count;
  }
  const end = offset + headerLength + length;
  if (end > buffer.length) throw new RangeError('DER: truncated element');
  return { tag, content: buffer.subarray(offset + headerLength, end), encoded: buffer.subarray(offset, end) };
}

/** The children of a constructed element's contents, in order. */
export function readDerChildren(content: Uint8Array): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < content.length;) {
    const child = readDerElement(content, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}
