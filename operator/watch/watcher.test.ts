import { expect } from 'chai';
import { KubeApiError } from '../kube/api.ts';
import { METADATA_LIST, METADATA_WATCH } from '../kube/transport.ts';
import type { KubeResponse, KubeTransport } from '../kube/transport.ts';
import type { SetTimer } from '../queue/work-queue.ts';
import type { KubeObject } from '../resources/types.ts';
import { Watcher } from './watcher.ts';
import type { WatcherOptions, WatchTarget } from './watcher.ts';

const PATH = '/apis/cryptoutil.io/v1alpha1/petstores';

const target: WatchTarget = {
  apiVersion: 'cryptoutil.io/v1alpha1',
  kind: 'PetStore',
  labelSelector: 'app=x',
  keyOf: (object: KubeObject) => (object.metadata.name === 'ignored' ? undefined : `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`),
};

function item(name: string, resourceVersion: string): KubeObject {
  return { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name, namespace: 'default', resourceVersion } };
}

function event(type: string, object: unknown): string {
  return JSON.stringify({ type, object });
}

/** What one watch request does: the lines it sends, then how it ends. */
interface WatchScript {
  readonly lines?: readonly string[];
  readonly fail?: Error;
}

interface Call {
  readonly kind: 'list' | 'watch';
  readonly query: Readonly<Record<string, string>> | undefined;
  readonly accept: string | undefined;
}

/**
 * A scripted API server: each list answers the next list response, each watch plays the next
 * script; when the scripts run out the watcher is stopped and `done` resolves.
 */
function scripted(lists: KubeResponse[], watches: WatchScript[]): { transport: KubeTransport; calls: Call[]; done: Promise<void>; attach: (watcher: Watcher) => void } {
  const calls: Call[] = [];
  const { promise: done, resolve } = Promise.withResolvers<undefined>();
  let watcher: Watcher | undefined;
  const finish = (): Promise<void> => {
    void watcher?.stop().then(() => { resolve(undefined); });
    return Promise.resolve();
  };
  const transport: KubeTransport = {
    request(_method, path, options) {
      expect(path).to.equal(PATH);
      calls.push({ kind: 'list', query: options?.query, accept: options?.accept });
      const answer = lists.shift();
      if (answer === undefined) {
        return finish().then(() => ({ status: 503, body: '{}' }));
      }
      return Promise.resolve(answer);
    },
    watch(path, query, onLine, _signal, accept) {
      expect(path).to.equal(PATH);
      calls.push({ kind: 'watch', query, accept });
      const script = watches.shift();
      if (script === undefined) {
        return finish();
      }
      for (const line of script.lines ?? []) {
        onLine(line);
      }
      return script.fail === undefined ? Promise.resolve() : Promise.reject(script.fail);
    },
  };
  return { transport, calls, done, attach: (attached) => { watcher = attached; } };
}

function listOf(resourceVersion: string, items: KubeObject[]): KubeResponse {
  return { status: 200, body: JSON.stringify({ metadata: { resourceVersion }, items }) };
}

/** The resync period of the tests that are not about resync: its timer never fires. */
const NEVER_SECONDS = 1e9;

/** Timers that fire at once and record their delays, except the resync timer, which never fires. */
function firing(delays: number[]): SetTimer {
  return (callback, delayMs) => {
    if (delayMs < NEVER_SECONDS) {
      delays.push(delayMs);
      queueMicrotask(callback);
    }
    return () => undefined;
  };
}

/** Instant timers and a clock that moves 2 s per call, so no watch looks short. */
function instant(): { setTimer: SetTimer; delays: number[]; now: () => number } {
  const delays: number[] = [];
  let clock = 0;
  return { delays, now: () => (clock += 2_000), setTimer: firing(delays) };
}

function watching(options: Omit<WatcherOptions, 'onKey'>, keys: string[]): Watcher {
  // Resync is tested on its own below; here it stays out of the way.
  return new Watcher({ resyncSeconds: NEVER_SECONDS, ...options, onKey: (key) => { keys.push(key); } });
}

describe('watcher: an informer without an object cache', () => {
  it('lists, then watches from the list\'s resourceVersion; a watch the server ends resumes from the last event or bookmark, with no relist', async () => {
    const server = scripted([listOf('10', [item('a', '5'), item('ignored', '6')])], [
      { lines: [event('ADDED', item('c', '11')), event('BOOKMARK', { metadata: { resourceVersion: '15' } }), event('DELETED', item('d', '16'))] },
      { lines: [event('BOOKMARK', { metadata: { resourceVersion: '20' } })] },
      { lines: [event('MODIFIED', item('a', '21'))] },
    ]);
    const keys: string[] = [];
    const timers = instant();
    const watcher = watching({ transport: server.transport, target, watchSeconds: 60, random: () => 0.5, now: timers.now, setTimer: timers.setTimer }, keys);
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(keys).to.deep.equal(['PetStore/default/a', 'PetStore/default/c', 'PetStore/default/d', 'PetStore/default/a']);
    expect(server.calls.map((call) => [call.kind, call.query?.resourceVersion])).to.deep.equal([
      ['list', undefined], ['watch', '10'], ['watch', '16'], ['watch', '20'], ['watch', '21'],
    ]);
    expect(server.calls[0]?.query).to.deep.equal({ labelSelector: 'app=x' });
    // Between watchSeconds and twice that, as client-go spreads its watches.
    expect(server.calls[1]?.query).to.deep.equal({ labelSelector: 'app=x', resourceVersion: '10', allowWatchBookmarks: 'true', timeoutSeconds: '90' });
    expect(server.calls.every((call) => call.accept === undefined)).to.equal(true);
    expect(watcher.size, 'a, ignored and c are known; d was deleted').to.equal(3);
  });

  it('with ignoreStatusOnly, hands an object over for a change of spec or metadata, not for its status alone', async () => {
    const at = (resourceVersion: string, metadata: Partial<KubeObject['metadata']>, status: unknown): KubeObject =>
      ({ ...item('a', resourceVersion), metadata: { ...item('a', resourceVersion).metadata, generation: 1, ...metadata }, status });
    const server = scripted([listOf('10', [at('5', {}, {})])], [{
      lines: [
        event('MODIFIED', at('11', {}, { phase: 'Ready' })),
        event('MODIFIED', at('12', { generation: 2 }, { phase: 'Ready' })),
        event('MODIFIED', at('13', { generation: 2 }, { phase: 'Progressing' })),
        event('MODIFIED', at('14', { generation: 2, labels: { tier: 'gold' } }, { phase: 'Progressing' })),
        event('MODIFIED', at('15', { generation: 2, labels: { tier: 'gold' }, annotations: { note: 'x' } }, { phase: 'Progressing' })),
        event('MODIFIED', at('16', { generation: 2, labels: { tier: 'gold' }, annotations: { note: 'x' }, finalizers: ['cryptoutil.io/cleanup'] }, {})),
        event('MODIFIED', at('17', { generation: 2, labels: { tier: 'gold' }, annotations: { note: 'x' }, finalizers: ['cryptoutil.io/cleanup'], deletionTimestamp: '2026-12-07T00:00:00Z' }, {})),
        event('MODIFIED', at('18', { generation: 2, labels: { tier: 'gold' }, annotations: { note: 'x' }, finalizers: ['cryptoutil.io/cleanup'], deletionTimestamp: '2026-12-07T00:00:00Z' }, { phase: 'Deleting' })),
      ],
    }]);
    const keys: string[] = [];
    const timers = instant();
    const watcher = watching({ transport: server.transport, target: { ...target, ignoreStatusOnly: true }, now: timers.now, setTimer: timers.setTimer }, keys);
    server.attach(watcher);
    watcher.start();
    await server.done;
    // Listed; generation 2; labels; annotations; finalizers; deletion. Never the three status writes.
    expect(keys).to.have.length(6);
    expect(server.calls.at(-1)?.query?.resourceVersion, 'every event still moves the watch on').to.equal('18');

    const plain = scripted([listOf('10', [at('5', {}, {})])], [{ lines: [event('MODIFIED', at('11', {}, { phase: 'Ready' }))] }]);
    const childKeys: string[] = [];
    const child = watching({ transport: plain.transport, target, now: timers.now, setTimer: timers.setTimer }, childKeys);
    plain.attach(child);
    child.start();
    await plain.done;
    expect(childKeys, 'without the option a status change is handed over').to.have.length(2);
  });

  it('relists on 410 only, and then hands over what changed or vanished, not what stayed the same', async () => {
    const gone = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (40)' };
    const server = scripted([
      listOf('10', [item('same', '3'), item('changes', '4'), item('vanishes', '5'), item('ignored', '6')]),
      listOf('40', [item('same', '3'), item('changes', '33'), item('new', '34')]),
      listOf('50', [item('same', '3'), item('changes', '33'), item('new', '34')]),
    ], [
      { lines: [event('ERROR', gone), event('ADDED', item('after-error', '41'))] },
      { fail: new KubeApiError('GET', PATH, 410, JSON.stringify({ kind: 'Status', message: 'too old resource version: 40 (50)' })) },
    ]);
    const keys: string[] = [];
    const relists: number[] = [];
    const errors: unknown[] = [];
    const timers = instant();
    const watcher = watching({
      transport: server.transport, target, now: timers.now, setTimer: timers.setTimer,
      onRelist: () => { relists.push(keys.length); }, onError: (error) => { errors.push(error); },
    }, keys);
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(keys).to.deep.equal([
      'PetStore/default/same', 'PetStore/default/changes', 'PetStore/default/vanishes',
      'PetStore/default/changes', 'PetStore/default/new', 'PetStore/default/vanishes',
    ]);
    expect(relists, 'one relist after the ERROR event, one after the refused watch').to.have.length(2);
    expect(server.calls.map((call) => [call.kind, call.query?.resourceVersion])).to.deep.equal([
      ['list', undefined], ['watch', '10'], ['list', undefined], ['watch', '40'], ['list', undefined], ['watch', '50'],
    ]);
    expect(errors, 'a 410 is not a failure and waits for nothing').to.deep.equal([]);
    expect(timers.delays).to.deep.equal([]);
  });

  it('backs off exponentially with jitter after failures, re-watches from the last resourceVersion it saw, and starts over after a success', async () => {
    const server = scripted([{ status: 403, body: JSON.stringify({ kind: 'Status', message: 'petstores is forbidden' }) }, listOf('10', [])], [
      { fail: new Error('connection reset') },
      { lines: [event('ERROR', { kind: 'Status', code: 500, message: 'etcd is unhappy' })] },
      { fail: new Error('connection reset') },
      { fail: new Error('connection reset') },
      { fail: new Error('connection reset') },
      { lines: [event('ADDED', item('a', '12'))] },
      { lines: [event('MODIFIED', item('a', '13'))], fail: new Error('connection reset') },
    ]);
    const errors: string[] = [];
    const timers = instant();
    // Draws alternate between a watch's timeout and a pause; the pauses draw 0, 1, 0.5, 0, 0, 1 and 0.
    const jitter = [0, 0, 1, 0, 0.5, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    const watcher = watching({
      transport: server.transport, target, retryMs: 100, maxRetryMs: 1_000, now: timers.now, setTimer: timers.setTimer,
      random: () => jitter.shift() ?? 0, onError: (error) => { errors.push((error as Error).message); },
    }, []);
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(errors).to.deep.equal([
      `GET ${PATH} answered 403: petstores is forbidden`, 'connection reset', 'watching PetStore: etcd is unhappy',
      'connection reset', 'connection reset', 'connection reset', 'connection reset',
    ]);
    // Each pause lies between half and all of min(1 000, 100 × 2^(n−1)); the success resets the count.
    expect(timers.delays).to.deep.equal([50, 200, 300, 400, 500, 1_000, 50]);
    expect(server.calls.filter((call) => call.kind === 'list'), 'a failed watch never relists').to.have.length(2);
    expect(server.calls.filter((call) => call.kind === 'watch').map((call) => call.query?.resourceVersion)).to.deep.equal(['10', '10', '10', '10', '10', '10', '12', '13']);
  });

  it('counts a watch the server ends at once without an event as a failure, so a broken server is not hammered', async () => {
    const server = scripted([listOf('10', [])], [{}, {}]);
    const errors: string[] = [];
    const delays: number[] = [];
    const watcher = watching({
      transport: server.transport, target, retryMs: 100, random: () => 1, now: () => 0, setTimer: firing(delays),
      onError: (error) => { errors.push((error as Error).message); },
    }, []);
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(errors).to.deep.equal(['watching PetStore: the server ended the watch at once', 'watching PetStore: the server ended the watch at once']);
    expect(delays).to.deep.equal([100, 200]);
  });

  it('asks for metadata only when told to, for lists and watches alike', async () => {
    const server = scripted([listOf('10', [])], [{ lines: [event('ADDED', { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'b', namespace: 'default', resourceVersion: '11' } })] }]);
    const keys: string[] = [];
    const timers = instant();
    const watcher = watching({ transport: server.transport, target: { ...target, metadataOnly: true }, now: timers.now, setTimer: timers.setTimer }, keys);
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(server.calls.map((call) => call.accept)).to.deep.equal([METADATA_LIST, METADATA_WATCH, METADATA_WATCH]);
    expect(keys, 'the key is computed with the watched kind, not PartialObjectMetadata').to.deep.equal(['PetStore/default/b']);
  });

  it('copes with sparse answers: no selector, no items, cluster-scoped objects, events without resourceVersion or message', async () => {
    const bare: WatchTarget = { apiVersion: target.apiVersion, kind: target.kind, keyOf: target.keyOf };
    const cluster = { metadata: { name: 'z' } };
    const server = scripted([{ status: 200, body: '{}' }], [
      { lines: [event('ADDED', cluster), event('DELETED', cluster), event('ERROR', { kind: 'Status', code: 500 })] },
    ]);
    const keys: string[] = [];
    const errors: string[] = [];
    const delays: number[] = [];
    const watcher = new Watcher({
      transport: server.transport, target: bare, random: () => 0, onKey: (key) => { keys.push(key); }, onError: (error) => { errors.push((error as Error).message); },
      // Defaults throughout; only the 15 s resync tick (a 300 s period / 20) is held back.
      setTimer: (callback, delayMs) => { delays.push(delayMs); if (delayMs !== 15_000) queueMicrotask(callback); return () => undefined; },
    });
    server.attach(watcher);
    watcher.start();
    await server.done;
    expect(server.calls.map((call) => call.query)).to.deep.equal([
      {}, { resourceVersion: '', allowWatchBookmarks: 'true', timeoutSeconds: '300' }, { resourceVersion: '', allowWatchBookmarks: 'true', timeoutSeconds: '300' },
    ]);
    expect(keys).to.deep.equal(['PetStore//z', 'PetStore//z']);
    expect(errors).to.deep.equal(['watching PetStore: the watch failed']);
    expect(delays).to.deep.equal([15_000, 500]);
    expect(watcher.size).to.equal(0);
  });

  it('stops at once, even in the middle of a long pause', async () => {
    const transport: KubeTransport = {
      request: () => Promise.reject(new Error('unreachable')),
      watch: () => Promise.resolve(),
    };
    const { promise: failed, resolve } = Promise.withResolvers<undefined>();
    const watcher = new Watcher({ transport, target, onKey: () => undefined, retryMs: 600_000, onError: () => { resolve(undefined); } });
    watcher.start();
    await failed;
    const started = Date.now();
    await watcher.stop();
    expect(Date.now() - started).to.be.lessThan(5_000);
  });

  it('does not report the failure a stop causes', async () => {
    const errors: unknown[] = [];
    const holder: { watcher?: Watcher } = {};
    const transport: KubeTransport = {
      request: () => Promise.resolve(listOf('1', [])),
      watch: () => {
        // stop() aborts at once; the loop it waits for is this very watch.
        void holder.watcher?.stop();
        return Promise.reject(new Error('aborted'));
      },
    };
    const watcher = new Watcher({ transport, target, onKey: () => undefined, onError: (error) => { errors.push(error); } });
    holder.watcher = watcher;
    watcher.start();
    await watcher.stop();
    expect(errors).to.deep.equal([]);
  });

  describe('resync', () => {
    /** A watcher whose resync timer the test fires by hand, at a clock the test sets. */
    function resyncing(extra: Partial<WatchTarget>, names: string[]): { keys: string[]; tick: (at: number) => void; ticks: number[]; watcher: Watcher } {
      const keys: string[] = [];
      const ticks: number[] = [];
      let pending: (() => void) | undefined;
      let clock = 0;
      let turn = 0;
      const transport: KubeTransport = {
        request: () => Promise.resolve(listOf('1', names.map((name, index) => item(name, String(index + 1))))),
        watch: (_path, _query, _onLine, signal) => new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve(); }, { once: true }); }),
      };
      const watcher = new Watcher({
        transport, target: { ...target, ...extra }, resyncSeconds: 100, now: () => clock,
        // Spread: the objects draw 0, 0.5 and 1 in turn.
        random: () => [0, 0.5, 1][turn++ % 3] ?? 0,
        setTimer: (callback, delayMs) => { ticks.push(delayMs); pending = callback; return () => { pending = undefined; }; },
        onKey: (key) => { keys.push(key); },
      });
      return { keys, ticks, watcher, tick: (at) => { clock = at; pending?.(); } };
    }

    it('hands each object over again about once a period, spread out, without listing again', async () => {
      const run = resyncing({}, ['a', 'b', 'c']);
      run.watcher.start();
      await new Promise((resolve) => setImmediate(resolve));
      expect(run.keys).to.have.length(3);
      run.keys.length = 0;
      // a, b and c drew 0, 0.5 and 1: due at 75, 100 and 125 s, a period ±25 %.
      run.tick(74_000);
      expect(run.keys).to.deep.equal([]);
      run.tick(76_000);
      expect(run.keys).to.deep.equal(['PetStore/default/a']);
      run.tick(101_000);
      expect(run.keys).to.deep.equal(['PetStore/default/a', 'PetStore/default/b']);
      run.tick(126_000);
      expect(run.keys).to.deep.equal(['PetStore/default/a', 'PetStore/default/b', 'PetStore/default/c']);
      expect(new Set(run.ticks), 'one timer ticking twenty times a period').to.deep.equal(new Set([5_000]));
      await run.watcher.stop();
      run.tick(1e9);
      expect(run.keys, 'nothing after stop').to.have.length(3);
    });

    it('is off for targets that say so', async () => {
      const run = resyncing({ resync: false }, ['a']);
      run.watcher.start();
      await new Promise((resolve) => setImmediate(resolve));
      run.tick(1e9);
      expect(run.keys).to.deep.equal(['PetStore/default/a']);
      expect(run.ticks).to.deep.equal([]);
      await run.watcher.stop();
    });
  });
});
