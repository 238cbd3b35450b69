import { expect } from 'chai';
import { WorkQueue } from './work-queue.ts';
import type { SetTimer } from './work-queue.ts';

/** Timers the test fires by hand. */
function manualTimers(): { setTimer: SetTimer; scheduled: { delayMs: number; fire: () => void; cancelled: boolean }[] } {
  const scheduled: { delayMs: number; fire: () => void; cancelled: boolean }[] = [];
  const setTimer: SetTimer = (callback, delayMs) => {
    const entry = { delayMs, fire: callback, cancelled: false };
    scheduled.push(entry);
    return () => { entry.cancelled = true; };
  };
  return { setTimer, scheduled };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => { resolve = done; });
  return { promise, resolve };
}

describe('per-key work queue', () => {
  it('queues a waiting key once however often it is added', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue({ concurrency: 1, handler: async (key) => { seen.push(key); await gate.promise; } });
    queue.add('a');
    queue.add('b');
    queue.add('b');
    queue.add('b');
    expect(queue.depth).to.equal(1);
    gate.resolve();
    await queue.idle();
    expect(seen).to.deep.equal(['a', 'b']);
  });

  it('never runs one key twice at once, and runs it again after an add during the run', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const gate = deferred();
    const queue = new WorkQueue({
      handler: async () => {
        running += 1;
        runs += 1;
        most = Math.max(most, running);
        await gate.promise;
        running -= 1;
      },
    });
    queue.add('a');
    queue.add('a');
    queue.add('a');
    gate.resolve();
    await queue.idle();
    expect(most).to.equal(1);
    expect(runs).to.equal(2);
  });

  it('retries a failing key with exponential backoff and forgets failures after a success', async () => {
    const timers = manualTimers();
    const results: { key: string; failed: boolean; seconds: number }[] = [];
    let failuresLeft = 3;
    const queue = new WorkQueue({
      baseDelayMs: 10,
      maxDelayMs: 25,
      setTimer: timers.setTimer,
      handler: () => (failuresLeft-- > 0 ? Promise.reject(new Error('boom')) : Promise.resolve()),
      onResult: (key, seconds, error) => { results.push({ key, failed: error !== undefined, seconds }); },
    });
    queue.add('a');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await queue.idle();
      timers.scheduled.at(-1)?.fire();
    }
    await queue.idle();
    expect(timers.scheduled.map((timer) => timer.delayMs)).to.deep.equal([10, 20, 25]);
    expect(results.map((result) => result.failed)).to.deep.equal([true, true, true, false]);
    expect(results.every((result) => result.key === 'a' && result.seconds >= 0)).to.equal(true);
    failuresLeft = 1;
    queue.add('a');
    await queue.idle();
    expect(timers.scheduled.at(-1)?.delayMs).to.equal(10);
  });

  it('computes backoff from the defaults', () => {
    const queue = new WorkQueue({ handler: () => Promise.resolve() });
    expect([1, 2, 3].map((failures) => queue.backoff(failures))).to.deep.equal([200, 400, 800]);
    expect(queue.backoff(30)).to.equal(300_000);
  });

  it('replaces a pending retry of the same key rather than stacking them', async () => {
    const timers = manualTimers();
    const queue = new WorkQueue({ setTimer: timers.setTimer, handler: () => Promise.reject(new Error('boom')) });
    queue.add('a');
    await queue.idle();
    queue.add('a');
    await queue.idle();
    expect(timers.scheduled.map((timer) => timer.cancelled)).to.deep.equal([true, false]);
  });

  it('retries on real timers by default', async () => {
    let calls = 0;
    const done = deferred();
    const queue = new WorkQueue({
      baseDelayMs: 1,
      handler: () => {
        calls += 1;
        if (calls === 2) {
          done.resolve();
        }
        return calls === 1 ? Promise.reject(new Error('once')) : Promise.resolve();
      },
    });
    queue.add('a');
    await done.promise;
    await queue.idle();
    expect(calls).to.equal(2);
    await queue.close();
  });

  it('on close drops waiting keys, cancels retries, waits for running work and refuses new keys', async () => {
    const timers = manualTimers();
    const gate = deferred();
    const seen: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      setTimer: timers.setTimer,
      handler: async (key) => {
        seen.push(key);
        if (key === 'fail') {
          throw new Error('boom');
        }
        await gate.promise;
      },
    });
    queue.add('fail');
    await queue.idle();
    queue.add('slow');
    queue.add('waiting');
    const closed = queue.close();
    gate.resolve();
    await closed;
    queue.add('late');
    await queue.idle();
    expect(seen).to.deep.equal(['fail', 'slow']);
    expect(timers.scheduled[0]?.cancelled).to.equal(true);
    expect(queue.depth).to.equal(0);
  });
});
