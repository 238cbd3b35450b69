/**
 * PBKDF2 on worker threads of the lowest priority (docs/decisions/0005-hash-concurrency.md). libuv's
 * pool keeps hashing off the event loop, but its threads run at the priority of the event loop: on
 * a busy machine a login's 85 ms of hashing takes the CPU from request handling, here and in every
 * process beside it. Workers of their own can lower their priority without touching the file,
 * DNS and other crypto jobs libuv's pool also runs. The hash gate bounds the jobs; the pool runs
 * each on an idle worker, starting one when none is idle and the pool is below its size.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Sha2 } from './versions.ts';

/** What a worker is asked. */
export interface Pbkdf2Job {
  readonly input: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly hash: Sha2;
  readonly length: number;
}

/** What a worker answers: the digest, or why node:crypto refused the job. */
export type Pbkdf2Reply = { readonly digest: Uint8Array } | { readonly error: string };

interface Pending {
  readonly job: Pbkdf2Job;
  resolve(digest: Buffer): void;
  reject(error: Error): void;
}

// The worker has this module's extension: .ts from the sources, .js in the built image (dist/).
const WORKER_SCRIPT = new URL(`./pbkdf2-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

export class Pbkdf2Pool {
  #size: number;
  readonly #idle: Worker[] = [];
  readonly #queue: Pending[] = [];
  #started = 0;
  readonly #script: URL;

  /** `script` is the worker's code; tests give one that fails to show what a dead worker does. */
  constructor(size: number, script: URL = WORKER_SCRIPT) {
    this.#size = size;
    this.#script = script;
  }

  /** Widens the pool (never narrows it): a second service in the process may run a wider gate. */
  growTo(size: number): void {
    this.#size = Math.max(this.#size, size);
  }

  derive(input: Buffer, salt: Buffer, iterations: number, hash: Sha2, length: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { input, salt, iterations, hash, length }, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (let pending = this.#queue[0]; pending !== undefined; pending = this.#queue[0]) {
      const worker = this.#idle.pop() ?? this.#start();
      if (worker === undefined) return;
      this.#queue.shift();
      this.#run(worker, pending);
    }
  }

  #start(): Worker | undefined {
    if (this.#started >= this.#size) return undefined;
    this.#started += 1;
    const worker = new Worker(this.#script);
    // An idle pool never keeps a process alive; a job in flight is awaited by its caller anyway.
    worker.unref();
    return worker;
  }

  #run(worker: Worker, pending: Pending): void {
    const settle = (outcome: () => void, healthy: boolean): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (healthy) this.#idle.push(worker);
      else this.#started -= 1;
      outcome();
      this.#dispatch();
    };
    const onMessage = (reply: Pbkdf2Reply): void => {
      if ('digest' in reply) settle(() => { pending.resolve(Buffer.from(reply.digest)); }, true);
      else settle(() => { pending.reject(new Error(reply.error)); }, true);
    };
    // A worker that dies takes its job with it; the next job starts a new one.
    const onError = (error: Error): void => {
      settle(() => { pending.reject(error); }, false);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage(pending.job);
  }
}

/** One pool per process, shared by every hash service in it, as wide as the widest gate. */
const shared = new Pbkdf2Pool(1);

/** PBKDF2 on the shared low-priority pool, grown to `size` workers; the hash gate never asks for more. */
export function pooledPbkdf2(size: number): (input: Buffer, salt: Buffer, iterations: number, hash: Sha2, length: number) => Promise<Buffer> {
  shared.growTo(size);
  return (input, salt, iterations, hash, length) => shared.derive(input, salt, iterations, hash, length);
}
