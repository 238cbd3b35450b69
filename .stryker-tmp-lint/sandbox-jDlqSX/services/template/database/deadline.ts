/**
 * A bound on how long a readiness check may wait: a database that accepts the TCP connection but
 * never answers must turn readyz red, not hang it.
 */
// @ts-nocheck


/** The work did not settle in time; the work itself keeps running and its result is dropped. */
export class DeadlineExceededError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/** Settles as `work` does, or rejects with DeadlineExceededError after `ms` milliseconds. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new DeadlineExceededError(what, ms)); }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
