/**
 * Every operation on a key set leaves one audit record, success or failure (issue "jose-ja"
 * point 5): the caller, the action, the key used and, for a failure, which check failed.
 */
import { ProblemError } from '../../template/errors/index.ts';
import type { OperationContext } from '../../template/service.ts';
import type { KeyChoice, KeySource, OperationAudit, OperationRecord } from '../ports.ts';
import type { Outcome } from './outcome.ts';
import { actorOf, setNameOf } from './request.ts';

/** What the operation handlers need: where keys come from, where records go, and the clock. */
export interface OperationDeps {
  readonly keys: KeySource;
  readonly audit: OperationAudit;
  readonly now: () => Date;
}

function recordOf(keySet: string, action: string, outcome: Outcome<unknown>): OperationRecord {
  if (outcome.ok) return { keySet, action, kid: outcome.kid, outcome: 'success' };
  const entry = { keySet, action, outcome: 'failure', detail: outcome.check } as const;
  return outcome.kid === undefined ? entry : { ...entry, kid: outcome.kid };
}

/** A refusal thrown on the way (wrong use, bad body) is recorded by what the client is told; nothing unexposed. */
function thrownDetail(error: unknown): string {
  return error instanceof ProblemError && error.expose ? error.message : 'internal error';
}

/**
 * Runs one operation on the named set and records it. A set that does not exist answers 404
 * without a record: there is no set for the row to belong to.
 */
export async function audited<O extends Outcome<unknown>>(deps: OperationDeps, ctx: OperationContext, action: string, run: (choice: KeyChoice) => Promise<O>): Promise<O> {
  const actor = actorOf(ctx);
  const keySet = setNameOf(ctx);
  const choice = await deps.keys.keys(keySet);
  let outcome: O;
  try {
    outcome = await run(choice);
  } catch (error: unknown) {
    await deps.audit.record(actor, { keySet, action, outcome: 'failure', detail: thrownDetail(error) });
    throw error;
  }
  await deps.audit.record(actor, recordOf(keySet, action, outcome));
  return outcome;
}
