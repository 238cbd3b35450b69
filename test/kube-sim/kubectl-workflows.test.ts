import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBootstrapCa } from '../../operator/material/bootstrap-ca.ts';
import type { KObject } from './objects.ts';
import { startKubeSim, type KubeSim } from './server.ts';
import { kubectlPath, run } from './tools.ts';

const root = join(import.meta.dirname, '..', '..');

/** Issue 12 point 9: what a kubectl user does first, against kube-sim, with the real kubectl 1.34. */
describe('kubectl workflows on kube-sim: get all, scale, describe with Events, create configmap|secret', function () {
  this.timeout(25_000);
  let sim: KubeSim;
  let dir: string;
  let kubectl: string;
  const admin = (...args: string[]) => run(kubectl, ['--kubeconfig', join(dir, 'admin'), ...args]);
  const create = (group: string, version: string, plural: string, body: unknown): KObject =>
    sim.api.create(sim.api.type(group, version, plural), 'default', body as KObject, 'test');

  before(async () => {
    kubectl = await kubectlPath();
    sim = await startKubeSim();
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-workflows-'));
    await sim.writeKubeconfig(join(dir, 'admin'), { user: 'admin' });
    const labels = { app: 'web' };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'example' }] } };
    create('apps', 'v1', 'deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: labels }, template } });
    create('apps', 'v1', 'statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: labels }, template } });
    create('', 'v1', 'services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 443 }] } });
    create('', 'v1', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-in-all' }, data: {} });
    expect((await admin('apply', '-f', join(root, 'kind', 'samples', 'petstore.yaml'))).code).to.equal(0);
  });

  after(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('kubectl get all (the "all" category of discovery)', () => {
    it('lists the Services, Deployments and StatefulSets of the namespace, nothing else', async () => {
      const names = await admin('get', 'all', '-o', 'name');
      expect(names.stderr).to.equal('');
      expect(names.stdout.trim().split('\n')).to.deep.equal(['service/web', 'deployment.apps/web', 'statefulset.apps/db']);
      const table = await admin('get', 'all');
      expect(table.code).to.equal(0);
      const rows = table.stdout.split('\n').map((line) => line.trim().split(/\s{2,}/u));
      expect(rows).to.deep.include(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      expect(rows.find((row) => row[0] === 'service/web')?.slice(0, 5)).to.deep.equal(['service/web', 'ClusterIP', '<none>', '<none>', '443/TCP']);
      expect(rows).to.deep.include(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      expect(rows.find((row) => row[0] === 'deployment.apps/web')?.slice(0, 4)).to.deep.equal(['deployment.apps/web', '1/1', '1', '1']);
      expect(rows).to.deep.include(['NAME', 'READY', 'AGE']);
      expect(rows.find((row) => row[0] === 'statefulset.apps/db')?.slice(0, 2)).to.deep.equal(['statefulset.apps/db', '1/1']);
    });

    it('answers an empty namespace with the message kubectl prints for it', async () => {
      const empty = await admin('get', 'all', '-n', 'kube-public');
      expect(empty.code).to.equal(0);
      expect(empty.stderr.trim()).to.equal('No resources found in kube-public namespace.');
    });
  });

  describe('kubectl scale (the scale subresource)', () => {
    it('scales a Deployment, and the simulated kubelet reports the new replicas through /scale', async () => {
      const scaled = await admin('scale', 'deployment', 'web', '--replicas=3');
      expect(scaled.stdout.trim()).to.equal('deployment.apps/web scaled');
      expect((await admin('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}')).stdout).to.equal('3');
      const scale = JSON.parse((await admin('get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale')).stdout) as { kind: string; spec: unknown; status: unknown };
      expect(scale.kind).to.equal('Scale');
      expect(scale.spec).to.deep.equal({ replicas: 3 });
      expect(scale.status).to.deep.equal({ replicas: 3, selector: 'app=web' });
      expect((await admin('scale', 'statefulset', 'db', '--replicas=2')).stdout.trim()).to.equal('statefulset.apps/db scaled');
    });

    it('scales a cryptoutil resource through the scale subresource its CRD declares, bumping the generation', async () => {
      const scaled = await admin('scale', 'petstore', 'demo', '--replicas=2');
      expect(scaled.stdout.trim()).to.equal('petstore.cryptoutil.io/demo scaled');
      const stored = JSON.parse((await admin('get', 'petstore', 'demo', '-o', 'json')).stdout) as { spec: { replicas: number }; metadata: { generation: number } };
      expect(stored.spec.replicas).to.equal(2);
      expect(stored.metadata.generation).to.equal(2);
    });

    it('keeps the CRD schema: scaling a PetStore to 0 is refused as the API server refuses it', async () => {
      const refused = await admin('scale', 'petstore', 'demo', '--replicas=0');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('The PetStore "demo" is invalid: spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
    });

    it('honours --current-replicas as a precondition', async () => {
      const refused = await admin('scale', 'petstore', 'demo', '--current-replicas=5', '--replicas=3');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('Expected replicas to be 5, was 2');
      expect((await admin('scale', 'petstore', 'demo', '--current-replicas=2', '--replicas=3')).code).to.equal(0);
    });
  });

  describe('kubectl describe (Events through core/v1, whichever API wrote them)', () => {
    it('shows an events.k8s.io Event (what the operator writes) and a core/v1 Event of the resource, and no other', async () => {
      const uid = (await admin('get', 'petstore', 'demo', '-o', 'jsonpath={.metadata.uid}')).stdout;
      const regarding = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', namespace: 'default', name: 'demo', uid };
      create('events.k8s.io', 'v1', 'events', {
        apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'demo.operator' }, eventTime: new Date().toISOString().replace(/Z$/u, '000Z'),
        reportingController: 'cryptoutil.io/cryptoutil-operator', reportingInstance: 'cryptoutil-operator', action: 'Reconcile', type: 'Warning', reason: 'NoIssuer', note: 'set spec.auth.issuer', regarding,
      });
      const now = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
      create('', 'v1', 'events', {
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'demo.core' }, firstTimestamp: now, lastTimestamp: now, count: 1, source: { component: 'tester' }, type: 'Normal', reason: 'Hello', message: 'a core event', involvedObject: regarding,
      });
      create('', 'v1', 'events', {
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'other.core' }, firstTimestamp: now, lastTimestamp: now, count: 1, source: { component: 'tester' }, type: 'Normal', reason: 'Elsewhere', message: 'about another object', involvedObject: { ...regarding, name: 'other', uid: 'x' },
      });
      const described = await admin('describe', 'petstore', 'demo');
      expect(described.code).to.equal(0);
      const events = described.stdout.slice(described.stdout.indexOf('Events:'));
      expect(events).to.match(/Warning\s+NoIssuer\s+\S+\s+cryptoutil\.io\/cryptoutil-operator\s+set spec\.auth\.issuer/u);
      expect(events).to.match(/Normal\s+Hello\s+\S+\s+tester\s+a core event/u);
      expect(events).to.not.include('Elsewhere');
    });

    it('shows either API the Event written through the other (one storage)', async () => {
      const core = await admin('get', 'events', '--field-selector', 'involvedObject.name=demo', '-o', 'jsonpath={range .items[*]}{.reason}:{.message};{end}');
      expect(core.stdout).to.equal('Hello:a core event;NoIssuer:set spec.auth.issuer;');
      const modern = await admin('get', 'events.v1.events.k8s.io', '--field-selector', 'regarding.name=demo', '-o', 'jsonpath={range .items[*]}{.reason}:{.note};{end}');
      expect(modern.stdout).to.equal('Hello:a core event;NoIssuer:set spec.auth.issuer;');
    });

    it('refuses an eventTime the API server could not parse (a MicroTime has six fractional digits)', async () => {
      const file = join(dir, 'event.yaml');
      await writeFile(file, 'apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: bad.time, namespace: default}\neventTime: "2026-01-01T00:00:00.000Z"\nreportingController: x\nreportingInstance: x\naction: A\nreason: R\ntype: Normal\nregarding: {kind: PetStore, name: demo, namespace: default}\n');
      const refused = await admin('create', '-f', file);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('eventTime: parsing time "2026-01-01T00:00:00.000Z" as "2006-01-02T15:04:05.000000Z07:00"');
    });

    it('refuses a field selector the API server does not support', async () => {
      const refused = await admin('get', 'events', '--field-selector', 'note=x');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('field label not supported: note=x');
    });
  });

  describe('kubectl create configmap|secret|namespace (protobuf request bodies)', () => {
    it('creates a ConfigMap from literals and a binary file', async () => {
      const file = join(dir, 'blob.bin');
      await writeFile(file, Buffer.from([0, 1, 2, 255]));
      const created = await admin('create', 'configmap', 'settings', '--from-literal=mode=fast', `--from-file=blob=${file}`);
      expect(created.stdout.trim()).to.equal('configmap/settings created');
      const stored = JSON.parse((await admin('get', 'configmap', 'settings', '-o', 'json')).stdout) as { data: unknown; binaryData: unknown };
      expect(stored.data).to.deep.equal({ mode: 'fast' });
      expect(stored.binaryData).to.deep.equal({ blob: Buffer.from([0, 1, 2, 255]).toString('base64') });
    });

    it('creates generic and TLS Secrets, with their type', async () => {
      const created = await admin('create', 'secret', 'generic', 'db', '--from-literal=password=s3cret', '--from-literal=user=app');
      expect(created.stdout.trim()).to.equal('secret/db created');
      const stored = JSON.parse((await admin('get', 'secret', 'db', '-o', 'json')).stdout) as { data: Record<string, string>; type: string };
      expect(stored.type).to.equal('Opaque');
      expect(Buffer.from(stored.data.password ?? '', 'base64').toString('utf8')).to.equal('s3cret');
      // kubectl checks that the key matches the certificate before it sends anything.
      const pair = await createBootstrapCa(new Date());
      await writeFile(join(dir, 'tls.crt'), pair.cert);
      await writeFile(join(dir, 'tls.key'), pair.key);
      const tls = await admin('create', 'secret', 'tls', 'cert', `--cert=${join(dir, 'tls.crt')}`, `--key=${join(dir, 'tls.key')}`);
      expect(tls.stdout.trim()).to.equal('secret/cert created');
      expect((await admin('get', 'secret', 'cert', '-o', 'jsonpath={.type}')).stdout).to.equal('kubernetes.io/tls');
    });

    it('creates a namespace, and refuses the protobuf of a kind it does not decode with a clear 415', async () => {
      expect((await admin('create', 'namespace', 'team-a')).stdout.trim()).to.equal('namespace/team-a created');
      const refused = await admin('create', 'deployment', 'nginx', '--image=nginx');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('kube-sim decodes application/vnd.kubernetes.protobuf only for v1 ConfigMap, Secret and Namespace');
      expect(refused.stderr).to.include('got apps/v1 Deployment');
    });
  });
});
