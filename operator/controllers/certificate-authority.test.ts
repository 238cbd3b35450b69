import { expect } from 'chai';
import { createHash, X509Certificate } from 'node:crypto';
import { selfSignedServerCa } from '../../services/template/tls/issuing.ts';
import { API_VERSION, kindRow } from '../kinds.ts';
import type { Condition, KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { certificateAuthority, withCaSpec } from '../testing/fixtures.ts';
import { caPublisher } from './publishers.ts';
import { serviceReconciler } from './reconciler.ts';
import type { ServiceFetch } from './service-fetch.ts';

const images = { service: 'ghcr.io/cryptoutil/cryptoutil:test', postgres: 'postgres:17-alpine' };

describe('CertificateAuthority controller', () => {
  let rootDer: Buffer;
  let rootPem: string;
  let issuingPem: string;
  /** What pki-ca serves: the root as DER, the bundle (an issuing CA, then the root) as PEM. */
  let served: (url: string) => Promise<Uint8Array>;

  before(async () => {
    rootPem = (await selfSignedServerCa('CN=demo CA,O=cryptoutil', 3650, new Date('2026-03-01T00:00:00Z'))).cert;
    rootDer = new X509Certificate(rootPem).raw;
    issuingPem = (await selfSignedServerCa('CN=demo issuing CA,O=cryptoutil', 365, new Date('2026-03-01T00:00:00Z'))).cert;
    served = (url) => Promise.resolve(url.endsWith('/bundle.pem') ? Buffer.from(`${issuingPem}${rootPem}`) : rootDer);
  });

  function harness(resource: ServiceResource, answer: (url: string) => Promise<Uint8Array>, api = new MemoryApi()) {
    api.put(resource);
    const calls: { url: string; ca: string }[] = [];
    const pending: ObjectRef[] = [];
    const fetch: ServiceFetch = (url, ca) => { calls.push({ url, ca }); return answer(url); };
    const reconciler = serviceReconciler(kindRow('CertificateAuthority'), { api, images, publishers: { CertificateAuthority: caPublisher(fetch) }, onPublicationPending: (ref) => { pending.push(ref); }, now: () => new Date('2026-03-01T10:00:00Z') });
    const ref = { apiVersion: API_VERSION, kind: 'CertificateAuthority', namespace: 'default', name: resource.metadata.name };
    const current = (): ServiceResource | undefined => api.find(API_VERSION, 'CertificateAuthority', resource.metadata.name) as ServiceResource | undefined;
    return {
      api,
      calls,
      pending,
      reconcile: () => reconciler.reconcile(ref),
      status: () => current()?.status as (Record<string, unknown> & { conditions?: Condition[] }) | undefined,
      ready: () => current()?.status?.conditions?.find((condition) => condition.type === 'Ready'),
      running: () => {
        api.setReady('apps/v1', 'StatefulSet', `${resource.metadata.name}-pki-ca-postgres`, 1);
        api.setReady('apps/v1', 'Deployment', `${resource.metadata.name}-pki-ca`, 1);
      },
    };
  }

  it('runs pki-ca with its own unseal Secret and asks nothing of it before its replicas run', async () => {
    const h = harness(certificateAuthority('demo'), (url) => served(url));
    await h.reconcile();
    expect(h.api.find('v1', 'Secret', 'demo-pki-ca-unseal-1')).to.not.equal(undefined);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-pki-ca')).to.not.equal(undefined);
    expect(h.calls).to.deep.equal([]);
    expect(h.status()).to.not.have.property('fingerprintSha256');
    expect(h.ready()).to.deep.include({ status: 'False', message: 'waiting for the database' });
  });

  it('publishes the root: fingerprint, notAfter, the ca-bundle ConfigMap, then Ready', async () => {
    const h = harness(certificateAuthority('demo'), (url) => served(url));
    await h.reconcile();
    h.running();
    await h.reconcile();
    const tls = h.api.find('v1', 'Secret', 'demo-pki-ca-tls') as KubeObject & { data: Record<string, string> };
    const tlsCa = Buffer.from(tls.data['ca.crt'] ?? '', 'base64').toString('utf8');
    expect(h.calls).to.deep.equal([
      { url: 'https://demo-pki-ca.default.svc:8380/pki/v1/ca/root.crt', ca: tlsCa },
      { url: 'https://demo-pki-ca.default.svc:8380/pki/v1/ca/bundle.pem', ca: tlsCa },
    ]);
    expect(h.status()).to.deep.include({
      fingerprintSha256: createHash('sha256').update(rootDer).digest('hex'),
      notAfter: new Date(new X509Certificate(rootDer).validTo).toISOString(),
      endpoint: 'https://demo-pki-ca.default.svc:8380',
    });
    expect(h.status()).to.not.have.property('acmeDirectory');
    const bundle = h.api.find('v1', 'ConfigMap', 'demo-ca-bundle') as KubeObject & { data: Record<string, string> };
    expect(bundle.data['ca.crt']).to.equal(`${issuingPem}${rootPem}`);
    expect(bundle.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'CertificateAuthority', name: 'demo' });
    expect(h.ready()).to.deep.include({ status: 'True', reason: 'Available' });
  });

  it('names the ACME directory when spec.acme is true', async () => {
    const h = harness(certificateAuthority('demo', withCaSpec({ acme: true })), (url) => served(url));
    await h.reconcile();
    h.running();
    await h.reconcile();
    expect(h.status()).to.deep.include({ acmeDirectory: 'https://demo-pki-ca.default.svc:8380/acme/default/directory' });
  });

  it('waits, not Ready, while the service cannot answer or answers with something that is no certificate, and keeps what it published', async () => {
    let answer: (url: string) => Promise<Uint8Array> = () => Promise.reject(new Error('connection refused'));
    const h = harness(certificateAuthority('demo'), (url) => answer(url));
    await h.reconcile();
    h.running();
    expect(h.pending).to.deep.equal([]);
    await h.reconcile();
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable', message: 'waiting for the service to publish its certificate' });
    // Nothing watched changes when the service starts answering: the reconciler asks to be run again.
    expect(h.pending).to.deep.equal([{ apiVersion: API_VERSION, kind: 'CertificateAuthority', namespace: 'default', name: 'demo' }]);
    expect(h.status()?.conditions?.find((condition) => condition.type === 'Progressing')).to.deep.include({ status: 'True' });
    expect(h.api.find('v1', 'ConfigMap', 'demo-ca-bundle')).to.equal(undefined);
    // A bundle without the root, an empty one, or one with something that is no certificate, is not published either.
    for (const bundle of [Buffer.from(issuingPem), new Uint8Array(), Buffer.from(`${rootPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----`)]) {
      answer = (url) => Promise.resolve(url.endsWith('/bundle.pem') ? bundle : rootDer);
      await h.reconcile();
      expect(h.api.find('v1', 'ConfigMap', 'demo-ca-bundle')).to.equal(undefined);
    }
    answer = (url) => served(url);
    await h.reconcile();
    expect(h.pending).to.have.length(4);
    const published = h.status()?.fingerprintSha256;
    expect(published).to.be.a('string');
    answer = () => Promise.resolve(new Uint8Array([1, 2, 3]));
    await h.reconcile();
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable' });
    expect(h.status()?.fingerprintSha256).to.equal(published);
  });

  it('leaves a ca-bundle ConfigMap it does not own untouched and says so', async () => {
    const api = new MemoryApi();
    api.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo-ca-bundle', namespace: 'default' }, data: { 'ca.crt': 'theirs' } });
    const h = harness(certificateAuthority('demo'), (url) => served(url), api);
    await h.reconcile();
    h.running();
    let failure: unknown;
    try { await h.reconcile(); } catch (error) { failure = error; }
    expect((failure as Error).message).to.contain('ConfigMap demo-ca-bundle exists and is not owned by this CertificateAuthority');
    expect((api.find('v1', 'ConfigMap', 'demo-ca-bundle') as KubeObject & { data: Record<string, string> }).data['ca.crt']).to.equal('theirs');
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'ObjectConflict' });
  });

  it('asks nothing while a TLS Secret has no CA to trust yet', async () => {
    const resource = certificateAuthority('demo');
    const api = new MemoryApi();
    const h = harness(resource, (url) => served(url), api);
    await h.reconcile();
    h.running();
    const tls = api.find('v1', 'Secret', 'demo-pki-ca-tls') as KubeObject & { data: Record<string, string> };
    api.put({ ...tls, data: { 'tls.crt': tls.data['tls.crt'] ?? '', 'tls.key': tls.data['tls.key'] ?? '' } });
    const before = h.calls.length;
    // The harness's clock: on the real one the certificate issued above would be due for renewal, and renewing restores ca.crt.
    const reconciler = serviceReconciler(kindRow('CertificateAuthority'), { api, images, publishers: { CertificateAuthority: caPublisher((url) => served(url)) }, now: () => new Date('2026-03-01T10:00:00Z') });
    await reconciler.reconcile({ apiVersion: API_VERSION, kind: 'CertificateAuthority', namespace: 'default', name: 'demo' });
    expect(h.calls.length).to.equal(before);
    expect(h.ready()).to.deep.include({ status: 'False', reason: 'NotAvailable' });
  });
});
