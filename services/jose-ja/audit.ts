/**
 * The audit trail (issue 17 point 5): one append-only row per operation and per lifecycle change.
 * Lifecycle rows are written inside the transaction that makes the change, so neither commits
 * without the other; operations write theirs through `OperationAudit`. Nothing updates or deletes
 * an audit row, not even deleting the set.
 */
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../template/database/index.ts';
import type { Actor } from './context.ts';
import { AuditRecord } from './entities.ts';
import type { OperationAudit, OperationRecord } from './ports.ts';

/** Lifecycle actions; the operations add `jwt.issue`, `sign`, `decrypt`, … */
export type LifecycleAction = 'create' | 'update' | 'rotate' | 'rotate.scheduled' | 'key.delete' | 'delete';

/** The API shape of one record. */
export interface AuditView {
  readonly id: string;
  readonly keySet: string;
  readonly action: string;
  readonly kid: string | null;
  readonly outcome: 'success' | 'failure';
  readonly detail: string | null;
  readonly actor: Actor;
  readonly at: string;
}

/** Adds one record to `em`'s unit of work (flushed with the change it records). */
export function appendAudit(em: EntityManager, actor: Actor, entry: OperationRecord, at: Date): void {
  em.create(AuditRecord, {
    id: uuidv7(),
    keySet: entry.keySet,
    action: entry.action,
    kid: entry.kid ?? null,
    outcome: entry.outcome,
    detail: entry.detail ?? null,
    actorSubject: actor.subject,
    actorClientId: actor.clientId,
    at,
  });
}

/** The audit port of the operations: each record is its own committed row. */
export function operationAudit(fork: () => EntityManager, now: () => Date): OperationAudit {
  return {
    async record(actor, entry) {
      const em = fork();
      appendAudit(em, actor, entry, now());
      await em.flush();
    },
  };
}

function present(record: AuditRecord): AuditView {
  return {
    id: record.id,
    keySet: record.keySet,
    action: record.action,
    kid: record.kid ?? null,
    outcome: record.outcome,
    detail: record.detail ?? null,
    actor: { subject: record.actorSubject, clientId: record.actorClientId },
    at: record.at.toISOString(),
  };
}

/** One page of a set's records, newest first (UUIDv7 ids break ties in time order). */
export async function listAudit(em: EntityManager, keySet: string, page: number, size: number): Promise<{ items: AuditView[]; total: number }> {
  const [records, total] = await em.findAndCount(AuditRecord, { keySet }, { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: size, offset: page * size });
  return { items: records.map(present), total };
}
