import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HashError, createHashService } from './index.ts';
import type { Pbkdf2Function } from './index.ts';
import { pooledPbkdf2 } from './pbkdf2-pool.ts';

const PEPPER = 'concurrency-test-pepper-0123456789';
const FAST = { 1: 1_000, 2: 1_000, 3: 1_000 } as const;

/** The production PBKDF2 (the low-priority pool) with a count of the calls in flight and the highest count seen. */
function countingPbkdf2(): { pbkdf2: Pbkdf2Function; readonly peak: number; readonly calls: number } {
  const derivePbkdf2 = pooledPbkdf2(2);
  let inFlight = 0;
  const counts = { peak: 0, calls: 0 };
  return {
    pbkdf2: async (...args) => {
      inFlight += 1;
      counts.calls += 1;
      counts.peak = Math.max(counts.peak, inFlight);
      try {
        return await derivePbkdf2(...args);
      } finally {
        inFlight -= 1;
      }
    },
    get peak() { return counts.peak; },
    get calls() { return counts.calls; },
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(() => 'resolved', (error: unknown) => error);
  expect(outcome).to.be.instanceOf(HashError);
  return (outcome as HashError).reason;
}

describe('hash gate in front of PBKDF2 (issue 19 point 6)', function () {
  this.timeout(30_000);

  it('200 concurrent production-strength hashes: a 1 ms timer\'s delay p99 stays under 50 ms, never more than maxConcurrent PBKDF2 calls run', async () => {
    const counter = countingPbkdf2();
    const maxConcurrent = 2;
    // v1 at production strength is 600,000 iterations; 200 of them would take far longer than a
    // unit test may, so each runs 100,000: the 200 still keep two cores busy for seconds.
    const hashes = await createHashService({ pepper: PEPPER, pbkdf2Iterations: { 1: 100_000 }, maxConcurrent, maxQueued: 256, pbkdf2: counter.pbkdf2 });
    const delays: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      delays.push(now - last - 1);
      last = now;
    }, 1);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = performance.now();
    try {
      const results = await Promise.all(Array.from({ length: 200 }, (_, index) => hashes.lowEntropyRandom.hashWithVersion(`password-${String(index)}`, 1)));
      expect(new Set(results).size).to.equal(200);
    } finally {
      clearInterval(timer);
      histogram.disable();
    }
    const elapsed = performance.now() - started;
    delays.sort((a, b) => a - b);
    const p99 = delays[Math.floor(delays.length * 0.99)] ?? Number.POSITIVE_INFINITY;
    expect(elapsed, 'the hashes took long enough for the timer to measure').to.be.above(1_000);
    expect(delays.length).to.be.above(100);
    expect(p99, `timer delay p99 ${p99.toFixed(1)} ms over ${String(delays.length)} ticks`).to.be.below(50);
    expect(histogram.percentile(99) / 1e6).to.be.below(50);
    expect(counter.calls).to.equal(200);
    expect(counter.peak).to.equal(maxConcurrent);
  });

  it('a hash beyond maxConcurrent + maxQueued is refused with ERR_HASH_OVERLOADED (503), the others complete', async () => {
    const counter = countingPbkdf2();
    const hashes = await createHashService({ pepper: PEPPER, pbkdf2Iterations: FAST, maxConcurrent: 1, maxQueued: 2, pbkdf2: counter.pbkdf2 });
    const accepted = [0, 1, 2].map((index) => hashes.lowEntropyRandom.hashWithVersion(`password-${String(index)}`, 1));
    expect(await reasonOf(hashes.lowEntropyDeterministic.hashWithVersion('password-3', 1))).to.equal('ERR_HASH_OVERLOADED');
    expect(await Promise.all(accepted)).to.have.length(3);
    expect(counter.calls).to.equal(3);
    // The queue has drained: the next one is taken.
    expect(await hashes.lowEntropyRandom.hashWithVersion('password-4', 1)).to.match(/^\$low-entropy-random\$/);
  });

  it('an admission taken ahead is refused when the gate is full and carries a verify and a rehash without a second place', async () => {
    const hashes = await createHashService({ pepper: PEPPER, pbkdf2Iterations: FAST, maxConcurrent: 1, maxQueued: 0 });
    const stored = await hashes.lowEntropyRandom.hashWithVersion('correct horse battery', 1);
    const admission = hashes.lowEntropyRandom.admit();
    try {
      let refused: unknown;
      try { hashes.lowEntropyRandom.admit(); } catch (error) { refused = error; }
      expect((refused as HashError).reason).to.equal('ERR_HASH_OVERLOADED');
      expect(await reasonOf(hashes.lowEntropyRandom.verify('correct horse battery', stored))).to.equal('ERR_HASH_OVERLOADED');
      expect(await hashes.lowEntropyRandom.verify('correct horse battery', stored, admission)).to.equal(true);
      expect(await hashes.lowEntropyRandom.hashWithLatest('correct horse battery', admission)).to.match(/^\$low-entropy-random\$v=3\$/);
      // HKDF registries never wait on the gate: one HMAC pass holds no core for long.
      expect(await hashes.highEntropyRandom.hashWithLatest('a-high-entropy-token-of-32-bytes')).to.match(/^\$high-entropy-random\$/);
    } finally {
      admission.leave();
    }
    expect(await hashes.lowEntropyRandom.verify('correct horse battery', stored)).to.equal(true);
  });
});
