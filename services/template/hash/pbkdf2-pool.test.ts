import { expect } from 'chai';
import { pbkdf2Sync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Pbkdf2Pool, pooledPbkdf2 } from './pbkdf2-pool.ts';

const SALT = Buffer.alloc(32, 7);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(() => new Error('resolved'), (error: unknown) => error as Error);
  return outcome;
}

describe('PBKDF2 on low-priority worker threads', function () {
  this.timeout(20_000);

  it('derives what node:crypto derives, for every SHA-2 of the versions table, several jobs per worker', async () => {
    const pool = new Pbkdf2Pool(2);
    const jobs = (['sha256', 'sha384', 'sha512'] as const).flatMap((hash) => [1, 2].map((round) => ({ hash, input: Buffer.from(`password-${hash}-${String(round)}`) })));
    const digests = await Promise.all(jobs.map((job) => pool.derive(job.input, SALT, 1_000, job.hash, 32)));
    jobs.forEach((job, index) => {
      expect(digests[index]?.equals(pbkdf2Sync(job.input, SALT, 1_000, 32, job.hash))).to.equal(true);
    });
  });

  it('a job node:crypto refuses is rejected with its message, and the worker takes the next job', async () => {
    const pool = new Pbkdf2Pool(1);
    const error = await rejection(pool.derive(Buffer.from('x'), SALT, 1_000, 'sha-none' as 'sha256', 32));
    expect(error.message).to.match(/digest/i);
    expect((await pool.derive(Buffer.from('x'), SALT, 1, 'sha256', 32)).length).to.equal(32);
  });

  /** A worker that answers, 30 ms later, with its thread id as the digest, or refuses a job of 0 iterations. */
  const IDENTIFYING_WORKER = new URL(`data:text/javascript,${encodeURIComponent([
    "import { parentPort, threadId } from 'node:worker_threads';",
    "parentPort.on('message', (job) => setTimeout(() => parentPort.postMessage(job.iterations === 0 ? { error: 'refused' } : { digest: new TextEncoder().encode(String(threadId)) }), 30));",
  ].join('\n'))}`);

  /** The distinct workers that answered `count` jobs sent at once. */
  async function workersFor(pool: Pbkdf2Pool, count: number): Promise<Set<string>> {
    const digests = await Promise.all(Array.from({ length: count }, () => pool.derive(Buffer.from('x'), SALT, 1, 'sha256', 32)));
    return new Set(digests.map((digest) => digest.toString('utf8')));
  }

  it('never runs more workers than its size; grows when asked and never shrinks', async () => {
    const pool = new Pbkdf2Pool(2, IDENTIFYING_WORKER);
    const first = await workersFor(pool, 8);
    expect(first.size).to.equal(2);
    pool.growTo(3);
    const grown = await workersFor(pool, 9);
    expect(new Set([...first, ...grown]).size).to.equal(3);
    pool.growTo(1);
    expect((await workersFor(pool, 9)).size).to.equal(3);
  });

  it('a refused job leaves its worker in the pool: the next job runs on the same thread', async () => {
    const pool = new Pbkdf2Pool(1, IDENTIFYING_WORKER);
    const [before] = await workersFor(pool, 1);
    expect((await rejection(pool.derive(Buffer.from('x'), SALT, 0, 'sha256', 32))).message).to.equal('refused');
    const [after] = await workersFor(pool, 1);
    expect(after).to.equal(before);
  });

  it('a worker that dies rejects its job; the next job gets a new worker', async () => {
    const pool = new Pbkdf2Pool(1, new URL('data:text/javascript,throw new Error("worker failed to start")'));
    for (const attempt of [1, 2]) {
      const error = await rejection(pool.derive(Buffer.from('x'), SALT, 1, 'sha256', 32));
      expect(error.message, `attempt ${String(attempt)}`).to.equal('worker failed to start');
    }
  });

  it('runs its hashes at the lowest priority on a thread of its own; the event loop keeps its own', async () => {
    const { getPriority } = await import('node:os');
    const derive = pooledPbkdf2(2);
    expect((await derive(Buffer.from('x'), SALT, 1, 'sha256', 32)).length).to.equal(32);
    // The nice value is per thread on Linux: this thread's is untouched, a worker's is 19.
    expect(getPriority()).to.equal(0);
    if (existsSync('/proc/self/task')) {
      const niceValues = readdirSync('/proc/self/task').map((task) => {
        const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        // proc(5): field 19 is nice; the split leaves it at index 16.
        return Number(fields[16]);
      });
      expect(niceValues).to.include(19);
    }
  });
});
