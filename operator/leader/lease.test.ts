import { expect } from 'chai';
import type { KubeResponse, KubeTransport } from '../kube/transport.ts';
import { LeaseElector } from './lease.ts';
import type { LeaseOptions } from './lease.ts';

const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/ops/leases/cryptoutil-operator';

/** One Lease with optimistic concurrency, as the API server keeps it. */
function leaseStore(): { transport: KubeTransport; lease: () => Record<string, unknown> | undefined; fail: { next?: KubeResponse } } {
  let stored: { metadata: { resourceVersion: string }; spec: Record<string, unknown> } | undefined;
  let version = 1;
  const fail: { next?: KubeResponse } = {};
  const transport: KubeTransport = {
    request(method, path, options) {
      if (fail.next !== undefined) {
        const answer = fail.next;
        delete fail.next;
        return Promise.resolve(answer);
      }
      const body = options?.body === undefined ? undefined : JSON.parse(options.body) as { metadata: { resourceVersion?: string }; spec: Record<string, unknown> };
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
    },
    watch: () => Promise.resolve(),
  };
  return { transport, lease: () => stored?.spec, fail };
}

function candidate(transport: KubeTransport, identity: string, clock: { now: Date }, changes: boolean[], extra: Partial<LeaseOptions> = {}): LeaseElector {
  return new LeaseElector({
    transport,
    namespace: 'ops',
    name: 'cryptoutil-operator',
    identity,
    leaseDurationSeconds: 15,
    now: () => clock.now,
    onChange: (leading) => { changes.push(leading); },
    ...extra,
  });
}

describe('leader election on a coordination.k8s.io/v1 Lease', () => {
  it('creates the Lease, renews it, and keeps a second candidate out until it expires', async () => {
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
    clock.now = new Date('2026-01-01T00:00:10Z');
    await a.tryAcquireOrRenew();
    expect(store.lease()).to.deep.include({ renewTime: '2026-01-01T00:00:10.000000Z', acquireTime: '2026-01-01T00:00:00.000000Z' });
    clock.now = new Date('2026-01-01T00:00:26Z');
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(true);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseTransitions: 1, acquireTime: '2026-01-01T00:00:26.000000Z' });
    await a.tryAcquireOrRenew();
    expect(aChanges).to.deep.equal([true, false]);
    expect(bChanges).to.deep.equal([true]);
  });

  it('steps down when a renewal fails or loses a write race', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const changes: boolean[] = [];
    const a = candidate(store.transport, 'pod-a', clock, changes);
    await a.tryAcquireOrRenew();
    store.fail.next = { status: 500, body: '{}' };
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(false);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(true);
    expect(changes).to.deep.equal([true, false, true]);
  });

  it('loses the creation race to another candidate', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const b = candidate(store.transport, 'pod-b', clock, []);
    await b.tryAcquireOrRenew();
    const a = candidate({ ...store.transport, request: (method, path, options) => (method === 'GET' ? Promise.resolve({ status: 404, body: '{}' }) : store.transport.request(method, path, options)) }, 'pod-a', clock, []);
    await a.tryAcquireOrRenew();
    expect(a.leading).to.equal(false);
  });

  it('takes a Lease released by its holder at once, and tolerates a Lease without spec', async () => {
    const store = leaseStore();
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const a = candidate(store.transport, 'pod-a', clock, []);
    const b = candidate(store.transport, 'pod-b', clock, []);
    await a.tryAcquireOrRenew();
    a.start();
    await a.stop();
    expect(store.lease()).to.deep.include({ holderIdentity: '', leaseDurationSeconds: 1 });
    await b.tryAcquireOrRenew();
    expect(b.leading).to.equal(true);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-b', leaseTransitions: 0 });

    for (const lease of [{ metadata: { resourceVersion: '3' } }, { metadata: { resourceVersion: '4' }, spec: { holderIdentity: 'pod-c', renewTime: '2026-01-01T00:00:00.000000Z' } }]) {
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
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const timers: (() => void)[] = [];
    const a = candidate(store.transport, 'pod-a', clock, [], { retryMs: 5, setTimer: (callback) => { timers.push(callback); return () => undefined; } });
    a.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.leading).to.equal(true);
    clock.now = new Date('2026-01-01T00:00:05Z');
    timers[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.lease()).to.deep.include({ renewTime: '2026-01-01T00:00:05.000000Z' });
    store.fail.next = { status: 500, body: '{}' };
    await a.stop();
    expect(a.leading).to.equal(false);
    expect(store.lease()).to.deep.include({ holderIdentity: 'pod-a' });
    const idle = candidate(store.transport, 'pod-z', clock, []);
    await idle.stop();
    const stolen = candidate(store.transport, 'pod-y', clock, []);
    clock.now = new Date('2026-01-01T00:01:00Z');
    const old = candidate(store.transport, 'pod-a', { now: new Date('2026-01-01T00:00:05Z') }, []);
    await old.tryAcquireOrRenew();
    await stolen.tryAcquireOrRenew();
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
});
