import { KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { request } from 'node:https';
import type { KObject } from './objects.ts';
import { startKubeSim, type KubeSim } from './server.ts';
import { INITIAL_EVENTS_END } from './watch.ts';

interface WatchEvent {
  type: string;
  object: { kind?: string; apiVersion?: string; code?: number; reason?: string; metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> } };
}

const configMaps = '/api/v1/namespaces/default/configmaps';

describe('kube-sim watch bookmarks (API concepts "Watch bookmarks", KEP-3157 watch-list)', function () {
  this.timeout(20_000);
  let sim: KubeSim;

  before(async () => {
    sim = await startKubeSim({ rbacFromChart: false, bookmarkIntervalMs: 50 });
  });
  after(async () => {
    await sim.stop();
  });

  /** Reads a raw watch until `done` holds for the events so far (or the server ends it), then hangs up. */
  function watchUntil(query: string, done: (events: WatchEvent[]) => boolean): Promise<{ status: number; events: WatchEvent[]; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(`${sim.url}${configMaps}?watch=true&${query}`, { ca: sim.ca, headers: { authorization: `Bearer ${sim.adminToken}` } }, (response) => {
        let body = '';
        const events: WatchEvent[] = [];
        const finish = (): void => {
          resolve({ status: response.statusCode ?? 0, events, body });
          outgoing.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
          if (response.statusCode !== 200) return;
          const lines = body.split('\n');
          body = lines.pop() ?? '';
          for (const line of lines) events.push(JSON.parse(line) as WatchEvent);
          if (done(events)) finish();
        });
        response.on('end', finish);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  it('sends BOOKMARK events with the kind, apiVersion and current resourceVersion to @kubernetes/client-node', async () => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'sim', server: sim.url, caData: Buffer.from(sim.ca).toString('base64') }],
      users: [{ name: 'admin', token: sim.adminToken }],
      contexts: [{ name: 'sim', cluster: 'sim', user: 'admin' }],
      currentContext: 'sim',
    });
    const seen: WatchEvent[] = [];
    let created = '';
    const bookmarked = new Promise<WatchEvent>((resolve) => {
      const watching = new Watch(config).watch(configMaps, { allowWatchBookmarks: true }, (type, object: WatchEvent['object']) => {
        seen.push({ type, object });
        if (type === 'BOOKMARK' && created !== '' && Number(object.metadata.resourceVersion) >= Number(created)) {
          void watching.then((controller) => { controller.abort(); });
          resolve({ type, object });
        }
      }, () => undefined);
    });
    const response = await fetchJson('POST', configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bookmarked' }, data: { a: 'b' } });
    created = response.metadata.resourceVersion;
    const event = await bookmarked;
    expect(event.object).to.deep.equal({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(sim.api.store.revision) } });
    expect(seen.map((entry) => entry.type)).to.include('ADDED');
  });

  it('sends no BOOKMARK events unless the client allows them', async () => {
    const { events } = await watchUntil('timeoutSeconds=1', () => false);
    expect(events.filter((event) => event.type === 'BOOKMARK')).to.deep.equal([]);
  });

  it('streams the current objects and then a BOOKMARK annotated initial-events-end for sendInitialEvents=true', async () => {
    await fetchJson('POST', configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'initial' }, data: {} });
    const { events } = await watchUntil('allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=5', (so) => so.some((event) => event.type === 'BOOKMARK'));
    const end = events.at(-1);
    expect(end?.type).to.equal('BOOKMARK');
    expect(end?.object.metadata.annotations).to.deep.equal({ [INITIAL_EVENTS_END]: 'true' });
    expect(end?.object.metadata.resourceVersion).to.equal(String(sim.api.store.revision));
    expect(events.slice(0, -1).every((event) => event.type === 'ADDED')).to.equal(true);
    expect(events.map((event) => event.object.metadata.name)).to.include('initial');
  });

  it('rejects sendInitialEvents=true without resourceVersionMatch=NotOlderThan and bookmarks, as the API server does', async () => {
    for (const query of ['sendInitialEvents=true&allowWatchBookmarks=true', 'sendInitialEvents=true&resourceVersionMatch=NotOlderThan']) {
      const { status, body } = await watchUntil(query, () => true);
      expect(status).to.equal(422);
      expect(body).to.include('sendInitialEvents=true requires');
    }
  });

  it('answers a resume from a resourceVersion the event log no longer holds with an ERROR 410 Expired, bookmarks or not', async () => {
    const type = sim.api.type('', 'v1', 'configmaps');
    const churn = (write: number): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: 'default' }, data: { write: String(write) } }) as unknown as KObject;
    // One more real change than the log keeps (storage.ts LOG_SIZE), so revision 1 has fallen out of it.
    for (let write = 0; write <= 10_000; write += 1) sim.api.store.put(type, churn(write));
    const { events } = await watchUntil('allowWatchBookmarks=true&resourceVersion=1', () => false);
    expect(events).to.have.length(1);
    expect(events[0]?.type).to.equal('ERROR');
    expect(events[0]?.object).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  async function fetchJson(method: string, path: string, body: unknown): Promise<WatchEvent['object']> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const outgoing = request(`${sim.url}${path}`, { method, ca: sim.ca, headers: { authorization: `Bearer ${sim.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (response) => {
        let reply = '';
        response.on('data', (chunk: Buffer) => (reply += chunk.toString()));
        response.on('end', () => {
          resolve(JSON.parse(reply) as WatchEvent['object']);
        });
      });
      outgoing.on('error', reject);
      outgoing.end(text);
    });
  }
});
