import { expect } from 'chai';
import { HashGate } from './gate.ts';

/** A unit of work the test finishes by hand, in the order it chooses. */
function deferred(): { promise: Promise<string>; finish: (value: string) => void; fail: (error: Error) => void } {
  let finish: (value: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const promise = new Promise<string>((resolve, reject) => { finish = resolve; fail = reject; });
  return { promise, finish, fail };
}

const tick = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

describe('hash gate (FIFO semaphore with a bounded queue)', () => {
  it('runs at most maxConcurrent works at once and starts waiters in arrival order', async () => {
    const gate = new HashGate({ maxConcurrent: 2, maxQueued: 3 });
    const works = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const results = works.map((work, index) => {
      const place = gate.enter();
      if (place === undefined) throw new Error('refused');
      return place.run(() => { started.push(index); return work.promise; }).finally(() => { place.leave(); });
    });
    await tick();
    expect(started).to.deep.equal([0, 1]);
    expect(gate.state).to.deep.equal({ running: 2, waiting: 3, places: 5, refused: 0 });
    works[1]?.finish('b');
    await tick();
    expect(started).to.deep.equal([0, 1, 2]);
    works[0]?.finish('a');
    await tick();
    expect(started).to.deep.equal([0, 1, 2, 3]);
    for (const work of works.slice(2)) work.finish('c');
    expect(await Promise.all(results)).to.deep.equal(['a', 'b', 'c', 'c', 'c']);
    expect(gate.state).to.deep.equal({ running: 0, waiting: 0, places: 0, refused: 0 });
  });

  it('refuses a place beyond maxConcurrent + maxQueued, and takes one again once a place is left', () => {
    const gate = new HashGate({ maxConcurrent: 1, maxQueued: 1 });
    const first = gate.enter();
    const second = gate.enter();
    expect(first).to.not.equal(undefined);
    expect(second).to.not.equal(undefined);
    expect(gate.enter()).to.equal(undefined);
    expect(gate.enter()).to.equal(undefined);
    expect(gate.state).to.deep.equal({ running: 0, waiting: 0, places: 2, refused: 2 });
    second?.leave();
    second?.leave();
    expect(gate.state.places).to.equal(1);
    expect(gate.enter()).to.not.equal(undefined);
    expect(gate.state.refused).to.equal(2);
  });

  it('with no queue, a second caller is refused while the first holds its place', () => {
    const gate = new HashGate({ maxConcurrent: 1, maxQueued: 0 });
    expect(gate.enter()).to.not.equal(undefined);
    expect(gate.enter()).to.equal(undefined);
  });

  it('a failed work frees its slot for the next waiter and its error reaches its caller', async () => {
    const gate = new HashGate({ maxConcurrent: 1, maxQueued: 1 });
    const failing = deferred();
    const place = gate.enter();
    const other = gate.enter();
    if (place === undefined || other === undefined) throw new Error('refused');
    const first = place.run(() => failing.promise);
    const second = other.run(() => Promise.resolve('ran'));
    failing.fail(new Error('boom'));
    let caught: unknown;
    try { await first; } catch (error) { caught = error; }
    expect((caught as Error).message).to.equal('boom');
    expect(await second).to.equal('ran');
    expect(gate.state.running).to.equal(0);
  });

  it('one place runs several works one after the other (a verify, then a rehash)', async () => {
    const gate = new HashGate({ maxConcurrent: 1, maxQueued: 0 });
    const place = gate.enter();
    if (place === undefined) throw new Error('refused');
    expect(await place.run(() => Promise.resolve(1))).to.equal(1);
    expect(await place.run(() => Promise.resolve(2))).to.equal(2);
    place.leave();
    expect(gate.state).to.deep.equal({ running: 0, waiting: 0, places: 0, refused: 0 });
  });
});
