import { X509Certificate, createPrivateKey } from 'node:crypto';
import { expect } from 'chai';
import { kindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { secretData } from '../resources/ownership.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { petStore, withCertManager, withTlsSecret } from '../testing/fixtures.ts';
import { DAY_MS } from '../../services/template/tls/issuing.ts';
import { BOOTSTRAP_CA_SECRET, ensureMaterial, type MaterialContext } from './material.ts';
import { ReconcileProblem } from './problem.ts';

const TLS = 'demo-learn-ps-tls';
const START = new Date('2026-03-01T10:00:00Z');
const row = kindRow('PetStore');

/** Days after START, the clock the material step is given. */
function day(days: number): Date {
  return new Date(START.getTime() + days * DAY_MS);
}

interface Fixture {
  readonly api: MemoryApi;
  /** Runs the material step at `now`, optionally through another client (to stage races). */
  run(now: Date, client?: KubeApi): Promise<void>;
  certificate(): X509Certificate;
  ca(): X509Certificate;
  secret(): KubeObject;
  events(): [string, string][];
}

function decodedFrom(object: KubeObject | undefined, key: string): string {
  return Buffer.from(String((object?.data as Record<string, string> | undefined)?.[key]), 'base64').toString('utf8');
}

function fixture(resource: ServiceResource = petStore('demo')): Fixture {
  const api = new MemoryApi();
  api.put(resource);
  const secret = (): KubeObject => {
    const found = api.find('v1', 'Secret', TLS);
    if (found === undefined) throw new Error(`no Secret ${TLS}`);
    return found;
  };
  return {
    api,
    run: async (now, client = api) => {
      const context: MaterialContext = {
        api: client,
        now: () => now,
        announce: (reason, note, type = 'Normal') => api.event({ regarding: { apiVersion: resource.apiVersion, kind: resource.kind, namespace: 'default', name: 'demo', uid: 'uid' }, type, reason, note }),
      };
      await ensureMaterial(context, resource, row);
    },
    certificate: () => new X509Certificate(decodedFrom(secret(), 'tls.crt')),
    ca: () => new X509Certificate(decodedFrom(api.find('v1', 'Secret', BOOTSTRAP_CA_SECRET), 'tls.crt')),
    secret,
    events: () => api.events.map((event) => [event.type, event.reason]),
  };
}

/** The reason of the ReconcileProblem a run rejects with. */
async function problemReason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ReconcileProblem) return error.reason;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('TLS renewal of bootstrap-CA certificates (issue 16 point 8)', () => {
  it('renews at two thirds of the certificate life: same CA, same names, the Secret replaced in place', async () => {
    const f = fixture();
    await f.run(START);
    const first = f.certificate();
    const { uid, resourceVersion } = f.secret().metadata;
    const renewsAt = first.validFromDate.getTime() + (first.validToDate.getTime() - first.validFromDate.getTime()) * 2 / 3;

    await f.run(new Date(renewsAt - 60_000));
    expect(f.certificate().serialNumber).to.equal(first.serialNumber);
    expect(f.api.calls.filter((call) => call.operation === 'update')).to.deep.equal([]);

    await f.run(new Date(renewsAt));
    const renewed = f.certificate();
    expect(renewed.serialNumber).to.not.equal(first.serialNumber);
    expect(renewed.checkIssued(f.ca())).to.equal(true);
    expect(renewed.verify(f.ca().publicKey)).to.equal(true);
    expect(renewed.subject).to.equal(first.subject);
    expect(renewed.subjectAltName).to.equal(first.subjectAltName);
    expect(renewed.validToDate.getTime()).to.be.greaterThan(first.validToDate.getTime());
    expect(renewed.checkPrivateKey(createPrivateKey(decodedFrom(f.secret(), 'tls.key')))).to.equal(true);
    expect(decodedFrom(f.secret(), 'ca.crt')).to.equal(f.ca().toString());
    expect(f.secret().metadata.uid).to.equal(uid);
    expect(f.secret().metadata.resourceVersion).to.not.equal(resourceVersion);
    expect(f.secret().metadata.ownerReferences?.[0]).to.deep.include({ kind: 'PetStore', name: 'demo' });
    expect(f.events()).to.deep.equal([['Normal', 'TlsCertificateRenewed']]);
    expect(f.api.events[0]?.note).to.include(renewed.serialNumber).and.not.include('PRIVATE KEY');

    await f.run(new Date(renewsAt + 60_000));
    expect(f.certificate().serialNumber).to.equal(renewed.serialNumber);
  });

  it('writes once when two reconciles renew at the same time (resourceVersion precondition)', async () => {
    const f = fixture();
    await f.run(START);
    const first = f.certificate();
    // Both updates wait until both have read the Secret, so both carry the same resourceVersion.
    const bothRead = Promise.withResolvers<undefined>();
    let reads = 0;
    const results: boolean[] = [];
    const racing: KubeApi = {
      get: (ref) => f.api.get(ref),
      apply: (object) => f.api.apply(object),
      applyStatus: (object) => f.api.applyStatus(object),
      create: (object) => f.api.create(object),
      update: async (object) => {
        reads += 1;
        if (reads === 2) bothRead.resolve(undefined);
        await bothRead.promise;
        const written = await f.api.update(object);
        results.push(written);
        return written;
      },
      delete: (ref) => f.api.delete(ref),
      event: (event) => f.api.event(event),
    };
    await Promise.all([f.run(day(300), racing), f.run(day(300), racing)]);
    expect(results.sort()).to.deep.equal([false, true]);
    expect(f.events()).to.deep.equal([['Normal', 'TlsCertificateRenewed']]);
    expect(f.certificate().serialNumber).to.not.equal(first.serialNumber);
    expect(f.api.events[0]?.note).to.include(f.certificate().serialNumber);
  });

  it('replaces an operator-issued Secret whose certificate cannot be read', async () => {
    const f = fixture();
    await f.run(START);
    const broken = { ...f.secret(), data: secretData({ 'tls.crt': 'garbage', 'tls.key': 'garbage' }) };
    f.api.put(broken);
    await f.run(day(1));
    expect(f.certificate().checkIssued(f.ca())).to.equal(true);
    expect(f.events()).to.deep.equal([['Normal', 'TlsCertificateRenewed']]);
  });

  it('leaves certificates it did not issue alone: a Secret the user supplies, and cert-manager mode', async () => {
    const supplied = fixture(petStore('demo', withTlsSecret(TLS)));
    supplied.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: TLS, namespace: 'default', labels: { 'cryptoutil.io/allow-mount': 'true' } }, data: secretData({ 'tls.crt': 'theirs' }) });
    await supplied.run(day(3000));
    const mountable = fixture();
    mountable.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: TLS, namespace: 'default', labels: { 'cryptoutil.io/allow-mount': 'true' } }, data: secretData({ 'tls.crt': 'theirs' }) });
    await mountable.run(day(3000));
    const certManager = fixture(petStore('demo', withCertManager('letsencrypt')));
    await certManager.run(day(3000));
    for (const f of [supplied, mountable]) {
      expect(decodedFrom(f.secret(), 'tls.crt')).to.equal('theirs');
    }
    for (const f of [supplied, mountable, certManager]) {
      expect(f.api.calls.filter((call) => call.operation === 'update')).to.deep.equal([]);
      expect(f.events()).to.deep.equal([]);
    }
    expect(certManager.api.find('v1', 'Secret', TLS)).to.equal(undefined);
  });

  describe('the bootstrap CA (reported, not rotated)', () => {
    it('warns from two thirds of its life and ends the certificates it issues with it', async () => {
      const f = fixture();
      await f.run(START);
      const ca = f.ca();
      await f.run(day(2000));
      expect(f.events()).to.deep.equal([['Normal', 'TlsCertificateRenewed']]);

      // Past two thirds of the CA's ten years; the certificate of day 2000 is due as well.
      await f.run(day(2450));
      expect(f.events().slice(1)).to.deep.equal([['Warning', 'BootstrapCaExpiring'], ['Normal', 'TlsCertificateRenewed']]);
      expect(f.api.events[1]?.note).to.include(ca.validToDate.toISOString()).and.include('docs/operator.md "TLS renewal"');

      await f.run(day(3400));
      expect(f.certificate().validToDate.toISOString()).to.equal(ca.validToDate.toISOString());
      expect(f.certificate().checkIssued(ca)).to.equal(true);
    });

    it('issues nothing from an expired CA: the resource degrades with BootstrapCaExpired', async () => {
      const f = fixture();
      await f.run(START);
      expect(await problemReason(f.run(day(3651)))).to.equal('BootstrapCaExpired');
      expect(f.events()).to.deep.equal([['Warning', 'BootstrapCaExpiring']]);
      // A resource created after the CA expired gets no certificate either.
      const fresh = fixture();
      const caSecret = f.api.find('v1', 'Secret', BOOTSTRAP_CA_SECRET);
      if (caSecret === undefined) throw new Error('no bootstrap CA');
      fresh.api.put(caSecret);
      expect(await problemReason(fresh.run(day(3651)))).to.equal('BootstrapCaExpired');
    });

    it('renews without a warning when the Secret names no readable CA', async () => {
      const f = fixture();
      await f.run(START);
      f.api.put({ ...f.secret(), data: secretData({ 'tls.crt': decodedFrom(f.secret(), 'tls.crt'), 'tls.key': decodedFrom(f.secret(), 'tls.key') }) });
      await f.run(day(2500));
      expect(f.events()).to.deep.equal([['Normal', 'TlsCertificateRenewed']]);
      expect(decodedFrom(f.secret(), 'ca.crt')).to.equal(f.ca().toString());
    });
  });
});
