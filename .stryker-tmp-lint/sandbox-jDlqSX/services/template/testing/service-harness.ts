/**
 * Starts a service definition (by default the notes test service) the way production does: real
 * TLS, a real issuer over HTTPS, a SQLite file; and hands tests what they need to call it.
 */
// @ts-nocheck

import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createTestIssuer, type TestIssuer } from './issuer.ts';
import { notesService } from './notes-service/index.ts';
import { loadConfig } from '../config/index.ts';
import { schemaOptionsOf } from '../cli/service-config.ts';
import { startService, resourceOf, type RunningService } from '../runtime.ts';
import type { TemplateConfig } from '../config/schema.ts';
import type { ServiceDefinition } from '../service.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  readonly json: unknown;
}

export interface ServiceHarness {
  readonly issuer: TestIssuer;
  readonly service: RunningService;
  readonly config: TemplateConfig;
  readonly dataDir: string;
  /** A client-credentials token for the service with these scopes. */
  serviceToken(scopes: readonly string[]): Promise<string>;
  userToken(scopes: readonly string[]): Promise<string>;
  call(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** One HTTPS request trusting the given CA; bodies are JSON unless a string is given. */
export function httpsCall(
  ca: string,
  method: string,
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => {
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Starts issuer and service; `overrides` are applied as `cryptoutil up` applies its own. */
export async function startTestService(
  overrides: Readonly<Record<string, unknown>> | ((issuer: TestIssuer, dataDir: string) => Readonly<Record<string, unknown>>) = {},
  logger?: Logger,
  definition: ServiceDefinition = notesService,
): Promise<ServiceHarness> {
  // An hour: long enough for a benchmark run on one token.
  const issuer = await createTestIssuer({ tokenLifetimeSeconds: 3600 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-service-'));
  const caFile = join(dataDir, 'issuer-ca.pem');
  await writeFile(caFile, issuer.ca);
  const config = loadConfig({
    // The definition's own keys too (identity-authz's `authz.*`, identity-idp's `idp.*`).
    ...schemaOptionsOf(definition),
    files: [],
    env: {},
    overrides: mergeDeep({
      public: { port: 0 },
      admin: { port: 0 },
      dataDir,
      database: { url: `sqlite:${join(dataDir, `${definition.name}.sqlite`)}` },
      auth: { issuer: issuer.url },
      tls: { caFile },
      log: { level: 'silent' },
    }, typeof overrides === 'function' ? overrides(issuer, dataDir) : overrides),
  });
  const service = await startService(definition, config, logger === undefined ? {} : { logger });
  const audience = resourceOf(definition.name);
  return {
    issuer,
    service,
    config,
    dataDir,
    serviceToken: (scopes) => issuer.serviceToken({ clientId: 'tester', audience, scopes }),
    userToken: (scopes) => issuer.userToken({ subject: 'alice', clientId: 'console', audience, scopes }),
    call: (method, url, options) => httpsCall(service.ca, method, url, options),
    close: async () => {
      await service.stop('test done');
      await issuer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergeDeep(base: Record<string, unknown>, extra: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value;
  }
  return merged;
}
