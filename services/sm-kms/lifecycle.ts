/**
 * The key state machine of sm-kms as data (docs/sm-kms/key-states.md is the same tables in prose):
 * which transitions exist, which operations each elastic key status allows, and what a revoked
 * material key may still do. Handlers ask these tables; none of them branches on a status itself.
 */
import { BadRequestError, ConflictError } from '../template/errors/index.ts';
import type { KeyUse } from '../template/jose/contract.ts';

/** Status of an elastic key. `deleted` is final: the row stays as a tombstone, its material is gone. */
export type KeyStatus = 'active' | 'disabled' | 'pending_deletion' | 'deleted';

/** Every status, in the order the docs list them. */
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'pending_deletion', 'deleted'];

/** Status of a material key: a revoked one never encrypts, signs or wraps again. */
export type MaterialStatus = 'active' | 'revoked';

/** A change of elastic key status; the name is also the audit action that records it. */
export type Transition = 'disable' | 'enable' | 'schedule_deletion' | 'cancel_deletion' | 'delete';

export interface TransitionRule {
  readonly from: readonly KeyStatus[];
  readonly to: KeyStatus;
}

/**
 * Every edge of the state machine. Cancelling a deletion lands on `disabled`, not `active` (as in
 * AWS KMS): whoever scheduled it meant the key to stop, so using it again takes a deliberate enable.
 */
export const TRANSITIONS: Readonly<Record<Transition, TransitionRule>> = {
  disable: { from: ['active'], to: 'disabled' },
  enable: { from: ['disabled'], to: 'active' },
  schedule_deletion: { from: ['active', 'disabled'], to: 'pending_deletion' },
  cancel_deletion: { from: ['pending_deletion'], to: 'disabled' },
  delete: { from: ['pending_deletion'], to: 'deleted' },
};

/** What a caller can ask of an elastic key (reads are allowed in every status and are not listed). */
export type KeyOperation = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'generate' | 'rotate' | 'import' | 'revoke' | 'update';

/**
 * Which revoked material keys an operation may still use: `never`, or the elastic key's policy
 * flag that decides. Operations that use no material key (rotate, import, revoke, update) are absent.
 */
export type RevokedMaterialRule = 'never' | 'revokedMayDecrypt' | 'revokedMayVerify';

export interface OperationRule {
  /** Elastic key statuses in which the operation runs; any other answers 409 naming the status. */
  readonly statuses: readonly KeyStatus[];
  /** The key use the algorithm must have, for operations that do cryptography. */
  readonly use?: KeyUse;
  readonly revokedMaterial?: RevokedMaterialRule;
}

/**
 * Operations by status. Only an active key does cryptography or gets new material. Description and
 * policy changes are refused once deletion is scheduled (cancel first); revoking stays possible
 * while disabled or pending deletion, because revoking is how a leaked key is contained.
 */
export const OPERATIONS: Readonly<Record<KeyOperation, OperationRule>> = {
  encrypt: { statuses: ['active'], use: 'enc', revokedMaterial: 'never' },
  decrypt: { statuses: ['active'], use: 'enc', revokedMaterial: 'revokedMayDecrypt' },
  sign: { statuses: ['active'], use: 'sig', revokedMaterial: 'never' },
  verify: { statuses: ['active'], use: 'sig', revokedMaterial: 'revokedMayVerify' },
  generate: { statuses: ['active'], use: 'enc', revokedMaterial: 'never' },
  rotate: { statuses: ['active'] },
  import: { statuses: ['active'] },
  revoke: { statuses: ['active', 'disabled', 'pending_deletion'] },
  update: { statuses: ['active', 'disabled'] },
};

/** The status a `PUT {status}` may ask for, and the transition that gets there. */
export const STATUS_REQUESTS: Readonly<Partial<Record<KeyStatus, Transition>>> = {
  active: 'enable',
  disabled: 'disable',
};

/** Waiting period of a scheduled deletion, in days (as AWS KMS: 7 by default, here 1–30). */
export const PENDING_DAYS = { min: 1, max: 30, default: 7 } as const;

/** The elastic key policy flags a revoked-material rule can name. */
export interface RevocationPolicy {
  readonly revokedMayDecrypt: boolean;
  readonly revokedMayVerify: boolean;
}

/** The status a transition leads to; 409 when the key's status is not a starting point of it. */
export function nextStatus(status: KeyStatus, transition: Transition): KeyStatus {
  const rule = TRANSITIONS[transition];
  if (!rule.from.includes(status)) {
    throw new ConflictError(`the elastic key is ${status}; ${transition} needs ${rule.from.join(' or ')}`);
  }
  return rule.to;
}

/** 409 naming the status when the elastic key's status does not allow the operation. */
export function assertOperation(status: KeyStatus, operation: KeyOperation): void {
  const rule = OPERATIONS[operation];
  if (!rule.statuses.includes(status)) {
    throw new ConflictError(`the elastic key is ${status}; ${operation} needs ${rule.statuses.join(' or ')}`);
  }
}

/** 400 when the key's algorithm is for the other use (a signing key cannot encrypt). */
export function assertUse(use: KeyUse, operation: KeyOperation): void {
  const wanted = OPERATIONS[operation].use;
  if (wanted !== undefined && wanted !== use) {
    throw new BadRequestError(`the elastic key's algorithm is for ${use === 'sig' ? 'signatures' : 'encryption'}; it cannot ${operation}`);
  }
}

/** 409 when a revoked material key may not serve the operation under the elastic key's policy. */
export function assertMaterialUsable(status: MaterialStatus, operation: KeyOperation, policy: RevocationPolicy): void {
  if (status === 'active') return;
  // `never` names no flag of the policy, so no policy allows it.
  const allows: Readonly<Partial<Record<RevokedMaterialRule, boolean>>> = policy;
  // Stryker disable next-line StringLiteral: an operation without a rule looks up no policy flag under any other name either
  if (allows[OPERATIONS[operation].revokedMaterial ?? 'never'] !== true) {
    throw new ConflictError(`the material key is revoked; the elastic key does not allow it to ${operation}`);
  }
}
