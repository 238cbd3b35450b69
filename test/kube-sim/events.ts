/**
 * core/v1 Events and events.k8s.io/v1 Events are one resource in two shapes, as in the API server:
 * both are stored as core/v1 Events, so an Event the operator writes through events.k8s.io is what
 * `kubectl describe` lists through core/v1 (`involvedObject.*` field selectors), and the other way
 * round. The field names follow the API server's conversion (pkg/apis/events/v1).
 */
import { clone, isObject, type Json, type KObject } from './objects.ts';

/** events.k8s.io/v1 field → core/v1 field; every other field has the same name in both. */
const RENAMED: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(object: KObject, apiVersion: string, pairs: readonly (readonly [string, string])[]): KObject {
  const out = clone(object) as unknown as Record<string, Json>;
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from] as Json;
      Reflect.deleteProperty(out, from);
    }
  }
  out.apiVersion = apiVersion;
  out.kind = 'Event';
  return out as unknown as KObject;
}

/** An events.k8s.io/v1 Event as the core/v1 Event it is stored as. */
export function toCoreEvent(event: KObject): KObject {
  return rename(event, 'v1', RENAMED);
}

/** A stored core/v1 Event as events.k8s.io/v1 shows it. */
export function toEventsEvent(event: KObject): KObject {
  return rename(event, 'events.k8s.io/v1', RENAMED.map(([events, core]) => [core, events] as const));
}

/** The reference an Event is about, in either shape. */
function reference(event: KObject, field: 'involvedObject' | 'regarding', key: string): string {
  const target = (event as unknown as Record<string, Json>)[field];
  const value = isObject(target) ? target[key] : undefined;
  return typeof value === 'string' ? value : '';
}

function text(event: KObject, field: string): string {
  const value = (event as unknown as Record<string, Json>)[field];
  if (isObject(value)) return typeof value.component === 'string' ? value.component : '';
  return typeof value === 'string' ? value : '';
}

const REFERENCE_KEYS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

/** The field selectors the API server supports on core/v1 Events (what `kubectl describe` sends). */
export const CORE_EVENT_FIELDS: Readonly<Record<string, (object: KObject) => string>> = {
  ...Object.fromEntries(REFERENCE_KEYS.map((key) => [`involvedObject.${key}`, (event: KObject) => reference(event, 'involvedObject', key)])),
  reason: (event) => text(event, 'reason'),
  reportingComponent: (event) => text(event, 'reportingComponent'),
  source: (event) => text(event, 'source'),
  type: (event) => text(event, 'type'),
};

/** The field selectors of events.k8s.io/v1 Events. */
export const EVENTS_EVENT_FIELDS: Readonly<Record<string, (object: KObject) => string>> = {
  ...Object.fromEntries(REFERENCE_KEYS.map((key) => [`regarding.${key}`, (event: KObject) => reference(event, 'regarding', key)])),
  reason: (event) => text(event, 'reason'),
  reportingController: (event) => text(event, 'reportingController'),
  type: (event) => text(event, 'type'),
};
