/**
 * Recognising "the database is not there" as opposed to "this query failed": a refused or dropped
 * connection, a server shutting down or starting up, a pool that found no connection in time. The
 * problem-details step answers those with 503 and Retry-After, because the request may well succeed
 * once the server is back; anything else stays a 500.
 *
 * MikroORM wraps driver errors in a DriverException that copies the driver's `code`; pool and
 * socket errors raised outside a query arrive unwrapped, some without a code. Both are looked at,
 * along the `cause` chain.
 */

/** Socket errors (Node) and SQLSTATEs (PostgreSQL appendix A) that mean the server is unreachable. */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // class 08: connection exception
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  // class 57: admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down)
  '57P01',
  '57P02',
  '57P03',
  // too_many_connections: the server is there but has no room for us right now
  '53300',
]);

/**
 * node-postgres and its pool throw these without a code; the wording is the driver's own and stable
 * across its releases. They are matched at the start of the message only.
 */
const UNAVAILABLE_MESSAGES: readonly string[] = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Knex: Timeout acquiring a connection',
];

/** How far along `cause` to look; a cycle or a deep chain never loops. */
const MAX_CAUSES = 5;

function unavailableItself(error: object): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((prefix) => message.startsWith(prefix));
}

/** True when `error` (or one of its causes) says the database server cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && typeof current === 'object' && current !== null; depth += 1) {
    if (unavailableItself(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
