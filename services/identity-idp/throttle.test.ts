import { expect } from 'chai';
import { FailureThrottle } from './throttle.ts';

describe('FailureThrottle (per-address failed logins, fixed windows)', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => { now = 1_000_000; });

  it('lets an address fail maxFailures times, then names the seconds left in its window', () => {
    const throttle = new FailureThrottle({ maxFailures: 2, windowSeconds: 10, now: clock });
    expect(throttle.retryAfter('a')).to.equal(undefined);
    throttle.recordFailure('a');
    expect(throttle.retryAfter('a')).to.equal(undefined);
    throttle.recordFailure('a');
    expect(throttle.retryAfter('a')).to.equal(10);
    now += 7_500;
    expect(throttle.retryAfter('a')).to.equal(3);
    now += 2_400;
    expect(throttle.retryAfter('a')).to.equal(1);
    expect(throttle.retryAfter('b')).to.equal(undefined);
  });

  it('forgets a window once it has ended', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock });
    throttle.recordFailure('a');
    expect(throttle.retryAfter('a')).to.equal(5);
    now += 5_000;
    expect(throttle.retryAfter('a')).to.equal(undefined);
    expect(throttle.size).to.equal(0);
    throttle.recordFailure('a');
    now += 5_000;
    throttle.recordFailure('a');
    expect(throttle.retryAfter('a')).to.equal(5);
  });

  it('prunes ended windows and, when still full, drops the oldest address rather than grow', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock, maxEntries: 2 });
    throttle.recordFailure('old');
    now += 6_000;
    throttle.recordFailure('b');
    throttle.recordFailure('c');
    expect(throttle.size).to.equal(2);
    expect(throttle.retryAfter('b')).to.equal(5);
    throttle.recordFailure('d');
    expect(throttle.size).to.equal(2);
    expect(throttle.retryAfter('b')).to.equal(undefined);
    expect(throttle.retryAfter('d')).to.equal(5);
    now += 6_000;
    throttle.prune();
    expect(throttle.size).to.equal(0);
  });

  it('uses the wall clock by default', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 60 });
    throttle.recordFailure('a');
    expect(throttle.retryAfter('a')).to.be.within(59, 60);
  });
});
