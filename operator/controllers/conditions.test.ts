import { expect } from 'chai';
import { nextConditions, sameStatus } from './conditions.ts';
import type { Observation } from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

const converging: Observation = { generation: 1, desiredReplicas: 2, readyReplicas: 1, databaseReady: true };
const ready: Observation = { generation: 2, desiredReplicas: 2, readyReplicas: 2, databaseReady: true };

function byType(conditions: readonly { type: string }[]): Record<string, unknown> {
  return Object.fromEntries(conditions.map((condition) => [condition.type, condition]));
}

describe('status.conditions (KEP-1623 metav1.Condition)', () => {
  const cases: { name: string; observed: Observation; expected: Record<string, [string, string]> }[] = [
    { name: 'converging replicas', observed: converging, expected: { Ready: ['False', 'NotAvailable'], Progressing: ['True', 'Converging'], Degraded: ['False', 'AsExpected'] } },
    { name: 'database not ready', observed: { ...ready, databaseReady: false }, expected: { Ready: ['False', 'NotAvailable'], Progressing: ['True', 'Converging'], Degraded: ['False', 'AsExpected'] } },
    { name: 'all replicas ready', observed: ready, expected: { Ready: ['True', 'Available'], Progressing: ['False', 'Converged'], Degraded: ['False', 'AsExpected'] } },
    {
      name: 'a failed reconcile',
      observed: { ...ready, error: { reason: 'DatabaseSecretMissing', message: 'Secret pg does not exist' } },
      expected: { Ready: ['False', 'DatabaseSecretMissing'], Progressing: ['False', 'Failed'], Degraded: ['True', 'DatabaseSecretMissing'] },
    },
    { name: 'ready pods of a spec not rolled out yet', observed: { ...ready, rolledOut: false }, expected: { Ready: ['False', 'NotAvailable'], Progressing: ['True', 'Converging'], Degraded: ['False', 'AsExpected'] } },
    { name: 'a rolled-out spec', observed: { ...ready, rolledOut: true }, expected: { Ready: ['True', 'Available'], Progressing: ['False', 'Converged'], Degraded: ['False', 'AsExpected'] } },
    {
      name: 'a rollout past its deadline',
      observed: { ...ready, rolledOut: false, stalled: 'timed out' },
      expected: { Ready: ['False', 'ProgressDeadlineExceeded'], Progressing: ['False', 'ProgressDeadlineExceeded'], Degraded: ['True', 'ProgressDeadlineExceeded'] },
    },
  ];
  for (const { name, observed, expected } of cases) {
    it(`reports ${name}`, () => {
      const conditions = nextConditions([], observed, t0);
      expect(conditions.map((condition) => [condition.type, condition.status, condition.reason])).to.deep.equal(
        Object.entries(expected).map(([type, [status, reason]]) => [type, status, reason]),
      );
      for (const condition of conditions) {
        expect(condition.observedGeneration).to.equal(observed.generation);
        expect(condition.lastTransitionTime).to.equal(t0.toISOString());
      }
    });
  }

  it('says what it waits for', () => {
    const conditions = byType(nextConditions([], converging, t0));
    expect(conditions.Ready).to.deep.include({ message: 'waiting for 1/2 replicas ready' });
    expect(byType(nextConditions([], { ...converging, databaseReady: false }, t0)).Progressing).to.deep.include({ message: 'waiting for the database' });
  });

  it('moves lastTransitionTime only when the status flips', () => {
    const first = nextConditions([], converging, t0);
    const same = nextConditions(first, { ...converging, generation: 2 }, t1);
    expect(same.map((condition) => condition.lastTransitionTime)).to.deep.equal([t0.toISOString(), t0.toISOString(), t0.toISOString()]);
    expect(same.map((condition) => condition.observedGeneration)).to.deep.equal([2, 2, 2]);
    const flipped = byType(nextConditions(first, ready, t1));
    expect(flipped.Ready).to.deep.include({ status: 'True', lastTransitionTime: t1.toISOString() });
    expect(flipped.Progressing).to.deep.include({ status: 'False', lastTransitionTime: t1.toISOString() });
    expect(flipped.Degraded).to.deep.include({ status: 'False', lastTransitionTime: t0.toISOString() });
  });

  it('compares status regardless of key order', () => {
    expect(sameStatus({ a: 1, b: [{ c: 2, d: 3 }] }, { b: [{ d: 3, c: 2 }], a: 1 })).to.equal(true);
    expect(sameStatus({ a: 1 }, { a: 2 })).to.equal(false);
    expect(sameStatus(undefined, { a: 1 })).to.equal(false);
    expect(sameStatus(null, null)).to.equal(true);
  });
});
