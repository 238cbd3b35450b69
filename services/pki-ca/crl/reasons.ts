/**
 * RFC 5280 §5.3.1 revocation reasons: the names pki-ca's API, database, CRLs and OCSP use, and the
 * CRLReason codes they stand for (7 is not assigned).
 */

/** The reason names, in code order. */
export const reasonNames = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** One RFC 5280 revocation reason name. */
export type ReasonName = (typeof reasonNames)[number];

/** Name → CRLReason code. */
export const reasonCodes: ReadonlyMap<ReasonName, number> = new Map<ReasonName, number>([
  ['unspecified', 0],
  ['keyCompromise', 1],
  ['cACompromise', 2],
  ['affiliationChanged', 3],
  ['superseded', 4],
  ['cessationOfOperation', 5],
  ['certificateHold', 6],
  ['removeFromCRL', 8],
  ['privilegeWithdrawn', 9],
  ['aACompromise', 10],
]);

const namesByCode: ReadonlyMap<number, ReasonName> = new Map([...reasonCodes].map(([name, code]) => [code, name]));

/** Whether `value` is one of the reason names (for validating a revoke request). */
export function isReasonName(value: unknown): value is ReasonName {
  return typeof value === 'string' && reasonCodes.has(value as ReasonName);
}

/** The CRLReason code of a name. */
export function reasonCode(name: ReasonName): number {
  const code = reasonCodes.get(name);
  if (code === undefined) throw new RangeError(`unknown revocation reason ${name}`);
  return code;
}

/** The name of a CRLReason code, or undefined for a code RFC 5280 does not assign. */
export function reasonName(code: number): ReasonName | undefined {
  return namesByCode.get(code);
}
