import { expect } from 'chai';
import { httpKubeApi } from './http-api.ts';
import { KubeApiError, describeError } from './api.ts';
import type { KubeResponse, KubeTransport, RequestOptions } from './transport.ts';
import { collectionPath, objectPath } from './paths.ts';

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

  it('records events.k8s.io/v1 Events and never fails a reconcile over one', async () => {
    const { transport, sent } = recording([{ status: 201, body: '{}' }]);
    const api = httpKubeApi(transport, () => new Date('2026-01-01T00:00:00Z'));
    const regarding = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', namespace: 'shop', name: 'demo', uid: 'u1' };
    await api.event({ regarding, type: 'Warning', reason: 'DatabaseSecretMissing', note: 'Secret pg does not exist' });
    await api.event({ regarding, type: 'Normal', reason: 'Lost', note: 'transport fails' });
    expect(sent[0]?.path).to.equal('/apis/events.k8s.io/v1/namespaces/shop/events');
    const body = JSON.parse(sent[0]?.options?.body ?? '{}') as Record<string, unknown>;
    expect(body).to.deep.include({ type: 'Warning', reason: 'DatabaseSecretMissing', note: 'Secret pg does not exist', eventTime: '2026-01-01T00:00:00.000Z', regarding });
    expect(sent).to.have.length(2);
    const stamped = recording([{ status: 201, body: '{}' }]);
    const before = Date.now();
    await httpKubeApi(stamped.transport).event({ regarding, type: 'Normal', reason: 'Now', note: 'system clock' });
    const eventTime = (JSON.parse(stamped.sent[0]?.options?.body ?? '{}') as { eventTime: string }).eventTime;
    expect(Date.parse(eventTime)).to.be.at.least(before);
  });
});
