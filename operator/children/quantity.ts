/**
 * Kubernetes resource quantities (`1Gi`, `500M`, `1.5T`) as numbers, for comparing volume sizes:
 * the forms the CRD's quantity pattern admits, with binary (Ki…) and decimal (k, M…) suffixes.
 */

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/u;

/** The quantity in base units (bytes for storage); undefined when it is not one this parser knows. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, digits, suffix] = match;
  // The pattern admits only the suffixes of the table.
  return Number(digits) * Number(SUFFIXES[suffix ?? '']);
}
