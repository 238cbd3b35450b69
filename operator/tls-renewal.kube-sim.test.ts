import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { DAY_MS } from '../services/template/tls/issuing.ts';
import { type RunningOperator } from './main.ts';
import { BOOTSTRAP_CA_SECRET } from './controllers/material.ts';
import { createBootstrapCa, issueServerCertificate } from './material/bootstrap-ca.ts';
import { childLabels, secretData } from './resources/ownership.ts';
import { kindRow } from './kinds.ts';
import { petStore } from './testing/fixtures.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';

const SECRETS = '/api/v1/namespaces/default/secrets';

function certificateOf(secret: Json): X509Certificate {
  return new X509Certificate(Buffer.from(String((secret.data as Json)['tls.crt']), 'base64'));
}

describe('TLS renewal against kube-sim (the chart RBAC, a replace with resourceVersion)', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let running: RunningOperator;

  before(async () => {
    sim = await startKubeSim();
    running = await operatorOnSim(sim);
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
  });

  it('replaces an operator-issued certificate past two thirds of its life, in place, from the same CA', async () => {
    // Issued 300 days ago: past its renewal point (about 243 days) and still valid.
    const then = new Date(Date.now() - 300 * DAY_MS);
    const ca = await createBootstrapCa(then);
    const old = await issueServerCertificate(ca, 'demo-learn-ps', ['demo-learn-ps.default.svc'], then);
    const labels = childLabels(petStore('demo'), kindRow('PetStore'), 'tls');
    expect((await asAdmin(sim, 'POST', SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: BOOTSTRAP_CA_SECRET, labels: { 'app.kubernetes.io/managed-by': labels['app.kubernetes.io/managed-by'] } }, type: 'kubernetes.io/tls', data: secretData({ 'tls.crt': ca.cert, 'tls.key': ca.key }) })).status).to.equal(201);
    const created = await asAdmin(sim, 'POST', SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-learn-ps-tls', labels }, type: 'kubernetes.io/tls', data: secretData({ 'tls.crt': old.cert, 'tls.key': old.key, 'ca.crt': ca.cert }) });
    expect(created.status).to.equal(201);
    const uid = (created.body.metadata as Json).uid;

    await asAdmin(sim, 'POST', '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores', { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'demo' }, spec: { replicas: 1, auth: { issuer: 'https://issuer.example' } } });
    const renewed = await until('the renewed Secret', async () => {
      const answer = await asAdmin(sim, 'GET', `${SECRETS}/demo-learn-ps-tls`);
      return certificateOf(answer.body).serialNumber === new X509Certificate(old.cert).serialNumber ? undefined : answer.body;
    });
    expect((renewed.metadata as Json).uid).to.equal(uid);
    expect(certificateOf(renewed).checkIssued(new X509Certificate(ca.cert))).to.equal(true);
    expect(certificateOf(renewed).checkHost('demo-learn-ps.default.svc')).to.equal('demo-learn-ps.default.svc');
    const events = await until('the TlsCertificateRenewed Event', async () => {
      const answer = await asAdmin(sim, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events');
      const found = (answer.body.items as Json[]).filter((event) => event.reason === 'TlsCertificateRenewed');
      return found.length > 0 ? found : undefined;
    });
    expect(events).to.have.length(1);
    // The next resyncs find a certificate that is not due: nothing more is written.
    const version = (renewed.metadata as Json).resourceVersion;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(((await asAdmin(sim, 'GET', `${SECRETS}/demo-learn-ps-tls`)).body.metadata as Json).resourceVersion).to.equal(version);
  });
});
