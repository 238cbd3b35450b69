/**
 * status.conditions as a pure function: the reconcile says what it observed, this computes the
 * conditions, moving `lastTransitionTime` only when a condition's status flips (KEP-1623).
 */
import type { Condition } from '../resources/types.ts';

/** What one reconcile saw; `error` set means the reconcile failed with that reason. */
export interface Observation {
  readonly generation: number;
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  readonly databaseReady: boolean;
  /** What the running service has yet to publish (pki-ca: its CA certificate); Ready waits for it. */
  readonly pending?: string;
  readonly error?: { readonly reason: string; readonly message: string };
}

/** A condition before it is stamped with the generation and its transition time. */
export type Draft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

function drafts(observed: Observation): Draft[] {
  const replicasReady = observed.readyReplicas >= observed.desiredReplicas;
  const ready = replicasReady && observed.databaseReady && observed.pending === undefined && observed.error === undefined;
  const waitingFor = !observed.databaseReady ? 'the database' : replicasReady && observed.pending !== undefined ? observed.pending : `${String(observed.readyReplicas)}/${String(observed.desiredReplicas)} replicas ready`;
  return [
    ready
      ? { type: 'Ready', status: 'True', reason: 'Available', message: `${String(observed.readyReplicas)}/${String(observed.desiredReplicas)} replicas ready` }
      : { type: 'Ready', status: 'False', reason: observed.error?.reason ?? 'NotAvailable', message: observed.error?.message ?? `waiting for ${waitingFor}` },
    ready || observed.error !== undefined
      ? { type: 'Progressing', status: 'False', reason: ready ? 'Converged' : 'Failed', message: ready ? 'all children match the spec' : 'reconcile failed' }
      : { type: 'Progressing', status: 'True', reason: 'Converging', message: `waiting for ${waitingFor}` },
    observed.error === undefined
      ? { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no errors' }
      : { type: 'Degraded', status: 'True', reason: observed.error.reason, message: observed.error.message },
  ];
}

/** Stamps drafts with `generation`, keeping a condition's `lastTransitionTime` unless its status flipped. */
export function stampConditions(previous: readonly Condition[], next: readonly Draft[], generation: number, now: Date): Condition[] {
  return next.map((draft) => {
    const before = previous.find((condition) => condition.type === draft.type);
    const lastTransitionTime = before?.status === draft.status ? before.lastTransitionTime : now.toISOString();
    return { ...draft, observedGeneration: generation, lastTransitionTime };
  });
}

/** The next conditions given the previous ones, what was observed, and the time now. */
export function nextConditions(previous: readonly Condition[], observed: Observation, now: Date): Condition[] {
  return stampConditions(previous, drafts(observed), observed.generation, now);
}

/** Status equality ignoring order of keys: status is written only when this says false. */
export function sameStatus(left: unknown, right: unknown): boolean {
  return JSON.stringify(sortKeys(left)) === JSON.stringify(sortKeys(right));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, item]) => [key, sortKeys(item)]));
  }
  return value;
}
