/**
 * The Redis server the tests that share rate-limit counters use: CRYPTOUTIL_TEST_REDIS_URL, as
 * CRYPTOUTIL_TEST_POSTGRES_URL names the PostgreSQL server (default redis://127.0.0.1:6379); and a
 * private `redis-server` for the tests that stop and restart one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.CRYPTOUTIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING on `port`, tried over one fresh connection that never retries. */
async function answers(port: number): Promise<boolean> {
  const probe = new Redis(`redis://127.0.0.1:${String(port)}`, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  probe.on('error', () => undefined);
  try {
    return (await probe.connect().then(() => probe.ping(), () => undefined)) === 'PONG';
  } finally {
    probe.disconnect();
  }
}

/**
 * Starts `redis-server` on a loopback port with nothing persisted (a restart comes back empty) and
 * resolves once it answers PING; throws after 15 s. The caller kills it.
 */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!await answers(port)) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`redis-server on port ${String(port)} did not answer`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}
