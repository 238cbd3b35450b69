import { expect } from 'chai';
import { request } from 'node:https';
import { REQUEST_STATS_PATH, startKubeSim, type KubeSim } from './server.ts';

interface Reply {
  status: number;
  body: string;
}

describe('kube-sim HTTP surface', function () {
  this.timeout(20_000);
  let sim: KubeSim;

  before(async () => {
    sim = await startKubeSim({ rbacFromChart: false });
  });
  after(async () => {
    await sim.stop();
  });

  function call(method: string, path: string, options: { body?: unknown; contentType?: string; accept?: string; token?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const text = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      const outgoing = request(
        `${sim.url}${path}`,
        { method, ca: sim.ca, headers: { 'content-length': Buffer.byteLength(text ?? ''), authorization: `Bearer ${options.token ?? sim.adminToken}`, 'content-type': options.contentType ?? 'application/json', accept: options.accept ?? 'application/json' } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(text);
    });
  }

  it('serves discovery for core, built-in groups and the CRDs', async () => {
    expect(JSON.parse((await call('GET', '/version')).body)).to.include({ gitVersion: 'v1.34.0-kube-sim' });
    expect(JSON.parse((await call('GET', '/api')).body)).to.include({ kind: 'APIVersions' });
    const groups = JSON.parse((await call('GET', '/apis')).body) as { groups: { name: string }[] };
    expect(groups.groups.map((group) => group.name)).to.include.members(['apps', 'policy', 'networking.k8s.io', 'coordination.k8s.io', 'apiextensions.k8s.io', 'cryptoutil.io']);
    const resources = JSON.parse((await call('GET', '/apis/cryptoutil.io/v1alpha1')).body) as { resources: { name: string }[] };
    expect(resources.resources.map((resource) => resource.name)).to.include.members(['petstores', 'petstores/status', 'kmsinstances']);
    expect(JSON.parse((await call('GET', '/apis/apps')).body)).to.include({ name: 'apps' });
    const openApi = JSON.parse((await call('GET', '/openapi/v3/apis/cryptoutil.io/v1alpha1')).body) as { components: { schemas: Record<string, unknown> } };
    expect(openApi.components.schemas).to.have.property('io.cryptoutil.v1alpha1.PetStore');
    expect((await call('GET', '/openapi/v3/apis/nothing.io/v1')).status).to.equal(404);
    expect((await call('GET', '/livez')).body).to.equal('ok');
  });

  it('answers with Kubernetes Status objects for unknown paths, methods and options', async () => {
    expect((await call('GET', '/apis/nothing.io/v1/things')).status).to.equal(404);
    expect((await call('GET', '/nowhere')).status).to.equal(404);
    expect((await call('PUT', '/api/v1/namespaces/default/configmaps', { body: {} })).status).to.equal(405);
    expect((await call('OPTIONS', '/api/v1/namespaces/default/configmaps/x')).status).to.equal(405);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: {} })).status).to.equal(400);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', { body: '{not json' })).status).to.equal(400);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/x/status')).status).to.equal(404);
    expect((await call('PATCH', '/api/v1/namespaces/default/configmaps/x', { body: {}, contentType: 'text/plain' })).status).to.equal(415);
    expect((await call('PATCH', '/api/v1/namespaces/default/configmaps/x', { body: 'a: 1', contentType: 'application/apply-patch+yaml' })).status).to.equal(400);
    const missing = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps/x')).body) as Record<string, unknown>;
    expect(missing).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "x" not found' });
  });

  it('creates through server-side apply with 201 and serves tables', async () => {
    const body = 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: table}\nspec: {replicas: 2}\n';
    const created = await call('PATCH', '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores/table?fieldManager=test', { body, contentType: 'application/apply-patch+yaml' });
    expect(created.status).to.equal(201);
    const table = JSON.parse((await call('GET', '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body) as { kind: string; rows: { cells: unknown[] }[] };
    expect(table.kind).to.equal('Table');
    expect(table.rows[0]?.cells.slice(0, 4)).to.deep.equal(['table', null, 2, null]);
    const plain = JSON.parse((await call('GET', '/api/v1/namespaces', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body) as { columnDefinitions: { name: string }[] };
    expect(plain.columnDefinitions.map((column) => column.name)).to.deep.equal(['Name', 'Age']);
  });

  it('answers 404 to server-side apply on the status of an object that does not exist, as the API server', async () => {
    const body = 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: missing}\nstatus: {readyReplicas: 1}\n';
    const answer = await call('PATCH', '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores/missing/status?fieldManager=test', { body, contentType: 'application/apply-patch+yaml' });
    expect(answer.status).to.equal(404);
    expect((await call('GET', '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores/missing')).status).to.equal(404);
  });

  it('replays a watch from a resourceVersion and reports 410 when the log cannot', async () => {
    const list = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps')).body) as { metadata: { resourceVersion: string } };
    await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', labels: { watch: 'yes' } } } });
    const replay = await call('GET', `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=watch%3Dyes&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`);
    const events = replay.body.trim().split('\n').map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((event) => `${event.type} ${event.object.metadata.name}`)).to.deep.equal(['ADDED w']);
    const fresh = await call('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
    expect(fresh.body).to.include('"ADDED"');
  });

  it('serves metadata only to a client that asks for PartialObjectMetadata(List), and 406 for the wrong one', async () => {
    const secrets = '/api/v1/namespaces/default/secrets';
    const list = JSON.parse((await call('GET', secrets)).body) as { metadata: { resourceVersion: string } };
    await call('POST', secrets, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'meta', labels: { only: 'metadata' } }, stringData: { password: 'never-streamed' } } });
    const asList = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
    const asObject = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
    const listed = await call('GET', `${secrets}?labelSelector=only%3Dmetadata`, { accept: asList });
    expect(listed.body).not.to.include('never-streamed').and.not.to.include(Buffer.from('never-streamed').toString('base64'));
    const parsed = JSON.parse(listed.body) as { kind: string; apiVersion: string; items: { kind: string; metadata: { name: string }; data?: unknown }[] };
    expect(parsed).to.include({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(parsed.items.map((item) => [item.kind, item.metadata.name, item.data])).to.deep.equal([['PartialObjectMetadata', 'meta', undefined]]);
    const watched = await call('GET', `${secrets}?watch=true&labelSelector=only%3Dmetadata&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`, { accept: asObject });
    expect(watched.body).not.to.include(Buffer.from('never-streamed').toString('base64'));
    const [added] = watched.body.trim().split('\n').map((line) => JSON.parse(line) as { type: string; object: { kind: string; metadata: { name: string } } });
    expect([added?.type, added?.object.kind, added?.object.metadata.name]).to.deep.equal(['ADDED', 'PartialObjectMetadata', 'meta']);
    expect((await call('GET', secrets, { accept: asObject })).status).to.equal(406);
    expect((await call('GET', `${secrets}?watch=true&timeoutSeconds=1`, { accept: asList })).status).to.equal(406);
  });

  it('answers 404 to an apply of the status of a missing object, creating nothing', async () => {
    const path = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores/ghost';
    const body = 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: ghost}\nstatus: {phase: x}\n';
    const answer = await call('PATCH', `${path}/status?fieldManager=test`, { body, contentType: 'application/apply-patch+yaml' });
    expect(answer.status).to.equal(404);
    expect((await call('GET', path)).status).to.equal(404);
  });

  it('deletes with propagationPolicy and preconditions from the body', async () => {
    const created = JSON.parse((await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } } })).body) as { metadata: { uid: string } };
    const refused = await call('DELETE', '/api/v1/namespaces/default/configmaps/d', { body: { preconditions: { uid: 'other' } } });
    expect(refused.status).to.equal(409);
    expect((await call('DELETE', '/api/v1/namespaces/default/configmaps/d', { body: { propagationPolicy: 'Foreground', preconditions: { uid: created.metadata.uid } } })).status).to.equal(200);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/d')).status).to.equal(404);
  });

  it('counts requests by user, and serves the counts only to the admin and only when asked to', async () => {
    const before = sim.requestCounts();
    await call('GET', '/api/v1/namespaces');
    await call('GET', '/api/v1/namespaces', { token: sim.operatorToken });
    await call('GET', '/api/v1/namespaces', { token: sim.operatorToken });
    expect(sim.requestCounts()).to.deep.equal({ admin: before.admin + 1, operator: before.operator + 2 });
    expect((await call('GET', REQUEST_STATS_PATH)).status).to.equal(404);
    const counting = await startKubeSim({ rbacFromChart: false, requestStats: true });
    const previous = sim;
    sim = counting;
    try {
      await call('GET', '/api/v1/namespaces', { token: sim.operatorToken });
      expect(JSON.parse((await call('GET', REQUEST_STATS_PATH)).body)).to.deep.equal({ admin: 1, operator: 1 });
      expect((await call('GET', REQUEST_STATS_PATH, { token: sim.operatorToken })).status).to.equal(404);
    } finally {
      sim = previous;
      await counting.stop();
    }
  });
});
