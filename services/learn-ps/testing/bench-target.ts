/**
 * The `learn-ps-read` benchmark target (DESIGN "Contract for checks"): learn-ps with its production
 * pipeline (info access log to the null device, a real issuer, SQLite), one seeded pet, and a
 * `GET /pets/{id}` with a valid `pets:read` token for autocannon to repeat.
 */
import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../template/config/index.ts';
import { resourceOf, startService } from '../../template/runtime.ts';
import { createLogger } from '../../template/telemetry/logger.ts';
import { createTestIssuer } from '../../template/testing/issuer.ts';
import { learnPs } from '../index.ts';

/** What test/bench/targets.ts expects a target to resolve to. */
export interface LearnPsReadTarget {
  readonly request: { readonly url: string; readonly method: 'GET'; readonly headers: Readonly<Record<string, string>> };
  stop(): Promise<void>;
}

function post(url: string, token: string, ca: string, body: unknown): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => {
        if (response.statusCode === 201) resolve(JSON.parse(text) as { id: string });
        else reject(new Error(`seeding failed: ${String(response.statusCode)} ${text}`));
      });
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** Starts learn-ps and seeds one pet. */
export async function learnPsRead(): Promise<LearnPsReadTarget> {
  const issuer = await createTestIssuer({ tokenLifetimeSeconds: 3600 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-bench-learn-ps-'));
  const caFile = join(dataDir, 'issuer-ca.pem');
  await writeFile(caFile, issuer.ca);
  const config = loadConfig({
    serviceName: learnPs.name,
    publicPort: 0,
    files: [],
    env: {},
    overrides: {
      public: { port: 0 },
      admin: { port: 0 },
      dataDir,
      database: { url: `sqlite:${join(dataDir, 'learn-ps.sqlite')}` },
      auth: { issuer: issuer.url },
      tls: { caFile },
      // Measured, not throttled: the limiter runs but one load generator must not trip it.
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    },
  });
  const logger = createLogger({ level: 'info', service: learnPs.name, destination: pino.destination(devNull) });
  const service = await startService(learnPs, config, { logger });
  const audience = resourceOf(learnPs.name);
  const writer = await issuer.serviceToken({ clientId: 'bench', audience, scopes: ['pets:write'] });
  const pet = await post(`${service.publicUrl}/service/api/v1/pets`, writer, service.ca, { name: 'bench', species: 'dog', priceCents: 12_500, stock: 7 });
  const reader = await issuer.serviceToken({ clientId: 'bench', audience, scopes: ['pets:read'] });
  return {
    request: { url: `${service.publicUrl}/service/api/v1/pets/${pet.id}`, method: 'GET', headers: { authorization: `Bearer ${reader}` } },
    stop: async () => {
      await service.stop('bench done');
      await issuer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
