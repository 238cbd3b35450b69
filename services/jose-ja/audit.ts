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

function auditRow(actor: Actor, entry: OperationRecord, at: Date) {
  return {
    id: uuidv7(),
    keySet: entry.keySet,
    action: entry.action,
    kid: entry.kid ?? null,
    outcome: entry.outcome,
    detail: entry.detail ?? null,
    actorSubject: actor.subject,
    actorClientId: actor.clientId,
    at,
  };
}

/** Adds one record to `em`'s unit of work (flushed with the change it records). */
export function appendAudit(em: EntityManager, actor: Actor, entry: OperationRecord, at: Date): void {
  em.create(AuditRecord, auditRow(actor, entry, at));
}

/** Rows in one INSERT: well inside SQLite's and PostgreSQL's limits on bound parameters. */
export const AUDIT_BATCH_ROWS = 500;

interface Waiting {
  readonly row: ReturnType<typeof auditRow>;
  readonly done: (error?: Error) => void;
}

/**
 * The audit port of the operations, with group commit: the records that arrive while a write is
 * under way go together into the next one (one INSERT per AUDIT_BATCH_ROWS), and each caller is
 * answered only once its own record is committed, so no operation is answered whose record could
 * still be lost. A failed write fails every caller of its batch.
 */
export function operationAudit(fork: () => EntityManager, now: () => Date): OperationAudit {
  const queue: Waiting[] = [];
  let writing = false;
  const drain = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, AUDIT_BATCH_ROWS);
      try {
        await fork().insertMany(AuditRecord, batch.map((waiting) => waiting.row));
        for (const waiting of batch) waiting.done();
      } catch (error) {
        const failure = new Error('the audit write failed', { cause: error });
        for (const waiting of batch) waiting.done(failure);
      }
    }
    writing = false;
  };
  return {
    record(actor, entry) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ row: auditRow(actor, entry, now()), done: (error) => { if (error === undefined) resolve(); else reject(error); } });
        if (!writing) void drain();
      });
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
