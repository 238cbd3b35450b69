import { expect } from 'chai';
import type { KubeResponse, KubeTransport } from '../kube/transport.ts';
import type { SetTimer } from '../queue/work-queue.ts';
import { defaultRenewDeadlineMs, LeaseElector, leaseTimings } from './lease.ts';
import type { LeaseOptions } from './lease.ts';

const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/ops/leases/cryptoutil-operator';

interface Stored { metadata: { resourceVersion: string }; spec: Record<string, unknown> }
type Request = (method: string, path: string, body: string | undefined) => boolean;

/** A request held by the store: never answered unless released. */
interface Hung {
  /** Whether a request matched yet. */
  readonly caught: () => boolean;
  /** Answers it: with `answer`, or as the store would answer it now. */
  readonly release: (answer?: KubeResponse) => void;
}

/**
 * One Lease with optimistic concurrency, as the API server keeps it. `once` answers the next request
 * of a method with a canned answer; `hang` holds the next matching request until released.
 */
function leaseStore(): {
  transport: KubeTransport;
  lease: () => Record<string, unknown> | undefined;
  once: (method: string, answer: KubeResponse) => void;
  hang: (matches: Request) => Hung;
} {
  let stored: Stored | undefined;
  let version = 1;
  const canned = new Map<string, KubeResponse>();
  const traps: { matches: Request; hold: (answer: () => Promise<KubeResponse>) => Promise<KubeResponse> }[] = [];
  const serve = (method: string, path: string, text: string | undefined): Promise<KubeResponse> => {
    const body = text === undefined ? undefined : JSON.parse(text) as { metadata: { resourceVersion?: string }; spec: Record<string, unknown> };
    if (method === 'GET' && path === LEASE_PATH) {
      return Promise.resolve(stored === undefined ? { status: 404, body: '{}' } : { status: 200, body: JSON.stringify(stored) });
    }
    if (method === 'POST' && path === '/apis/coordination.k8s.io/v1/namespaces/ops/leases' && body !== undefined) {
      if (stored !== undefined) {
        return Promise.resolve({ status: 409, body: '{}' });
      }
      stored = { metadata: { resourceVersion: String(version++) }, spec: body.spec };
      return Promise.resolve({ status: 201, body: JSON.stringify(stored) });
    }
    if (method === 'PUT' && path === LEASE_PATH && body !== undefined && stored !== undefined) {
      if (body.metadata.resourceVersion !== stored.metadata.resourceVersion) {
        return Promise.resolve({ status: 409, body: '{}' });
      }
      stored = { metadata: { resourceVersion: String(version++) }, spec: body.spec };
      return Promise.resolve({ status: 200, body: JSON.stringify(stored) });
    }
    return Promise.reject(new Error(`unexpected ${method} ${path}`));
  };
  const transport: KubeTransport = {
    request(method, path, options) {
      const answer = canned.get(method);
      if (answer !== undefined) {
        canned.delete(method);
        return Promise.resolve(answer);
      }
      const trap = traps.findIndex((candidate) => candidate.matches(method, path, options?.body));
      if (trap >= 0) {
        const [{ hold }] = traps.splice(trap, 1) as [typeof traps[number]];
        return hold(() => serve(method, path, options?.body));
      }
      return serve(method, path, options?.body);
    },
    watch: () => Promise.resolve(),
  };
  return {
    transport,
    lease: () => stored?.spec,
    once: (method, answer) => { canned.set(method, answer); },
    hang: (matches) => {
      let caught = false;
      let release: (answer?: KubeResponse) => void = () => { throw new Error('nothing is hung yet'); };
      traps.push({
        matches,
        hold: (answer) => {
          caught = true;
          return new Promise<KubeResponse>((resolve) => {
            release = (given) => { resolve(given ?? answer()); };
          });
        },
      });
      return { caught: () => caught, release: (given) => { release(given); } };
    },
  };
}

/**
 * A fake clock with fake timers. Timers count durations, so candidates whose clocks are skewed
 * (`skewMs`) still share one scheduler, as they share real time.
 */
function fakeTime(start = '2026-01-01T00:00:00Z'): { clock: { now: Date }; at: (skewMs?: number) => () => Date; setTimer: SetTimer; advance: (ms: number, each?: () => void) => Promise<void> } {
  const clock = { now: new Date(start) };
  const timers: { due: number; callback: () => void; live: boolean }[] = [];
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    clock,
    at: (skewMs = 0) => () => new Date(clock.now.getTime() + skewMs),
    setTimer: (callback, delayMs) => {
      const timer = { due: clock.now.getTime() + delayMs, callback, live: true };
      timers.push(timer);
      return () => { timer.live = false; };
    },
    /** Moves the clock forward by `ms`, firing due timers in order and settling after each. */
    async advance(ms, each = () => undefined) {
      const end = clock.now.getTime() + ms;
      await settle();
      for (;;) {
        const next = timers.filter((timer) => timer.live && timer.due <= end).sort((x, y) => x.due - y.due)[0];
        if (next === undefined) {
          break;
        }
        next.live = false;
        clock.now = new Date(next.due);
        next.callback();
        await settle();
        each();
      }
      clock.now = new Date(end);
      await settle();
      each();
    },
  };
}

function candidate(transport: KubeTransport, identity: string, clock: { now: Date }, changes: boolean[], extra: Partial<LeaseOptions> = {}): LeaseElector {
  return new LeaseElector({
    transport,
    namespace: 'ops',
    name: 'cryptoutil-operator',
    identity,
    leaseDurationSeconds: 15,
    now: () => clock.now,
    setTimer: () => () => undefined,
    onChange: (leading) => { changes.push(leading); },
    ...extra,
  });
}

const SECOND = 1000;

describe('leader election on a coordination.k8s.io/v1 Lease', () => {
  it('creates the Lease, renews it, and keeps a second candidate out until leaseDuration after the last change it saw', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const aChanges: boolean[] = [];
    const bChanges: boolean[] = [];
    const a = candidate(store.transport, 'pod-a', clock, aChanges);
    const b = candidate(store.transport, 'pod-b', clock, bChanges);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    expect(store.lease()).to.deep.equal({
      holderIdentity: 'pod-a', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 0,
    });
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(false);
    clock.now = new Date('2026-01-01T00:00:09Z');
    await a.tryAcquireOrRenew();
    expect(store.lease()).to.deep.include({ renewTime: '2026-01-01T00:00:09.000000Z', acquireTime: '2026-01-01T00:00:00.000000Z' });
    // B first sees the renewal at 26 s: the holder's renewTime (9 s) says nothing to B, its own clock does.
    clock.now = new Date('2026-01-01T00:00:26Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(false);
    clock.now = new Date('2026-01-01T00:00:40.999Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(false);
    clock.now = new Date('2026-01-01T00:00:41Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(true);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseTransitions: 1, acquireTime: '2026-01-01T00:00:41.000000Z' });
    await a.tryAcquireOrRenew();
    expect(aChanges).to.deep.equal([true, false]);
    expect(bChanges).to.deep.equal([true]);
  });

  it('waits out the holder\'s leaseDurationSeconds, not its own shorter one', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const a = candidate(store.transport, 'pod-a', clock, []);
    const b = candidate(store.transport, 'pod-b', clock, [], { leaseDurationSeconds: 2, retryMs: 500 });
    await a.tryAcquireOrRenew();
    await b.tryAcquireOrRenew();
    clock.now = new Date('2026-01-01T00:00:14.999Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(false);
    clock.now = new Date('2026-01-01T00:00:15Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(true);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseDurationSeconds: 2 });
  });

  it('rides out a failed renewal until the deadline, and steps down at once when it loses a write race', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const changes: boolean[] = [];
    const a = candidate(store.transport, 'pod-a', clock, changes);
    await a.tryAcquireOrRenew();
    store.once('GET', { status: 500, body: '{}' });
    await a.tryAcquireOrRenew();
    store.once('PUT', { status: 503, body: '{}' });
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    store.once('PUT', { status: 409, body: '{}' });
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(false);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    expect(changes).to.deep.equal([true, false, true]);
  });

  it('does not lead on a write that answers after the renew deadline', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const a = candidate(store.transport, 'pod-a', clock, []);
    const slow = store.hang((method) => method === 'POST');
    const round = a.tryAcquireOrRenew();
    await new Promise((resolve) => setImmediate(resolve));
    expect(slow.caught()).to.equal(true);
    clock.now = new Date('2026-01-01T00:00:10Z');
    slow.release();
    await round;
    expect(a.leading).to.equal(false);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a' });
  });

  it('loses the creation race to another candidate, and counts any other failure as no answer', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const b = candidate(store.transport, 'pod-b', clock, []);
    await b.tryAcquireOrRenew();
    const a = candidate({ ...store.transport, request: (method, path, options) => (method === 'GET' ? Promise.resolve({ status: 404, body: '{}' }) : store.transport.request(method, path, options)) }, 'pod-a', clock, []);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(false);
    const empty = leaseStore();
    const c = candidate(empty.transport, 'pod-c', clock, []);
    empty.once('POST', { status: 500, body: '{}' });
    await c.tryAcquireOrRenew();
    expect(c.leading).to.equal(false);
    expect(empty.lease()).to.equal(undefined);
  });

  it('takes a Lease released by its holder at once, and tolerates a Lease without spec', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const a = candidate(store.transport, 'pod-a', clock, []);
    const b = candidate(store.transport, 'pod-b', clock, []);
    await a.tryAcquireOrRenew();
    await b.tryAcquireOrRenew();
    a.start();
    await a.stop();
    expect(store.lease()).to.deep.include({ holderIdentity: '', leaseDurationSeconds: 1 });
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(true);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseTransitions: 0 });

    for (const lease of [{ metadata: { resourceVersion: '3' } }, { spec: { holderIdentity: 'pod-c', renewTime: '2026-01-01T00:00:00.000000Z' } }]) {
      const writes: unknown[] = [];
      const bare: KubeTransport = {
        request: (method, _path, options) => {
          writes.push(options?.body === undefined ? undefined : JSON.parse(options.body));
          return Promise.resolve(method === 'GET' ? { status: 200, body: JSON.stringify(lease) } : { status: 200, body: '{}' });
        },
        watch: () => Promise.resolve(),
      };
      const c = candidate(bare, 'pod-c', clock, []);
      await c.tryAcquireOrRenew();
      expect(c.leading).to.equal(true);
      expect(writes[1]).to.have.nested.property('spec.acquireTime', '2026-01-01T00:00:00.000000Z');
    }
  });

  it('renews on its timer until stopped, and a stop that cannot release lets the Lease expire', async () => {
    const store = leaseStore();
    const time = fakeTime();
    const a = candidate(store.transport, 'pod-a', time.clock, [], { retryMs: 5_000, setTimer: time.setTimer });
    a.start();
    await time.advance(0);
    expect(a.leading).to.equal(true);
    await time.advance(5 * SECOND);
    expect(store.lease()).to.deep.include({ renewTime: '2026-01-01T00:00:05.000000Z' });
    store.once('GET', { status: 500, body: '{}' });
    await a.stop();
    expect(a.leading).to.equal(false);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a' });
    await time.advance(60 * SECOND);
    expect(store.lease()).to.deep.include({ renewTime: '2026-01-01T00:00:05.000000Z' });
    const idle = candidate(store.transport, 'pod-z', time.clock, []);
    await idle.stop();
    const stolen = candidate(store.transport, 'pod-y', time.clock, []);
    await stolen.tryAcquireOrRenew();
    time.clock.now = new Date('2026-01-01T00:01:20Z');
    // pod-a comes back with a clock far behind: it still holds the record, so it renews it...
    const old = candidate(store.transport, 'pod-a', { now: new Date('2026-01-01T00:00:05Z') }, []);
    await old.tryAcquireOrRenew();
    expect(old.leading).to.equal(true);
    // ...and pod-y, which saw that change, waits another full lease before taking it.
    await stolen.tryAcquireOrRenew();
    expect(stolen.leading).to.equal(false);
    time.clock.now = new Date('2026-01-01T00:01:35Z');
    await stolen.tryAcquireOrRenew();
    expect(stolen.leading).to.equal(true);
    await old.stop();
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-y' });
  });

  it('uses real timers and the system clock by default', async () => {
    const store = leaseStore();
    const changes: boolean[] = [];
    // Waits for the election itself rather than a fixed time, so a loaded machine cannot fail it.
    let elected: () => void = () => undefined;
    const leading = new Promise<void>((resolve) => { elected = resolve; });
    const a = new LeaseElector({ transport: store.transport, namespace: 'ops', name: 'cryptoutil-operator', identity: 'pod-a', retryMs: 1, onChange: (now) => { changes.push(now); if (now) elected(); } });
    a.start();
    await leading;
    await a.stop();
    expect(changes).to.deep.equal([true, false]);
    expect(Date.parse(String(store.lease()?.renewTime))).to.be.greaterThan(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('steps down by itself when renewals fail, on the real timer', async () => {
    const store = leaseStore();
    let stepped: () => void = () => undefined;
    const down = new Promise<void>((resolve) => { stepped = resolve; });
    const a = new LeaseElector({ transport: store.transport, namespace: 'ops', name: 'cryptoutil-operator', identity: 'pod-a', leaseDurationSeconds: 1, renewDeadlineMs: 50, retryMs: 10, onChange: (now) => { if (!now) stepped(); } });
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    await down;
    expect(a.leading).to.equal(false);
  });
});

describe('lease timings (client-go leaderelection)', () => {
  it('defaults to a 15 s lease, a 10 s renew deadline and a 2 s retry', () => {
    expect(leaseTimings({})).to.deep.equal({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryMs: 2_000 });
    expect(leaseTimings({ leaseDurationSeconds: 60 })).to.deep.include({ renewDeadlineMs: 10_000 });
    expect(leaseTimings({ leaseDurationSeconds: 6, retryMs: 1_000 })).to.deep.include({ renewDeadlineMs: 4_000 });
    expect(defaultRenewDeadlineMs(1)).to.equal(666);
  });

  it('refuses timings where the leader could be deposed before it steps down', () => {
    const refused: [Parameters<typeof leaseTimings>[0], RegExp][] = [
      [{ leaseDurationSeconds: 0 }, /^leaseDurationSeconds/u],
      [{ leaseDurationSeconds: 1.5 }, /^leaseDurationSeconds/u],
      [{ renewDeadlineMs: 15_000 }, /^renewDeadlineMs .*15000 ms for a 15 s lease/u],
      [{ renewDeadlineMs: 0 }, /^renewDeadlineMs/u],
      [{ leaseDurationSeconds: 2 }, /^retryMs .*2000 ms for a 1333 ms deadline/u],
      [{ retryMs: 10_000 }, /^retryMs/u],
      [{ retryMs: 0 }, /^retryMs/u],
    ];
    for (const [options, message] of refused) {
      expect(() => leaseTimings(options), JSON.stringify(options)).to.throw(Error, message);
    }
    expect(() => new LeaseElector({ transport: leaseStore().transport, namespace: 'ops', name: 'l', identity: 'x', retryMs: 12_000, onChange: () => undefined })).to.throw(/^retryMs/u);
    expect(leaseTimings({ leaseDurationSeconds: 1, renewDeadlineMs: 999, retryMs: 998 })).to.deep.equal({ leaseDurationSeconds: 1, renewDeadlineMs: 999, retryMs: 998 });
  });
});

/**
 * One candidate's view of the network, by its own clock: when it last saw the record change, when
 * the last of its writes that went through was sent; `cut` takes it off the network.
 */
function tap(inner: KubeTransport, now: () => Date): { transport: KubeTransport; seen: { version: unknown; changedAt: number; wroteAt: number; cut: boolean } } {
  const seen = { version: undefined as unknown, changedAt: Number.NaN, wroteAt: Number.NaN, cut: false };
  const transport: KubeTransport = {
    ...inner,
    request: async (method, path, options) => {
      if (seen.cut) {
        throw new Error('connect ECONNREFUSED');
      }
      const sentAt = now().getTime();
      const answer = await inner.request(method, path, options);
      if (method === 'GET' && answer.status === 200) {
        const version = (JSON.parse(answer.body) as Stored).metadata.resourceVersion;
        if (version !== seen.version) {
          seen.version = version;
          seen.changedAt = now().getTime();
        }
      }
      if ((method === 'PUT' && answer.status === 200) || (method === 'POST' && answer.status === 201)) {
        seen.wroteAt = sentAt;
      }
      return answer;
    },
  };
  return { transport, seen };
}

interface Race {
  readonly time: ReturnType<typeof fakeTime>;
  readonly store: ReturnType<typeof leaseStore>;
  readonly a: LeaseElector;
  readonly b: LeaseElector;
  readonly aTap: ReturnType<typeof tap>;
  readonly bTap: ReturnType<typeof tap>;
  readonly aChanges: boolean[];
  /** Shared time (ms since the start) at which A stepped down and B took over; B's last change seen before. */
  readonly seen: { aDownAt?: number; bUpAt?: number; bChangeBeforeUp?: number; aWroteLast?: number };
  /** Runs until `ms` of shared time since the start, checking after every event that one candidate leads at most. */
  readonly run: (ms: number) => Promise<void>;
}

/** Two candidates with the default timings; B's clock is off by `skewMs`, B starts `offsetMs` after A. */
async function race(skewMs: number, offsetMs: number): Promise<Race> {
  const time = fakeTime();
  const store = leaseStore();
  const origin = time.clock.now.getTime();
  const aTap = tap(store.transport, time.at());
  const bTap = tap(store.transport, time.at(skewMs));
  const aChanges: boolean[] = [];
  const elector = (transport: KubeTransport, identity: string, now: () => Date, changes: boolean[]): LeaseElector => new LeaseElector({ transport, namespace: 'ops', name: 'cryptoutil-operator', identity, now, setTimer: time.setTimer, onChange: (leading) => { changes.push(leading); } });
  const a = elector(aTap.transport, 'pod-a', time.at(), aChanges);
  const b = elector(bTap.transport, 'pod-b', time.at(skewMs), []);
  const seen: Race['seen'] = {};
  const check = (): void => {
    const at = time.clock.now.getTime() - origin;
    expect(a.leading && b.leading, `two leaders at ${at} ms`).to.equal(false);
    if (!a.leading && seen.aDownAt === undefined && aChanges.length > 0) {
      seen.aDownAt = at;
      seen.aWroteLast = aTap.seen.wroteAt - origin;
    }
    if (b.leading && seen.bUpAt === undefined) {
      seen.bUpAt = at;
      seen.bChangeBeforeUp = bTap.seen.changedAt - skewMs - origin;
    }
  };
  const run = async (ms: number): Promise<void> => {
    while (time.clock.now.getTime() - origin < ms) {
      await time.advance(Math.min(250, ms - (time.clock.now.getTime() - origin)), check);
    }
  };
  a.start();
  await time.advance(offsetMs, check);
  expect(a.leading).to.equal(true);
  b.start();
  return { time, store, a, b, aTap, bTap, aChanges, seen, run };
}

describe('leader election: renew deadline and expiry by the observer clock (client-go)', () => {
  for (const offsetMs of [0, 500, 1_300, 1_999]) {
    it(`a leader whose renewal hangs steps down at renewDeadline, before B may take over leaseDuration after the last change B saw (B ${offsetMs} ms behind A)`, async () => {
      const { store, a, b, aChanges, seen, run } = await race(0, offsetMs);
      await run(6_100);
      const hung = store.hang((method, _path, body) => method === 'PUT' && body?.includes('"holderIdentity":"pod-a"') === true);
      await run(46_100);
      expect(hung.caught()).to.equal(true);
      // A's last renewal went out at 6 s; its next PUT (8 s) never answered.
      expect(seen.aWroteLast).to.equal(6_000);
      expect(seen.aDownAt).to.equal(6_000 + 10_000);
      expect(seen.bChangeBeforeUp).to.be.within(6_000, 8_000);
      const { bUpAt = Number.NaN, bChangeBeforeUp = Number.NaN } = seen;
      expect(bUpAt - bChangeBeforeUp).to.be.at.least(15_000).and.below(15_000 + 2_000);
      expect(bUpAt).to.be.greaterThan(16_000);
      expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseTransitions: 1 });
      // The hung renewal finally answers "200": too late for that round, and B holds the record now.
      hung.release({ status: 200, body: JSON.stringify({ metadata: { resourceVersion: '999' }, spec: {} }) });
      await run(56_100);
      expect(a.leading).to.equal(false);
      expect(b.leading).to.equal(true);
      expect(aChanges).to.deep.equal([true, false]);
      expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b' });
    });
  }

  it('a renewal released with the store\'s own answer after the deadline re-acquires only through a fresh write', async () => {
    const { store, a, b, aChanges, seen, run } = await race(0, 700);
    await run(4_100);
    const hung = store.hang((method, _path, body) => method === 'PUT' && body?.includes('"holderIdentity":"pod-a"') === true);
    await run(15_100);
    expect(seen.aDownAt).to.equal(14_000);
    expect(b.leading).to.equal(false);
    // Nobody else wrote: the late PUT goes through, but only A's next round makes it lead again.
    hung.release();
    await run(15_200);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a', renewTime: '2026-01-01T00:00:06.000000Z' });
    expect(a.leading).to.equal(false);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    expect(aChanges).to.deep.equal([true, false, true]);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a', leaseTransitions: 0 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('counts the renew deadline from the start of the renewing round, not from its answer', async () => {
    const { store, aTap, seen, run } = await race(0, 700);
    await run(4_100);
    const slow = store.hang((method, _path, body) => method === 'PUT' && body?.includes('"holderIdentity":"pod-a"') === true);
    await run(9_000);
    slow.release();
    await run(9_100);
    aTap.seen.cut = true;
    await run(30_000);
    expect(seen.aWroteLast).to.equal(6_000);
    expect(seen.aDownAt).to.equal(16_000);
  });

  for (const [skewMs, ahead] of [[3_600_000, 'ahead of'], [-3_600_000, 'behind']] as const) {
    it(`B's clock an hour ${ahead} A's: B leaves a renewed Lease alone and takes it leaseDuration after A stops, by B's clock`, async () => {
      const { a, b, aTap, seen, run, store } = await race(skewMs, 700);
      await run(60_100);
      expect(a.leading).to.equal(true);
      expect(seen.bUpAt).to.equal(undefined);
      expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a' });
      aTap.seen.cut = true;
      await run(90_100);
      // A's last renewal went out at 60 s; cut off, it stepped down 10 s later.
      expect(seen.aWroteLast).to.equal(60_000);
      expect(seen.aDownAt).to.equal(70_000);
      const { bUpAt = Number.NaN, bChangeBeforeUp = Number.NaN } = seen;
      expect(bChangeBeforeUp).to.be.within(60_000, 62_000);
      expect(bUpAt - bChangeBeforeUp).to.be.at.least(15_000).and.below(17_000);
      expect(b.leading).to.equal(true);
      expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b' });
      await Promise.all([a.stop(), b.stop()]);
    });
  }
});
