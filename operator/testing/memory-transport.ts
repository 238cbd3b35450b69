/**
 * A KubeTransport answering REST calls from a MemoryApi, so the whole operator process (HTTP
 * client, watches, Lease, reconcilers) runs in a test without a server. Watches replay the
 * changes after their resourceVersion, then stream new ones as they happen.
 */
import { KIND_ROWS } from '../kinds.ts';
import { METADATA_LIST, METADATA_WATCH } from '../kube/transport.ts';
import type { KubeResponse, KubeTransport } from '../kube/transport.ts';
import type { KubeObject } from '../resources/types.ts';
import type { MemoryApi, MemoryChange } from './memory-api.ts';

const KINDS: Readonly<Record<string, string>> = {
  secrets: 'Secret', configmaps: 'ConfigMap', services: 'Service', events: 'Event', deployments: 'Deployment', statefulsets: 'StatefulSet',
  poddisruptionbudgets: 'PodDisruptionBudget', networkpolicies: 'NetworkPolicy', leases: 'Lease', certificates: 'Certificate',
  ...Object.fromEntries(KIND_ROWS.map((row) => [row.plural, row.kind])),
};

interface Route {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status: boolean;
}

function route(path: string): Route {
  const parts = path.split('/').filter((part) => part !== '');
  const core = parts[0] === 'api';
  const apiVersion = core ? String(parts[1]) : `${String(parts[1])}/${String(parts[2])}`;
  let rest = parts.slice(core ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const kind = KINDS[String(rest[0])] ?? 'Unknown';
  return { apiVersion, kind, ...(namespace === undefined ? {} : { namespace }), ...(rest[1] === undefined ? {} : { name: rest[1] }), status: rest[2] === 'status' };
}

function json(status: number, body: unknown): KubeResponse {
  return { status, body: JSON.stringify(body) };
}

function matches(object: KubeObject, selector: string | undefined): boolean {
  if (selector === undefined) {
    return true;
  }
  const [key = '', value] = selector.split('=');
  return object.metadata.labels?.[key] === value;
}

/** What the metadata client receives of an object. */
function metadataOnly(object: KubeObject): KubeObject {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: object.metadata };
}

/** A KubeTransport whose watch history can be cut, as an API server compacts it. */
export interface MemoryTransport extends KubeTransport {
  /**
   * Ends every open watch and forgets the history up to now: a watch resumed from an older
   * resourceVersion gets 410 Gone, as after an API server restart.
   */
  expireWatches(): void;
}

/** A transport over `api`; `down` makes every call fail as if the server were unreachable. */
export function memoryTransport(api: MemoryApi, state: { down: boolean } = { down: false }): MemoryTransport {
  const open = new Set<() => void>();
  let compactedThrough = 0;
  return {
    expireWatches() {
      compactedThrough = api.revision;
      for (const end of [...open]) {
        end();
      }
    },
    async request(method, path, options) {
      if (state.down) {
        throw new Error('connection refused');
      }
      if (path === '/version') {
        return json(200, { gitVersion: 'v1.34.0-memory' });
      }
      const target = route(path);
      const body = options?.body === undefined ? undefined : JSON.parse(options.body) as KubeObject;
      if (method === 'GET' && target.name === undefined) {
        const items = api.list(target.kind).filter((object) => matches(object, options?.query?.labelSelector));
        return json(200, { metadata: { resourceVersion: String(api.revision) }, items: options?.accept === METADATA_LIST ? items.map(metadataOnly) : items });
      }
      const ref = { apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace ?? '', name: target.name ?? body?.metadata.name ?? '' };
      if (method === 'GET') {
        const found = await api.get(ref);
        return found === undefined ? json(404, {}) : json(200, found);
      }
      if (method === 'PATCH' && body !== undefined) {
        return json(200, await (target.status ? api.applyStatus(body) : api.apply(body)));
      }
      if (method === 'POST' && body !== undefined) {
        if (target.kind === 'Event') {
          return json(201, {});
        }
        return (await api.create(body)) ? json(201, body) : json(409, {});
      }
      if (method === 'PUT' && body !== undefined) {
        const existing = api.find(ref.apiVersion, ref.kind, ref.name, ref.namespace);
        if (existing?.metadata.resourceVersion !== body.metadata.resourceVersion) {
          return json(409, {});
        }
        return json(200, await api.apply({ ...body, metadata: { name: ref.name, namespace: ref.namespace } }));
      }
      if (method === 'DELETE') {
        await api.delete(ref);
        return json(200, {});
      }
      return json(405, {});
    },
    watch(path, query, onLine, signal, accept) {
      if (state.down) {
        return Promise.reject(new Error('connection refused'));
      }
      const target = route(path);
      const relevant = (change: MemoryChange): boolean => change.object.kind === target.kind &&
        (target.namespace === undefined || change.object.metadata.namespace === target.namespace) && matches(change.object, query.labelSelector);
      const send = (change: MemoryChange): void => {
        if (relevant(change)) {
          onLine(JSON.stringify({ type: change.type, object: accept === METADATA_WATCH ? metadataOnly(change.object) : change.object }));
        }
      };
      const from = Number(query.resourceVersion ?? '0');
      if (from > 0 && from < compactedThrough) {
        onLine(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: `too old resource version: ${String(from)} (${String(compactedThrough)})` } }));
        return Promise.resolve();
      }
      for (const change of api.log.filter((entry) => entry.revision > from)) {
        send(change);
      }
      return new Promise<void>((resolve) => {
        const end = (): void => {
          clearTimeout(timer);
          api.changes.off('change', send);
          open.delete(end);
          resolve();
        };
        open.add(end);
        const timer = setTimeout(end, Number(query.timeoutSeconds ?? '300') * 1000);
        api.changes.on('change', send);
        signal.addEventListener('abort', end, { once: true });
      });
    },
  };
}
