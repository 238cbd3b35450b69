/**
 * Fuzzing from the contract (issue 20, point 1): each service runs as it does in production (real
 * TLS, a real issuer, SQLite, unsealed where it has a barrier), and every operation of the
 * document it serves at /openapi.json gets valid and hostile requests with good, bad and missing
 * tokens (contract-fuzz.ts). Holds: no 5xx (503, declared on every operation, only as problem+json
 * for something unavailable: identity-idp refuses account changes it cannot tell an identity-authz
 * about, and none runs here), no hang, every status declared, problem+json for every error, every
 * JSON body valid against its schema. The requests per service, by status, are printed.
 * FUZZ_RUNS sets the requests per operation (default 150).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { learnPs } from '../../services/learn-ps/index.ts';
import { smKms } from '../../services/sm-kms/index.ts';
import { joseJa } from '../../services/jose-ja/index.ts';
import { pkiCa } from '../../services/pki-ca/index.ts';
import { services } from '../../services/registry.ts';
import { newUnsealKey } from '../../services/template/barrier/index.ts';
import { startTestService, type ServiceHarness } from '../../services/template/testing/service-harness.ts';
import type { ServiceDefinition } from '../../services/template/service.ts';
import { checkAnswer, idsIn, operationsOf, requestsFor, withKnownIds, type FuzzAnswer, type FuzzRequest } from './contract-fuzz.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? '150');
/** No answer may take longer: a hang is a failure. */
const ANSWER_TIMEOUT_MS = 10_000;

const SERVICES: readonly { readonly definition: ServiceDefinition; readonly barrier: boolean }[] = [
  { definition: learnPs, barrier: false },
  { definition: smKms, barrier: true },
  { definition: joseJa, barrier: true },
  { definition: pkiCa, barrier: true },
  ...['identity-idp', 'identity-rs', 'identity-authz'].flatMap((name) => services.filter((service) => service.name === name).map((definition) => ({ definition, barrier: definition.barrier === true }))),
];

const tried: { service: string; requests: number; operations: number; statuses: Map<number, number> }[] = [];

function send(ca: string, base: string, request: FuzzRequest, token: string): Promise<FuzzAnswer> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json, */*' };
  if (request.token === 'valid') headers.authorization = `Bearer ${token}`;
  if (request.token === 'invalid') headers.authorization = 'Bearer not.a.token';
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const url = `${base}${request.path}${request.query === '' ? '' : `?${request.query}`}`;
  return new Promise((resolve, reject) => {
    const outgoing = https.request(url, { method: request.method, ca, headers, timeout: ANSWER_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => { resolve({ status: Number(response.statusCode), contentType: response.headers['content-type'] ?? '', text }); });
    });
    outgoing.on('timeout', () => { outgoing.destroy(new Error(`no answer in ${String(ANSWER_TIMEOUT_MS)} ms`)); });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A server may stop reading an oversized body and answer 413 at once; the socket then resets.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: 0, contentType: '', text: error.code });
      else reject(error);
    });
    outgoing.end(request.body);
  });
}

describe('fuzzing every operation from its OpenAPI document', function () {
  this.timeout(600_000);

  after(() => {
    console.log('\n  contract fuzzing: requests per service');
    for (const row of tried) {
      const statuses = [...row.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status === 0 ? 'reset' : String(status)}×${String(count)}`).join(' ');
      console.log(`    ${row.service.padEnd(10)} ${String(row.requests).padStart(6)} requests over ${String(row.operations)} operations: ${statuses}`);
    }
  });

  for (const { definition, barrier } of SERVICES) {
    it(`${definition.name}: no 5xx, nothing undeclared, problem+json errors, valid JSON bodies`, async () => {
      const unseal = barrier ? await newUnsealKey(3, 2) : undefined;
      const pepper = join(await mkdtemp(join(tmpdir(), 'cryptoutil-fuzz-')), 'pepper');
      await writeFile(pepper, randomBytes(32).toString('base64url'), { mode: 0o600 });
      const harness: ServiceHarness = await startTestService({
        hash: { pepper: `file://${pepper}` },
        ...(unseal === undefined ? {} : { barrier: { shares: unseal.shares.slice(0, 2), threshold: 2, keyCheck: unseal.keyCheck } }),
      }, undefined, definition);
      try {
        const ca = harness.service.ca;
        const document = (await harness.call('GET', `${harness.service.publicUrl}/openapi.json`)).json as Record<string, unknown>;
        const schemes = (document.components as { securitySchemes?: Record<string, { flows?: Record<string, { scopes?: Record<string, string> }> }> }).securitySchemes ?? {};
        const scopes = [...new Set(Object.values(schemes).flatMap((scheme) => Object.values(scheme.flows ?? {}).flatMap((flow) => Object.keys(flow.scopes ?? {}))))];
        const token = await harness.serviceToken(scopes);
        const base = `${harness.service.publicUrl}/service/api/v1`;
        const validators = new Map<unknown, (value: unknown) => boolean>();
        const failures: string[] = [];
        let requests = 0;
        const statuses = new Map<number, number>();
        const known: string[] = [];
        const operations = operationsOf(document);
        for (const [index, operation] of operations.entries()) {
          for (const drawn of requestsFor(document, operation, RUNS, 20261204 + index)) {
            const request = withKnownIds(drawn, known, (count) => (requests * 7919) % count);
            const answer = await send(ca, base, request, token);
            if (answer.status >= 200 && answer.status < 300) known.push(...idsIn(answer.text).filter((id) => !known.includes(id)));
            requests += 1;
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status === 0) continue;
            for (const problem of checkAnswer(document, operation, answer, validators)) {
              failures.push(`${operation.id} ${request.method} ${request.path}${request.query === '' ? '' : `?${request.query}`} [${request.token} token${request.contentType === undefined ? '' : `, ${request.contentType}`}]: ${problem}`);
            }
          }
        }
        tried.push({ service: definition.name, requests, operations: operations.length, statuses });
        // The service is still whole: it answers its probes after all that.
        expect((await harness.call('GET', `${harness.service.adminUrl}/admin/v1/livez`)).status).to.equal(200);
        expect([...new Set(failures)].slice(0, 40), `${String(failures.length)} findings`).to.deep.equal([]);
      } finally {
        await harness.close();
      }
    });
  }
});
