/**
 * A minimal DER reader for the few bytes the lint must see exactly as encoded (the validity times'
 * tags and text, the names' and key's octets): ASN.1 libraries decode these and lose what the rules
 * check.
 */

/** One DER element: its tag byte and where it and its content lie in the buffer it was read from. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the element at `offset`; throws a RangeError on a truncated or indefinite-length element. */
export function readElement(bytes: Uint8Array, offset: number): DerElement {
  // A missing tag or length octet makes the length NaN, which the end check below refuses.
  const tag = bytes[offset] ?? 0;
  const first = bytes[offset + 1] ?? Number.NaN;
  let length = first;
  let contentStart = offset + 2;
  if (first > 0x7f) {
    // X.690 §8.1.3.5: long form, the low bits count the length octets (0x80 is BER's indefinite form).
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new RangeError('DER length form not supported');
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + (bytes[contentStart + index] ?? Number.NaN);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (!(end <= bytes.length)) throw new RangeError('DER element truncated');
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): readonly DerElement[] {
  const children: DerElement[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readElement(bytes, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The `index`th element inside `parent`; throws a RangeError when there is none. */
export function childAt(bytes: Uint8Array, parent: DerElement, index: number): DerElement {
  const child = childrenOf(bytes, parent)[index];
  if (child === undefined) throw new RangeError(`DER element has no child ${index}`);
  return child;
}
