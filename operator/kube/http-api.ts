/**
 * KubeApi over the REST API: server-side apply is a PATCH with `application/apply-patch+yaml` under
 * the operator's field manager with `force=true` (it owns these fields and takes them back from
 * anyone who edited them by hand).
 */
import { KubeApiError } from './api.ts';
import type { KubeApi, KubeEvent } from './api.ts';
import type { KubeResponse, KubeTransport } from './transport.ts';
import { collectionPath, objectPath } from './paths.ts';
import { refOf } from '../resources/types.ts';
import type { KubeObject } from '../resources/types.ts';
import { FIELD_MANAGER } from '../resources/ownership.ts';
import { EventSeries } from './event-series.ts';
import { microTime } from './micro-time.ts';

const APPLY = { contentType: 'application/apply-patch+yaml', query: { fieldManager: FIELD_MANAGER, force: 'true' } } as const;

function ok(method: string, path: string, response: KubeResponse, also: readonly number[] = []): KubeResponse {
  if ((response.status >= 200 && response.status < 300) || also.includes(response.status)) {
    return response;
  }
  throw new KubeApiError(method, path, response.status, response.body);
}

export interface HttpKubeApiOptions {
  /** Stamps Events; the clock by default. */
  readonly now?: () => Date;
  /** Told when an Event could not be recorded (the reconcile goes on; the log says why). */
  readonly onEventError?: (error: unknown) => void;
}

/** A KubeApi that speaks to the API server through `transport`; `now` stamps Events. */
export function httpKubeApi(transport: KubeTransport, options: HttpKubeApiOptions = {}): KubeApi {
  const now = options.now ?? (() => new Date());
  const onEventError = options.onEventError ?? (() => undefined);
  const series = new EventSeries();
  const apply = async (path: string, object: KubeObject): Promise<KubeObject> => {
    // JSON is YAML: the apply body needs no YAML serializer.
    const response = ok('PATCH', path, await transport.request('PATCH', path, { ...APPLY, body: JSON.stringify(object) }));
    return JSON.parse(response.body) as KubeObject;
  };
  return {
    async get(ref) {
      const path = objectPath(ref);
      const response = ok('GET', path, await transport.request('GET', path), [404]);
      return response.status === 404 ? undefined : JSON.parse(response.body) as KubeObject;
    },
    apply: (object) => apply(objectPath(refOf(object)), object),
    applyStatus: (object) => apply(`${objectPath(refOf(object))}/status`, object),
    async create(object) {
      const path = collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
      const response = ok('POST', path, await transport.request('POST', path, { contentType: 'application/json', body: JSON.stringify(object), query: { fieldManager: FIELD_MANAGER } }), [409]);
      return response.status !== 409;
    },
    async update(object) {
      const path = objectPath(refOf(object));
      const response = ok('PUT', path, await transport.request('PUT', path, { contentType: 'application/json', body: JSON.stringify(object), query: { fieldManager: FIELD_MANAGER } }), [409]);
      return response.status !== 409;
    },
    async delete(ref) {
      const path = objectPath(ref);
      ok('DELETE', path, await transport.request('DELETE', path, { query: { propagationPolicy: 'Background' } }), [404]);
    },
    async event(event: KubeEvent) {
      const time = now();
      const events = collectionPath('events.k8s.io/v1', 'Event', event.regarding.namespace);
      try {
        const repeat = series.repeat(event, time.getTime());
        if (repeat !== undefined) {
          const patched = await transport.request('PATCH', `${events}/${repeat.name}`, {
            contentType: 'application/merge-patch+json',
            body: JSON.stringify({ series: { count: repeat.count, lastObservedTime: microTime(time) } }),
          });
          if (patched.status < 300) return;
          // The Event expired or was deleted: start over with a new one. Anything else is a failure.
          if (patched.status !== 404) throw new KubeApiError('PATCH', `${events}/${repeat.name}`, patched.status, patched.body);
          series.forget(event);
        }
        const body = {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { generateName: `${event.regarding.name}.`, namespace: event.regarding.namespace },
          eventTime: microTime(time),
          reportingController: `cryptoutil.io/${FIELD_MANAGER}`,
          reportingInstance: FIELD_MANAGER,
          action: 'Reconcile',
          type: event.type,
          reason: event.reason,
          note: event.note,
          regarding: { apiVersion: event.regarding.apiVersion, kind: event.regarding.kind, namespace: event.regarding.namespace, name: event.regarding.name, uid: event.regarding.uid },
        };
        const created = ok('POST', events, await transport.request('POST', events, { contentType: 'application/json', body: JSON.stringify(body) }));
        const name = (JSON.parse(created.body) as { metadata?: { name?: unknown } }).metadata?.name;
        if (typeof name === 'string') series.remember(event, name, time.getTime());
      } catch (error) {
        // Events are best effort: a lost Event must not fail the reconcile that reported it, but it is logged.
        onEventError(error);
      }
    },
  };
}
