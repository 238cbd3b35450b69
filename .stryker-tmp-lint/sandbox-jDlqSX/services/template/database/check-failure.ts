/**
 * The readiness detail for a failed database check. It names what failed without quoting the
 * driver's message, which can echo SQL or values: connection errors carry a `code` (ECONNREFUSED,
 * 57P03, ...), a timeout says so, anything else is named by its class.
 */
// @ts-nocheck

import { DeadlineExceededError } from './deadline.ts';

/** One short, secret-free line for `readyz`/`healthz`. */
export function describeCheckFailure(error: unknown): string {
  if (error instanceof DeadlineExceededError) {
    return error.message;
  }
  const { code, name } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string') {
    return `database unreachable (${code})`;
  }
  return typeof name === 'string' ? `database check failed (${name})` : 'database check failed';
}
