/**
 * OBJECT IDENTIFIER text with arcs of any size. asn1js keeps arcs as JavaScript numbers and spells
 * those beyond 2^53 (UUID arcs under 2.25, as the default TSA policy has) as hex in braces, so a
 * policy OID is read here from its DER with BigInt.
 */
import * as asn1js from 'asn1js';

/** X.690 §8.19: base-128 sub-identifiers; the first holds the first two arcs as 40·a + b. */
export function objectIdentifierText(content: Uint8Array): string {
  const subIdentifiers: bigint[] = [];
  let value = 0n;
  let pending = false;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    pending = (byte & 0x80) !== 0;
    if (!pending) {
      subIdentifiers.push(value);
      value = 0n;
    }
  }
  const [first, ...rest] = subIdentifiers;
  if (first === undefined || pending) throw new RangeError('an OBJECT IDENTIFIER ends with a complete sub-identifier');
  const top = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [top, first - top * 40n, ...rest].map(String).join('.');
}

/** The text of a parsed asn1js OBJECT IDENTIFIER, from its DER content octets. */
export function objectIdentifierOf(block: asn1js.ObjectIdentifier): string {
  const header = block.idBlock.blockLength + block.lenBlock.blockLength;
  return objectIdentifierText(new Uint8Array(block.valueBeforeDecodeView).subarray(header));
}
