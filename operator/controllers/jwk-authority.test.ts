import { expect } from 'chai';
import { API_VERSION, kindRow } from '../kinds.ts';
import type { Condition, KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { jwkAuthority, withKeySets } from '../testing/fixtures.ts';
import { jwksPublisher } from './publishers.ts';
import { serviceReconciler } from './reconciler.ts';
import type { ServiceFetch } from './service-fetch.ts';

const images = { service: 'ghcr.io/cryptoutil/cryptoutil:test', postgres: 'postgres:17-alpine' };
const BASE = 'https://demo-jose-ja.default.svc:8280';
const url = (set: string): string => `${BASE}/jwks/${set}/.well-known/jwks.json`;
const tokens = { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
const inbox = { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 60 };

/** What jose-ja serves for a set: the public JWKs of its next and active keys. */
const JWKS = Buffer.from(JSON.stringify({ keys: [
  { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'next', use: 'sig', alg: 'ES256' },
  { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'active', use: 'sig', alg: 'ES256' },
] }));

type Answer = (url: string) => Promise<Uint8Array>;

describe('JwkAuthority controller', () => {
  function harness(resource: ServiceResource, answer: () => Answer, api = new MemoryApi()) {
    api.put(resource);
    const calls: { url: string; ca: string }[] = [];
    const pending: ObjectRef[] = [];
    const fetch: ServiceFetch = (target, ca) => { calls.push({ url: target, ca }); return answer()(target); };
    const reconciler = serviceReconciler(kindRow('JwkAuthority'), { api, images, publishers: { JwkAuthority: jwksPublisher(fetch) }, onPublicationPending: (ref) => { pending.push(ref); }, now: () => new Date('2026-03-01T10:00:00Z') });
    const ref = { apiVersion: API_VERSION, kind: 'JwkAuthority', namespace: 'default', name: resource.metadata.name };
    const current = (): ServiceResource => api.find(API_VERSION, 'JwkAuthority', resource.metadata.name) as ServiceResource;
    return {
      api,
      calls,
      pending,
      reconcile: () => reconciler.reconcile(ref),
      status: () => current().status as (Record<string, unknown> & { conditions?: Condition[] }) | undefined,
      ready: () => current().status?.conditions?.find((condition) => condition.type === 'Ready'),
      respec: (change: (resource: ServiceResource) => ServiceResource) => {
        const next = change(current());
        api.put({ ...next, metadata: { ...next.metadata, generation: next.metadata.generation + 1 } });
      },
      running: () => {
        api.setReady('apps/v1', 'StatefulSet', 'demo-jose-ja-postgres', 1);
        api.setReady('apps/v1', 'Deployment', 'demo-jose-ja', 1);
      },
      tlsCa: () => Buffer.from((api.find('v1', 'Secret', 'demo-jose-ja-tls') as KubeObject & { data: Record<string, string> }).data['ca.crt'] ?? '', 'base64').toString('utf8'),
    };
  }

  it('runs jose-ja with its own unseal Secret and asks nothing of it before its replicas run', async () => {
    const h = harness(jwkAuthority('demo'), () => () => Promise.resolve(JWKS));
    await h.reconcile();
    expect(h.api.find('v1', 'Secret', 'demo-jose-ja-unseal-1')).to.not.equal(undefined);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-jose-ja')).to.have.nested.property('spec.template.spec.containers[0].ports[0].containerPort', 8280);
    expect(h.calls).to.deep.equal([]);
    expect(h.status()).to.not.have.property('jwksUrls');
    expect(h.ready()).to.deep.include({ status: 'False', message: 'waiting for the database' });
  });

  it('publishes the JWKS URL of the default set, fetched over TLS trusting the TLS Secret\'s CA, then Ready', async () => {
    const h = harness(jwkAuthority('demo'), () => () => Promise.resolve(JWKS));
    await h.reconcile();
    h.running();
    await h.reconcile();
    expect(h.calls).to.deep.equal([{ url: url('default'), ca: h.tlsCa() }]);
    expect(h.status()).to.deep.include({ jwksUrls: [url('default')], endpoint: BASE });
    expect(h.ready()).to.deep.include({ status: 'True', reason: 'Available' });
  });

  it('publishes jwksUrls only once every declared set answers with a public JWKS, and is not Ready until then', async () => {
    let served = new Set(['tokens']);
    const h = harness(jwkAuthority('demo', withKeySets([tokens, inbox])), () => (target) => ([...served].some((set) => target === url(set)) ? Promise.resolve(JWKS) : Promise.reject(new Error(`${target} answered 404`))));
    await h.reconcile();
    h.running();
    await h.reconcile();
    expect(h.calls.map((call) => call.url)).to.deep.equal([url('tokens'), url('inbox')]);
    expect(h.status()).to.not.have.property('jwksUrls');
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable', message: 'waiting for the service to publish the JWKS of every declared key set' });
    // Nothing watched changes when the service starts answering: the reconciler asks to be run again.
    expect(h.pending).to.deep.equal([{ apiVersion: API_VERSION, kind: 'JwkAuthority', namespace: 'default', name: 'demo' }]);
    served = new Set(['tokens', 'inbox']);
    await h.reconcile();
    expect(h.status()).to.deep.include({ jwksUrls: [url('tokens'), url('inbox')] });
    expect(h.ready()).to.deep.include({ status: 'True' });
  });

  it('does not advertise a set whose JWKS is empty, is no JWKS, or carries a private member', async () => {
    const bodies: unknown[] = ['not json', { keys: [] }, { keys: 'none' }, null, [1], { keys: [null] }, { keys: [{ kid: 'no-kty' }] }, { keys: [{ kty: 'EC', d: 'secret' }] }, { keys: [{ kty: 'oct', k: 'secret' }] }, { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', p: 'p' }] }];
    let body: unknown = bodies[0];
    const h = harness(jwkAuthority('demo'), () => () => Promise.resolve(Buffer.from(body === 'not json' ? '{"keys":' : JSON.stringify(body))));
    await h.reconcile();
    h.running();
    for (const each of bodies) {
      body = each;
      await h.reconcile();
      expect(h.status(), JSON.stringify(each)).to.not.have.property('jwksUrls');
    }
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable' });
  });

  it('adds a key set: the config changes, the pods roll, and jwksUrls follows once the new set answers', async () => {
    let served = new Set(['tokens']);
    const h = harness(jwkAuthority('demo', withKeySets([tokens])), () => (target) => ([...served].some((set) => target === url(set)) ? Promise.resolve(JWKS) : Promise.reject(new Error('404'))));
    await h.reconcile();
    h.running();
    await h.reconcile();
    const digest = (): unknown => (h.api.find('apps/v1', 'Deployment', 'demo-jose-ja') as KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations['cryptoutil.io/config-digest'];
    const before = digest();
    expect(h.status()).to.deep.include({ jwksUrls: [url('tokens')] });
    h.respec(withKeySets([tokens, inbox]));
    await h.reconcile();
    const config = String((h.api.find('v1', 'ConfigMap', 'demo-jose-ja-config') as KubeObject & { data: Record<string, string> }).data['config.yml']);
    expect(config).to.contain('name: inbox');
    expect(digest()).to.not.equal(before);
    // The URLs published for the sets that answer stay until every declared set answers.
    expect(h.status()).to.deep.include({ jwksUrls: [url('tokens')] });
    expect(h.ready()).to.deep.include({ status: 'False' });
    served = new Set(['tokens', 'inbox']);
    h.running();
    await h.reconcile();
    expect(h.status()).to.deep.include({ jwksUrls: [url('tokens'), url('inbox')] });
    expect(h.ready()).to.deep.include({ status: 'True', observedGeneration: 2 });
  });

  it('asks nothing while the TLS Secret has no CA to trust yet', async () => {
    const api = new MemoryApi();
    const h = harness(jwkAuthority('demo'), () => () => Promise.resolve(JWKS), api);
    await h.reconcile();
    h.running();
    const tls = api.find('v1', 'Secret', 'demo-jose-ja-tls') as KubeObject & { data: Record<string, string> };
    api.put({ ...tls, data: { 'tls.crt': tls.data['tls.crt'] ?? '', 'tls.key': tls.data['tls.key'] ?? '' } });
    await h.reconcile();
    expect(h.calls).to.deep.equal([]);
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable' });
  });
});
