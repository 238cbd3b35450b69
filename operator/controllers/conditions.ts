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
  /** False while the Deployment has not rolled out the current spec; absent counts as rolled out. */
  readonly rolledOut?: boolean;
  /** The Deployment controller's message when the rollout passed its progress deadline. */
  readonly stalled?: string;
  readonly error?: { readonly reason: string; readonly message: string };
}

/** A condition before it is stamped with the generation and its transition time. */
export type Draft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

const NO_ERRORS: Draft = { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no errors' };

/** Ready, Progressing and Degraded all saying the same failure. */
function failed(reason: string, message: string, progressing: string, progressingMessage: string): Draft[] {
  return [
    { type: 'Ready', status: 'False', reason, message },
    { type: 'Progressing', status: 'False', reason: progressing, message: progressingMessage },
    { type: 'Degraded', status: 'True', reason, message },
  ];
}

/** What Ready still waits for, or undefined when nothing. */
function waitingFor(observed: Observation): string | undefined {
  if (!observed.databaseReady) return 'the database';
  if (observed.readyReplicas < observed.desiredReplicas) return `${String(observed.readyReplicas)}/${String(observed.desiredReplicas)} replicas ready`;
  // Ready pods of the old template do not make the new spec Ready (a crash-looping new image).
  if (observed.rolledOut === false) return 'the Deployment to roll out the current spec';
  return observed.pending;
}

function drafts(observed: Observation): Draft[] {
  if (observed.error !== undefined) return failed(observed.error.reason, observed.error.message, 'Failed', 'reconcile failed');
  if (observed.stalled !== undefined) {
    const message = `the Deployment's rollout stalled: ${observed.stalled}`;
    return failed('ProgressDeadlineExceeded', message, 'ProgressDeadlineExceeded', message);
  }
  const waiting = waitingFor(observed);
  if (waiting === undefined) {
    return [
      { type: 'Ready', status: 'True', reason: 'Available', message: `${String(observed.readyReplicas)}/${String(observed.desiredReplicas)} replicas ready` },
      { type: 'Progressing', status: 'False', reason: 'Converged', message: 'all children match the spec' },
      NO_ERRORS,
    ];
  }
  return [
    { type: 'Ready', status: 'False', reason: 'NotAvailable', message: `waiting for ${waiting}` },
    { type: 'Progressing', status: 'True', reason: 'Converging', message: `waiting for ${waiting}` },
    NO_ERRORS,
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
