/**
 * Issue 16, scale: 200 resources (half PetStore, half KmsInstance) Ready in under 30 s with
 * kube-sim and the operator as separate processes, through the same function as
 * `npm run bench:operator`, whose figures docs/operator.md "Sizing" reports.
 */
import { expect } from 'chai';
import { figuresTable, runOperatorScale, type ScaleFigures } from '../bench/operator-scale.ts';

describe('operator at scale: 200 resources on kube-sim (issue 16)', function () {
  this.timeout(180_000);
  let figures: ScaleFigures;

  before(async () => {
    figures = await runOperatorScale({ count: 200, timeoutMs: 60_000, quietMs: 3_000 });
    process.stdout.write(`${figuresTable(figures)}\n`);
  });

  it('brings every one of 200 resources to Ready=True in under 30 s', () => {
    expect(figures.ready).to.equal(200);
    expect(figures.readySeconds).to.be.greaterThan(0).and.lessThan(30);
  });

  it('measures both processes apart and counts what the operator asked of the API server', () => {
    expect(figures.cpuSeconds.operatorToReady).to.be.greaterThan(0);
    expect(figures.cpuSeconds.kubeSimToReady).to.be.greaterThan(0);
    // One reconcile per resource at least, and at least one API request per reconcile.
    expect(figures.reconciles).to.be.at.least(200);
    expect(figures.requestsPerReconcile).to.be.at.least(1);
    expect(figures.operatorRssMb.idle).to.be.greaterThan(0);
    expect(figures.operatorRssMb.peak).to.be.at.least(figures.operatorRssMb.idle);
    // VmHWM is the kernel's high-water mark, VmRSS samples its per-CPU batched counters: the two are
    // read at different moments and may disagree by a few counter batches (64 pages per thread).
    expect(figures.operatorRssMb.highWater).to.be.at.least(figures.operatorRssMb.peak - 3);
  });
});
