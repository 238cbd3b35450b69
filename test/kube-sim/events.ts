/**
 * core/v1 Events and events.k8s.io/v1 Events are one resource in two shapes, as in the API server:
 * both are stored as core/v1 Events, so an Event the operator writes through events.k8s.io is what
 * `kubectl describe` lists through core/v1 (`involvedObject.*` field selectors), and the other way
 * round. The field names follow the API server's conversion (pkg/apis/events/v1).
 */
import { clone, errors, isObject, type Json, type KObject } from './objects.ts';

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

/** metav1.MicroTime as Go's `2006-01-02T15:04:05.000000Z07:00` layout parses it: exactly six fractional digits. */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(?:Z|[+-]\d\d:\d\d)$/u;

/**
 * Refuses a stored (core/v1) Event whose MicroTime fields the API server could not decode: `eventTime`
 * and `series.lastObservedTime`. A client writing `toISOString()` there gets the 400 it would get.
 */
export function checkEventTimes(event: KObject): void {
  const body = event as unknown as Record<string, Json>;
  const series = body.series;
  const times: [string, Json | undefined][] = [['eventTime', body.eventTime], ['series.lastObservedTime', isObject(series) ? series.lastObservedTime : undefined]];
  for (const [field, value] of times) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !MICRO_TIME.test(value)) {
      throw errors.badRequest(`Event in version "v1" cannot be handled as a Event: ${field}: parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": a MicroTime needs exactly six fractional digits`);
    }
  }
}
