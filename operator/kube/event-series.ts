/**
 * Repeats of one Event become a series on the Event first recorded (events.k8s.io/v1 `series`), the
 * way client-go's recorder aggregates them: a problem retried with backoff shows once in
 * `kubectl describe` with a growing count instead of flooding the namespace with copies.
 */
import type { KubeEvent } from './api.ts';

/** client-go keeps a series open this long after its last occurrence. */
const SERIES_WINDOW_MS = 6 * 60_000;
/** Series remembered at once; the oldest is forgotten first (its next repeat starts a new Event). */
const SERIES_CAPACITY = 1_000;

interface OpenSeries {
  readonly name: string;
  count: number;
  lastSeen: number;
}

/** A repeat to add to the Event named `name`, now seen `count` times. */
export interface SeriesRepeat {
  readonly name: string;
  readonly count: number;
}

function keyOf(event: KubeEvent): string {
  return JSON.stringify([event.regarding.uid, event.type, event.reason, event.note]);
}

export class EventSeries {
  readonly #open = new Map<string, OpenSeries>();
  readonly #windowMs: number;
  readonly #capacity: number;

  constructor(windowMs = SERIES_WINDOW_MS, capacity = SERIES_CAPACITY) {
    this.#windowMs = windowMs;
    this.#capacity = capacity;
  }

  /** The open series this event repeats, with its count already raised; undefined for a new event. */
  repeat(event: KubeEvent, now: number): SeriesRepeat | undefined {
    const key = keyOf(event);
    const open = this.#open.get(key);
    if (open === undefined) return undefined;
    if (now - open.lastSeen > this.#windowMs) {
      this.#open.delete(key);
      return undefined;
    }
    open.count += 1;
    open.lastSeen = now;
    return { name: open.name, count: open.count };
  }

  /** Starts a series for an Event just created under `name`. */
  remember(event: KubeEvent, name: string, now: number): void {
    const key = keyOf(event);
    this.#open.delete(key);
    this.#open.set(key, { name, count: 1, lastSeen: now });
    if (this.#open.size > this.#capacity) {
      const [oldest] = this.#open.keys();
      if (oldest !== undefined) this.#open.delete(oldest);
    }
  }

  /** Drops a series whose Event is gone, so the next repeat creates a new one. */
  forget(event: KubeEvent): void {
    this.#open.delete(keyOf(event));
  }
}
