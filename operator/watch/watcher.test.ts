import { expect } from 'chai';
import type { KubeTransport } from '../kube/transport.ts';
import type { KubeObject } from '../resources/types.ts';
import { Watcher } from './watcher.ts';
import type { WatchTarget } from './watcher.ts';

const target: WatchTarget = {
  apiVersion: 'cryptoutil.io/v1alpha1',
  kind: 'PetStore',
  labelSelector: 'app=x',
  keyOf: (object: KubeObject) => (object.metadata.name === 'ignored' ? undefined : `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`),
};

function item(name: string): Record<string, unknown> {
  return { metadata: { name, namespace: 'default' } };
}

describe('list-then-watch', () => {
  it('emits a key per listed item and per watch event, then relists when the watch ends', async () => {
    const keys: string[] = [];
    const requests: { path: string; query: unknown }[] = [];
    let lists = 0;
    const holder: { watcher?: Watcher } = {};
    let relisted: () => void = () => undefined;
    const watchedAgain = new Promise<void>((resolve) => { relisted = resolve; });
    const transport: KubeTransport = {
      request(_method, path, options) {
        lists += 1;
        requests.push({ path, query: options?.query });
        const items = lists === 1 ? [item('a'), item('ignored')] : [item('b')];
        return Promise.resolve({ status: 200, body: JSON.stringify({ metadata: { resourceVersion: String(10 * lists) }, items }) });
      },
      watch(path, query, onLine) {
        requests.push({ path, query });
        if (lists === 1) {
          onLine(JSON.stringify({ type: 'ADDED', object: item('c') }));
          onLine(JSON.stringify({ type: 'BOOKMARK', object: item('bookmark') }));
          onLine(JSON.stringify({ type: 'DELETED', object: item('d') }));
          onLine(JSON.stringify({ type: 'ERROR', object: { metadata: { name: 'gone' }, code: 410 } }));
        } else {
          void holder.watcher?.stop();
          relisted();
        }
        return Promise.resolve();
      },
    };
    const watcher = new Watcher({ transport, target, onKey: (key) => { keys.push(key); }, resyncSeconds: 30 });
    holder.watcher = watcher;
    watcher.start();
    await watchedAgain;
    await watcher.stop();
    expect(keys).to.deep.equal(['PetStore/default/a', 'PetStore/default/c', 'PetStore/default/d', 'PetStore/default/b']);
    expect(requests[0]).to.deep.equal({ path: '/apis/cryptoutil.io/v1alpha1/petstores', query: { labelSelector: 'app=x' } });
    expect(requests[1]).to.deep.equal({
      path: '/apis/cryptoutil.io/v1alpha1/petstores',
      query: { labelSelector: 'app=x', resourceVersion: '10', allowWatchBookmarks: 'true', timeoutSeconds: '30' },
    });
  });

  it('reports a failed list, waits, and tries again; stop interrupts the wait', async () => {
    const errors: string[] = [];
    let calls = 0;
    const transport: KubeTransport = {
      request() {
        calls += 1;
        return Promise.resolve(calls === 1 ? { status: 403, body: '{}' } : { status: 200, body: '{}' });
      },
      watch: () => Promise.reject(new Error('watch broke')),
    };
    // Each wait below is for the event itself, never a fixed time, so a loaded machine cannot fail it.
    let twoErrors: () => void = () => undefined;
    const reported = new Promise<void>((resolve) => { twoErrors = resolve; });
    const watcher = new Watcher({
      transport, target: { apiVersion: target.apiVersion, kind: target.kind, keyOf: target.keyOf }, onKey: () => undefined, retryMs: 1,
      onError: (error) => { errors.push((error as Error).message); if (errors.length === 2) twoErrors(); },
    });
    watcher.start();
    await reported;
    let waiting: () => void = () => undefined;
    const plainWaits = new Promise<void>((resolve) => { waiting = resolve; });
    const plain = new Watcher({ transport, target, onKey: () => undefined, retryMs: 60_000, onError: () => { waiting(); } });
    plain.start();
    await plainWaits;
    const stopped = Date.now();
    await Promise.all([watcher.stop(), plain.stop()]);
    expect(Date.now() - stopped, 'stop interrupts the 60 s wait').to.be.lessThan(10_000);
    expect(errors[0]).to.equal('listing PetStore answered 403');
    expect(errors[1]).to.equal('watch broke');
  });
});
