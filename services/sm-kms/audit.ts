/**
 * The audit trail (issue "sm-kms" point 3): one row per state change, written in the transaction
 * that makes the change, so a change without its row (or a row without its change) cannot commit.
 * The table is append-only: nothing in sm-kms updates or deletes an audit row.
 */
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../template/database/index.ts';
import type { Actor } from './context.ts';
import { AuditEvent } from './entities.ts';
import type { Transition } from './lifecycle.ts';

/** What happened: a lifecycle transition, or one of the changes that keep the status. */
export type AuditAction = Transition | 'create' | 'update' | 'rotate' | 'import' | 'revoke';

export interface AuditInput {
  readonly elasticKeyId: string;
  readonly materialKeyId?: string;
  readonly action: AuditAction;
  readonly actor: Actor;
  /** Elastic key status for transitions; material key status for `revoke`. */
  readonly fromStatus?: string;
  readonly toStatus?: string;
}

/** The API shape of an audit event. */
export interface AuditView {
  readonly id: string;
  readonly elasticKeyId: string;
  readonly materialKeyId: string | null;
  readonly action: string;
  readonly actor: Actor;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly at: string;
}

/**
 * Appends one event inside `tx`. Pending rows are flushed first: the event names a key or a
 * version by foreign key, and those rows must exist before it.
 */
export async function recordAudit(tx: EntityManager, event: AuditInput, at: Date): Promise<void> {
  await tx.flush();
  await tx.insert(AuditEvent, {
    id: uuidv7(),
    elasticKeyId: event.elasticKeyId,
    materialKeyId: event.materialKeyId ?? null,
    action: event.action,
    actor: event.actor.subject,
    actorClientId: event.actor.clientId,
    fromStatus: event.fromStatus ?? null,
    toStatus: event.toStatus ?? null,
    at,
  });
}

/** The API shape of one stored event. */
export function presentAudit(event: AuditEvent): AuditView {
  return {
    id: event.id,
    elasticKeyId: event.elasticKeyId,
    materialKeyId: event.materialKeyId ?? null,
    action: event.action,
    actor: { subject: event.actor, clientId: event.actorClientId },
    fromStatus: event.fromStatus ?? null,
    toStatus: event.toStatus ?? null,
    at: event.at.toISOString(),
  };
}

/** One page of an elastic key's events, newest first (ids are UUIDv7, so they break ties in time order). */
export async function listAudit(em: EntityManager, elasticKeyId: string, page: number, size: number): Promise<{ items: AuditView[]; total: number }> {
  const [events, total] = await em.findAndCount(AuditEvent, { elasticKeyId }, { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: size, offset: page * size });
  return { items: events.map(presentAudit), total };
}
