/**
 * The user's side of kube-sim in operator tests: requests with its admin token, as kubectl would
 * send them, and a poll that waits for what the operator is expected to do.
 */
import { request } from 'node:https';
import type { KubeSim } from '../../test/kube-sim/server.ts';

export type Json = Record<string, unknown>;

/** One request to kube-sim as its admin; answers the status and the JSON body (`{}` when empty). */
export async function asAdmin(sim: KubeSim, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sim.url);
    const outgoing = request({ hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, ca: sim.ca, headers: { authorization: `Bearer ${sim.adminToken}`, 'content-type': contentType, accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => { resolve({ status: Number(response.statusCode), body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json }); });
    });
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** What `probe` answers once it answers something, polled every 25 ms; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
