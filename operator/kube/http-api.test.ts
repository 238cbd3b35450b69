import { expect } from 'chai';
import { httpKubeApi } from './http-api.ts';
import { KubeApiError, describeError, isTransient } from './api.ts';
import type { KubeResponse, KubeTransport, RequestOptions } from './transport.ts';
import { collectionPath, objectPath } from './paths.ts';
import { EventSeries } from './event-series.ts';
import type { KubeEvent } from './api.ts';

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly options: RequestOptions | undefined;
}

function recording(answers: KubeResponse[]): { transport: KubeTransport; sent: Sent[] } {
  const sent: Sent[] = [];
  const transport: KubeTransport = {
    request(method, path, options) {
      sent.push({ method, path, options });
      const answer = answers.shift();
      return answer === undefined ? Promise.reject(new Error('network down')) : Promise.resolve(answer);
    },
    watch: () => Promise.resolve(),
  };
  return { transport, sent };
}

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-tls', namespace: 'shop' } };
const ref = { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'demo-tls' };

describe('Kubernetes REST client', () => {
  it('builds core, group and cluster-wide paths from the kind table', () => {
    expect(objectPath(ref)).to.equal('/api/v1/namespaces/shop/secrets/demo-tls');
    expect(collectionPath('apps/v1', 'Deployment', 'shop')).to.equal('/apis/apps/v1/namespaces/shop/deployments');
    expect(collectionPath('cryptoutil.io/v1alpha1', 'KmsInstance')).to.equal('/apis/cryptoutil.io/v1alpha1/kmsinstances');
    expect(() => collectionPath('v1', 'Pod')).to.throw('no REST path known for kind Pod');
    expect(objectPath({ apiVersion: 'v1', kind: 'Secret', namespace: '', name: 'x' })).to.equal('/api/v1/secrets/x');
  });

  it('server-side applies under the cryptoutil-operator field manager with force', async () => {
    const { transport, sent } = recording([{ status: 200, body: JSON.stringify(secret) }, { status: 201, body: '{}' }]);
    const api = httpKubeApi(transport);
    expect(await api.apply(secret)).to.deep.equal(secret);
    await api.applyStatus(secret);
    expect(sent[0]).to.deep.equal({
      method: 'PATCH',
      path: '/api/v1/namespaces/shop/secrets/demo-tls',
      options: { contentType: 'application/apply-patch+yaml', query: { fieldManager: 'cryptoutil-operator', force: 'true' }, body: JSON.stringify(secret) },
    });
    expect(sent[1]?.path).to.equal('/api/v1/namespaces/shop/secrets/demo-tls/status');
    const cluster = recording([{ status: 200, body: '{}' }]);
    await httpKubeApi(cluster.transport).apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    expect(cluster.sent[0]?.path).to.equal('/api/v1/secrets/x');
  });

  it('reads an object, or undefined when it does not exist', async () => {
    const { transport } = recording([{ status: 200, body: JSON.stringify(secret) }, { status: 404, body: '{}' }]);
    const api = httpKubeApi(transport);
    expect(await api.get(ref)).to.deep.equal(secret);
    expect(await api.get(ref)).to.equal(undefined);
  });

  it('creates once: 409 means someone else created it first', async () => {
    const { transport, sent } = recording([{ status: 201, body: '{}' }, { status: 409, body: '{}' }]);
    const api = httpKubeApi(transport);
    expect(await api.create(secret)).to.equal(true);
    expect(await api.create(secret)).to.equal(false);
    expect(sent[0]).to.deep.include({ method: 'POST', path: '/api/v1/namespaces/shop/secrets' });
  });

  it('replaces with the resourceVersion the object carries: 409 means it changed since it was read', async () => {
    const versioned = { ...secret, metadata: { ...secret.metadata, resourceVersion: '41' } };
    const { transport, sent } = recording([{ status: 200, body: '{}' }, { status: 409, body: '{}' }, { status: 404, body: '{}' }]);
    const api = httpKubeApi(transport);
    expect(await api.update(versioned)).to.equal(true);
    expect(await api.update(versioned)).to.equal(false);
    expect(sent[0]).to.deep.equal({
      method: 'PUT',
      path: '/api/v1/namespaces/shop/secrets/demo-tls',
      options: { contentType: 'application/json', query: { fieldManager: 'cryptoutil-operator' }, body: JSON.stringify(versioned) },
    });
    const error = await api.update(versioned).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(KubeApiError).and.to.have.property('status', 404);
  });

  it('deletes in the background and treats a missing object as deleted', async () => {
    const { transport, sent } = recording([{ status: 200, body: '{}' }, { status: 404, body: '{}' }]);
    const api = httpKubeApi(transport);
    await api.delete(ref);
    await api.delete(ref);
    expect(sent[0]?.options).to.deep.equal({ query: { propagationPolicy: 'Background' } });
  });

  it('fails with the status only, never the body', async () => {
    const { transport } = recording([{ status: 403, body: '{"message":"secret stuff"}' }]);
    const error = await httpKubeApi(transport).get(ref).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(KubeApiError);
    expect(error).to.have.property('status', 403);
    expect(String(error)).to.equal('KubeApiError: GET /api/v1/namespaces/shop/secrets/demo-tls answered 403');
    expect(describeError(error)).to.equal('GET /api/v1/namespaces/shop/secrets/demo-tls answered 403');
    expect(describeError(new TypeError('postgres://user:password@host'))).to.equal('TypeError');
  });

  it('keeps the message of a metav1.Status body, shortened, and nothing else of the body', async () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 422, reason: 'Invalid', message: 'StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec are forbidden' };
    const { transport } = recording([{ status: 422, body: JSON.stringify(status) }, { status: 422, body: JSON.stringify({ ...status, message: 'x'.repeat(5_000) }) }, { status: 500, body: 'not json' }, { status: 500, body: '' }, { status: 500, body: JSON.stringify({ ...status, message: '' }) }]);
    const api = httpKubeApi(transport);
    const invalid = await api.apply(secret).catch((caught: unknown) => caught);
    expect(invalid).to.be.instanceOf(KubeApiError).and.have.property('serverMessage', status.message);
    expect(describeError(invalid)).to.equal(`PATCH /api/v1/namespaces/shop/secrets/demo-tls answered 422: ${status.message}`);
    const long = await api.apply(secret).catch((caught: unknown) => caught) as KubeApiError;
    expect(long.serverMessage).to.have.length(1_025).and.match(/…$/u);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const plain = await api.get(ref).catch((caught: unknown) => caught) as KubeApiError;
      expect(plain.serverMessage).to.equal(undefined);
      expect(plain.message).to.equal('GET /api/v1/namespaces/shop/secrets/demo-tls answered 500');
    }
  });

  it('tells transient failures (429, 5xx, timeouts, dropped connections) from answers about the request', () => {
    const coded = (code: string): Error => Object.assign(new Error('socket'), { code });
    expect([429, 500, 503].map((status) => isTransient(new KubeApiError('GET', '/x', status)))).to.deep.equal([true, true, true]);
    expect([400, 403, 404, 409, 422].map((status) => isTransient(new KubeApiError('GET', '/x', status)))).to.deep.equal([false, false, false, false, false]);
    expect(isTransient(coded('ECONNRESET'))).to.equal(true);
    expect(isTransient(coded('ERR_SOMETHING'))).to.equal(false);
    expect(isTransient(Object.assign(new Error('t'), { name: 'TimeoutError' }))).to.equal(true);
    expect(isTransient(new Error('plain'))).to.equal(false);
    expect(isTransient('a string')).to.equal(false);
  });

  it('reports every Event it could not record, and still never fails the caller', async () => {
    const regarding = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', namespace: 'shop', name: 'demo', uid: 'u9' };
    const invalid = { kind: 'Status', message: 'Event in version "v1" cannot be handled as a Event: eventTime: parsing time' };
    const { transport } = recording([{ status: 400, body: JSON.stringify(invalid) }, { status: 201, body: JSON.stringify({ metadata: { name: 'e1' } }) }, { status: 500, body: '{}' }]);
    const failures: unknown[] = [];
    const api = httpKubeApi(transport, { onEventError: (error) => { failures.push(error); } });
    const event = { regarding, type: 'Normal', reason: 'R', note: 'n' } as const;
    await api.event(event);
    await api.event(event);
    await api.event(event);
    await api.event({ ...event, note: 'network down' });
    expect(failures.map(describeError)).to.deep.equal([
      `POST /apis/events.k8s.io/v1/namespaces/shop/events answered 400: ${invalid.message}`,
      'PATCH /apis/events.k8s.io/v1/namespaces/shop/events/e1 answered 500',
      'Error',
    ]);
    await httpKubeApi(recording([]).transport).event(event);
  });

  it('records events.k8s.io/v1 Events and never fails a reconcile over one', async () => {
    const { transport, sent } = recording([{ status: 201, body: '{}' }]);
    const api = httpKubeApi(transport, { now: () => new Date('2026-01-01T00:00:00Z') });
    const regarding = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', namespace: 'shop', name: 'demo', uid: 'u1' };
    await api.event({ regarding, type: 'Warning', reason: 'DatabaseSecretMissing', note: 'Secret pg does not exist' });
    await api.event({ regarding, type: 'Normal', reason: 'Lost', note: 'transport fails' });
    expect(sent[0]?.path).to.equal('/apis/events.k8s.io/v1/namespaces/shop/events');
    const body = JSON.parse(sent[0]?.options?.body ?? '{}') as Record<string, unknown>;
    expect(body).to.deep.include({ type: 'Warning', reason: 'DatabaseSecretMissing', note: 'Secret pg does not exist', eventTime: '2026-01-01T00:00:00.000000Z', regarding });
    expect(sent).to.have.length(2);
    const stamped = recording([{ status: 201, body: '{}' }]);
    const before = Date.now();
    await httpKubeApi(stamped.transport).event({ regarding, type: 'Normal', reason: 'Now', note: 'system clock' });
    const eventTime = (JSON.parse(stamped.sent[0]?.options?.body ?? '{}') as { eventTime: string }).eventTime;
    expect(Date.parse(eventTime)).to.be.at.least(before);
  });

  describe('Event series (repeats aggregate like client-go)', () => {
    const regarding = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', namespace: 'shop', name: 'demo', uid: 'u2' };
    const warning = { regarding, type: 'Warning', reason: 'DatabaseSecretMissing', note: 'Secret pg does not exist' } as const;
    const created = (name: string): KubeResponse => ({ status: 201, body: JSON.stringify({ metadata: { name } }) });

    it('creates one Event, then raises its series count on each repeat', async () => {
      let clock = Date.parse('2026-01-01T00:00:00Z');
      const { transport, sent } = recording([created('demo.a1'), { status: 200, body: '{}' }, { status: 200, body: '{}' }]);
      const api = httpKubeApi(transport, { now: () => new Date(clock) });
      await api.event(warning);
      clock += 1_000;
      await api.event(warning);
      clock += 1_000;
      await api.event(warning);
      expect(sent.map((request) => [request.method, request.path])).to.deep.equal([
        ['POST', '/apis/events.k8s.io/v1/namespaces/shop/events'],
        ['PATCH', '/apis/events.k8s.io/v1/namespaces/shop/events/demo.a1'],
        ['PATCH', '/apis/events.k8s.io/v1/namespaces/shop/events/demo.a1'],
      ]);
      expect(sent[2]?.options).to.deep.equal({
        contentType: 'application/merge-patch+json',
        body: JSON.stringify({ series: { count: 3, lastObservedTime: '2026-01-01T00:00:02.000000Z' } }),
      });
    });

    it('keeps different reasons, notes and resources apart', async () => {
      const { transport, sent } = recording([created('a'), created('b'), created('c')]);
      const api = httpKubeApi(transport);
      await api.event(warning);
      await api.event({ ...warning, note: 'Secret other does not exist' });
      await api.event({ ...warning, regarding: { ...regarding, uid: 'u3' } });
      expect(sent.map((request) => request.method)).to.deep.equal(['POST', 'POST', 'POST']);
    });

    it('starts a new Event when the old one is gone or the series went quiet', async () => {
      let clock = 0;
      const { transport, sent } = recording([created('first'), { status: 404, body: '{}' }, created('second'), created('third')]);
      const api = httpKubeApi(transport, { now: () => new Date(clock) });
      await api.event(warning);
      await api.event(warning);
      clock += 7 * 60_000;
      await api.event(warning);
      expect(sent.map((request) => request.method)).to.deep.equal(['POST', 'PATCH', 'POST', 'POST']);
    });

    it('remembers a bounded number of series, forgetting the oldest first', () => {
      const series = new EventSeries(60_000, 2);
      const of = (uid: string): KubeEvent => ({ ...warning, regarding: { ...regarding, uid } });
      series.remember(of('a'), 'ea', 0);
      series.remember(of('b'), 'eb', 0);
      series.remember(of('a'), 'ea2', 0);
      series.remember(of('c'), 'ec', 0);
      expect(series.repeat(of('b'), 1)).to.equal(undefined);
      expect(series.repeat(of('a'), 1)).to.deep.equal({ name: 'ea2', count: 2 });
      expect(series.repeat(of('c'), 60_000)).to.deep.equal({ name: 'ec', count: 2 });
      expect(series.repeat(of('c'), 120_001)).to.equal(undefined);
    });

    it('does not start a series when the API answers without a name', async () => {
      const { transport, sent } = recording([{ status: 201, body: '{}' }, { status: 403, body: '{}' }, created('x')]);
      const api = httpKubeApi(transport);
      await api.event(warning);
      await api.event(warning);
      await api.event(warning);
      expect(sent.map((request) => request.method)).to.deep.equal(['POST', 'POST', 'POST']);
    });
  });
});
