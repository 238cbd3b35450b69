/**
 * Revocation by account and by client. Everything stored for the subject (grants, sessions, codes,
 * refresh and opaque access tokens) is deleted at once, so a refresh is refused; JWT access tokens
 * are not stored, so a cut-off per subject makes introspection answer `active: false` for every
 * one issued up to now (the same second included).
 */
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
import type { JWTPayload } from 'jose';
import { RevokedSubject } from './entities.ts';
import type { OidcStorage } from './storage/adapter.ts';

export type SubjectKind = 'account' | 'client';

/** Revokes what `subject` holds and records the cut-off for its JWT access tokens. */
export async function revokeSubject(em: EntityManager, storage: Pick<OidcStorage, 'revokeAccount' | 'revokeClient'>, kind: SubjectKind, subject: string, now: Date): Promise<void> {
  await (kind === 'account' ? storage.revokeAccount(subject) : storage.revokeClient(subject));
  await em.upsert(RevokedSubject, { kind, subject, revokedAt: now });
}

/** True when the token's account or client was revoked at or after the second it was issued. */
export async function issuedBeforeRevocation(em: EntityManager, claims: JWTPayload): Promise<boolean> {
  const issuedAt = Number(claims.iat) * 1000;
  const rows = await em.find(RevokedSubject, {
    $or: [{ kind: 'account', subject: String(claims.sub) }, { kind: 'client', subject: String(claims.client_id) }],
  });
  return rows.some((row) => row.revokedAt.getTime() >= issuedAt);
}
