/**
 * metav1.MicroTime, the type of an Event's `eventTime` and `series.lastObservedTime` and of a
 * Lease's `acquireTime` and `renewTime`: RFC 3339 in UTC with exactly six fractional digits. The API
 * server decodes it with Go's `2006-01-02T15:04:05.000000Z07:00` layout, which refuses the three
 * digits of `toISOString()` (a 400 whose Event would be lost).
 */

/** `time` as a MicroTime; JavaScript dates hold milliseconds, so the last three digits are zeros. */
export function microTime(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/u, '.$1000Z');
}
