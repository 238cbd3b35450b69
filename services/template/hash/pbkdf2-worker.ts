/**
 * One thread of the PBKDF2 pool (pbkdf2-pool.ts). It lowers its own scheduling priority first: on
 * Linux the nice value belongs to the thread, so hashing yields the CPU to the event loop of this
 * process and to every other process, and still runs at full speed on a core nobody else wants.
 */
import { pbkdf2Sync } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { Pbkdf2Job, Pbkdf2Reply } from './pbkdf2-pool.ts';

/** The lowest priority of POSIX nice values. */
const LOWEST_PRIORITY = 19;

// Raising one's own nice value needs no privilege; Windows maps it to its lowest priority class.
setPriority(LOWEST_PRIORITY);

parentPort?.on('message', (job: Pbkdf2Job) => {
  let reply: Pbkdf2Reply;
  try {
    reply = { digest: pbkdf2Sync(job.input, job.salt, job.iterations, job.length, job.hash) };
  } catch (error) {
    // node:crypto throws TypeError or RangeError only: the message names the argument, never its value.
    reply = { error: (error as Error).message };
  }
  parentPort?.postMessage(reply);
});
