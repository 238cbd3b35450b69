/**
 * Serializes work on one TLS directory inside this process, so that services started together (as
 * `cryptoutil up` may) never create the shared CA twice or read a half-written key. Separate
 * processes sharing one data directory are not coordinated: run one `cryptoutil up` per directory.
 */
// @ts-nocheck


const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task queued under `key` has settled (fulfilled or not). */
export async function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  queues.set(key, run);
  try {
    return await run;
  } finally {
    if (queues.get(key) === run) {
      queues.delete(key);
    }
  }
}
