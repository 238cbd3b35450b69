/**
 * The RFC 8555 §7.1.6 status tables. Every change of status is one guarded write
 * (`update … set status = to where id = ? and status = from`), so two replicas racing on the same
 * object cannot both move it: the one whose update touched no row lost, and reads the new state.
 */
import type { EntityManager } from '@mikro-orm/core';
import { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeOrder } from './entities.ts';

export type AccountStatus = 'valid' | 'deactivated' | 'revoked';
export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AuthorizationStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type ChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

/** The allowed moves of each object, `from → [to]` (RFC 8555 §7.1.6). */
export const TRANSITIONS = {
  account: { valid: ['deactivated', 'revoked'], deactivated: [], revoked: [] },
  order: { pending: ['ready', 'invalid'], ready: ['processing', 'invalid'], processing: ['valid', 'invalid'], valid: [], invalid: [] },
  authorization: { pending: ['valid', 'invalid', 'expired', 'deactivated'], valid: ['deactivated', 'expired', 'revoked'], invalid: [], deactivated: [], expired: [], revoked: [] },
  challenge: { pending: ['processing'], processing: ['valid', 'invalid'], valid: [], invalid: [] },
} as const satisfies {
  account: Record<AccountStatus, readonly AccountStatus[]>;
  order: Record<OrderStatus, readonly OrderStatus[]>;
  authorization: Record<AuthorizationStatus, readonly AuthorizationStatus[]>;
  challenge: Record<ChallengeStatus, readonly ChallengeStatus[]>;
};

interface Kinds {
  account: { status: AccountStatus };
  order: { status: OrderStatus };
  authorization: { status: AuthorizationStatus };
  challenge: { status: ChallengeStatus };
}

/** One guarded update per kind: `where id and status = from`, returning the rows changed. */
type GuardedUpdate = (em: EntityManager, id: string, from: string, data: Record<string, unknown>) => Promise<number>;
const UPDATES: Readonly<Record<keyof Kinds, GuardedUpdate>> = {
  account: (em, id, from, data) => em.nativeUpdate(AcmeAccount, { id, status: from as AccountStatus }, data),
  order: (em, id, from, data) => em.nativeUpdate(AcmeOrder, { id, status: from as OrderStatus }, data),
  authorization: (em, id, from, data) => em.nativeUpdate(AcmeAuthorization, { id, status: from as AuthorizationStatus }, data),
  challenge: (em, id, from, data) => em.nativeUpdate(AcmeChallenge, { id, status: from as ChallengeStatus }, data),
};

/** Whether the table allows `from → to` for this kind of object. */
export function allowed<K extends keyof Kinds>(kind: K, from: Kinds[K]['status'], to: Kinds[K]['status']): boolean {
  const moves: Readonly<Record<string, readonly string[]>> = TRANSITIONS[kind];
  return Object.entries(moves).some(([state, targets]) => state === from && targets.includes(to));
}

/**
 * Moves one object from `from` to `to` (with `extra` columns) if it is still in `from`; true when
 * this call made the move. A move the table does not allow is a programming error.
 */
export async function transition<K extends keyof Kinds>(em: EntityManager, kind: K, id: string, from: Kinds[K]['status'], to: Kinds[K]['status'], extra: Readonly<Record<string, unknown>> = {}): Promise<boolean> {
  if (!allowed(kind, from, to)) {
    throw new TypeError(`${kind} cannot move from ${from} to ${to}`);
  }
  return await UPDATES[kind](em, id, from, { ...extra, status: to, updatedAt: new Date() }) === 1;
}
