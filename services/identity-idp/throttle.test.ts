import { expect } from 'chai';
import { FailureThrottle } from './throttle.ts';

describe('FailureThrottle (failed logins per address and username, fixed windows)', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => { now = 1_000_000; });

  it('admits maxFailures attempts of a key, then names the seconds left in its window', () => {
    const throttle = new FailureThrottle({ maxFailures: 2, windowSeconds: 10, now: clock });
    expect(throttle.reserve('a')).to.equal(undefined);
    expect(throttle.reserve('a')).to.equal(undefined);
    expect(throttle.reserve('a')).to.equal(10);
    now += 7_500;
    expect(throttle.reserve('a')).to.equal(3);
    now += 2_400;
    expect(throttle.reserve('a')).to.equal(1);
    expect(throttle.reserve('b')).to.equal(undefined);
  });

  it('decides each reservation at once: of a burst, exactly maxFailures pass', () => {
    const throttle = new FailureThrottle({ maxFailures: 3, windowSeconds: 10, now: clock });
    const answers = Array.from({ length: 10 }, () => throttle.reserve('burst'));
    expect(answers.filter((answer) => answer === undefined)).to.have.length(3);
  });

  it('ends the window of a key whose attempt succeeded, and only that one', () => {
    const throttle = new FailureThrottle({ maxFailures: 2, windowSeconds: 10, now: clock });
    for (const key of ['a', 'a', 'b']) expect(throttle.reserve(key)).to.equal(undefined);
    throttle.clear('a');
    expect(throttle.size).to.equal(1);
    expect(throttle.reserve('a')).to.equal(undefined);
    expect(throttle.reserve('a')).to.equal(undefined);
    expect(throttle.reserve('a')).to.equal(10);
    expect(throttle.reserve('b')).to.equal(undefined);
    expect(throttle.reserve('b')).to.equal(10);
  });

  it('forgets a window once it has ended', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock });
    throttle.reserve('a');
    expect(throttle.reserve('a')).to.equal(5);
    now += 5_000;
    throttle.prune();
    expect(throttle.size).to.equal(0);
    expect(throttle.reserve('a')).to.equal(undefined);
    now += 5_000;
    expect(throttle.reserve('a')).to.equal(undefined);
    expect(throttle.reserve('a')).to.equal(5);
  });

  it('prunes ended windows and, when still full, drops the oldest key rather than grow', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock, maxEntries: 2 });
    throttle.reserve('old');
    now += 6_000;
    throttle.reserve('b');
    throttle.reserve('c');
    expect(throttle.size).to.equal(2);
    expect(throttle.reserve('b')).to.equal(5);
    throttle.reserve('d');
    expect(throttle.size).to.equal(2);
    expect(throttle.reserve('b')).to.equal(undefined);
    expect(throttle.reserve('d')).to.equal(5);
    now += 6_000;
    throttle.prune();
    expect(throttle.size).to.equal(0);
  });

  it('prunes only once full, then drops every ended window and keeps the live ones', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock, maxEntries: 3 });
    throttle.reserve('a');
    throttle.reserve('b');
    now += 5_000;
    // Not full yet: the ended windows stay until the table fills.
    throttle.reserve('c');
    expect(throttle.size).to.equal(3);
    throttle.reserve('d');
    expect(throttle.size).to.equal(2);
    expect(throttle.reserve('c')).to.equal(5);
    expect(throttle.reserve('d')).to.equal(5);
  });

  it('counts a key that starts a new window as the newest, so eviction takes the oldest window', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 5, now: clock, maxEntries: 3 });
    throttle.reserve('a');
    now += 3_000;
    throttle.reserve('b');
    now += 2_000;
    // a's window has ended: its next attempt opens a window newer than b's.
    expect(throttle.reserve('a')).to.equal(undefined);
    throttle.reserve('c');
    throttle.reserve('d');
    expect(throttle.size).to.equal(3);
    expect(throttle.reserve('a')).to.equal(5);
    expect(throttle.reserve('b')).to.equal(undefined);
  });

  it('uses the wall clock by default', () => {
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 60 });
    throttle.reserve('a');
    expect(throttle.reserve('a')).to.be.within(59, 60);
  });
});
