/**
 * Benchmark targets, one row per scenario: each starts a server in the current process and says
 * which request autocannon should repeat. `baseline` is the bare Koa HTTPS app every scenario is
 * compared with; service scenarios run the real service with its production pipeline.
 */
import Koa from 'koa';
import type { RequestListener } from 'node:http';
import { devNull } from 'node:os';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { pino } from 'pino';
import { testTlsMaterial } from '../../services/template/testing/tls.ts';
import { httpsCall, startTestService } from '../../services/template/testing/service-harness.ts';
import { notesHandlers, notesService } from '../../services/template/testing/notes-service/index.ts';
import { learnPs } from '../../services/learn-ps/index.ts';
import { smKms } from '../../services/sm-kms/index.ts';
import { pkiCa } from '../../services/pki-ca/index.ts';
import { joseJa } from '../../services/jose-ja/index.ts';
import { generateCsrKeys, makeCsr } from '../../services/pki-ca/testing/test-csr.ts';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz } from '../../services/identity-authz/testing/harness.ts';
import { startRp } from '../../services/identity-rp/testing/harness.ts';
import { serverOptions } from '../../services/template/tls/index.ts';
import { listenHttps } from '../../services/template/server/https-listener.ts';
import type { ServiceDefinition } from '../../services/template/service.ts';
import { createLogger } from '../../services/template/telemetry/logger.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';

export interface BenchRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface StartedTarget {
  readonly request: BenchRequest;
  stop(): Promise<void>;
}

type Target = () => Promise<StartedTarget>;

async function baseline(): Promise<StartedTarget> {
  const material = await testTlsMaterial();
  const app = new Koa();
  app.use((ctx) => { ctx.body = { ok: true }; });
  const listener = await listenHttps(app.callback(), serverOptions(material), '127.0.0.1', 0);
  return { request: { url: `${listener.url}/`, method: 'GET', headers: {} }, stop: () => listener.close(1000) };
}

const SEEDED_NOTE = { title: 'bench', body: 'x'.repeat(256) };

/**
 * The notes service with `getNote` answered from memory: the same pipeline, token, route and
 * response shape as `template-read`, without the database read, so the two runs tell the template's
 * own cost from the ORM's.
 */
const pipelineOnlyNotes: ServiceDefinition = {
  ...notesService,
  setup: () => ({
    operations: {
      ...notesHandlers,
      getNote(ctx) {
        ctx.body = { id: ctx.state.params.id, ...SEEDED_NOTE, createdAt: new Date(0).toISOString() };
      },
    },
  }),
};

/** Response headers of a template-read answer besides Content-Type/Length, Date and Connection, as sent. */
const TEMPLATE_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'X-Request-Id': '01a21976-31c6-755b-afee-a6965ab4b91a',
  'X-RateLimit-Remaining': '1999998',
  'X-RateLimit-Reset': '1795723508.06346',
  'X-RateLimit-Limit': '2000000',
  'Content-Security-Policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

/**
 * Bare Koa sending exactly the response a template-read request gets (same headers, same body
 * size): what HTTP and TLS cost for that answer before any middleware runs.
 */
async function baselineShaped(): Promise<StartedTarget> {
  const material = await testTlsMaterial();
  const app = new Koa();
  const body = { id: '01a21976-31c6-755b-afee-a6965ab4b91a', ...SEEDED_NOTE, createdAt: new Date(0).toISOString() };
  app.use((ctx) => {
    ctx.set(TEMPLATE_RESPONSE_HEADERS);
    ctx.body = body;
  });
  const listener = await listenHttps(app.callback(), serverOptions(material), '127.0.0.1', 0);
  return { request: { url: `${listener.url}/`, method: 'GET', headers: {} }, stop: () => listener.close(1000) };
}

/** Where a service keeps its data: the harness's SQLite file, or a scratch PostgreSQL database. */
type Engine = 'sqlite' | 'postgresql';

/** A fresh PostgreSQL database for the run (services/template/testing/databases.ts), none for SQLite. */
async function scratchDatabase(engine: Engine): Promise<Scratch | undefined> {
  return engine === 'postgresql' ? await createPostgresDatabase() : undefined;
}

function databaseOverride(scratch: Scratch | undefined): { database?: { url: string } } {
  return scratch === undefined ? {} : { database: { url: scratch.url } };
}

/** Stops the service first, so no connection holds the scratch database when it is dropped. */
async function closeThenDrop(harness: { close(): Promise<void> }, scratch: Scratch | undefined): Promise<void> {
  try {
    await harness.close();
  } finally {
    await scratch?.drop();
  }
}

interface ReadScenario {
  readonly definition: ServiceDefinition;
  /** Collection path (under /service/api/v1) the one record is created at, and its body. */
  readonly seed: { readonly path: string; readonly body: unknown; readonly scope: string };
  /** The read autocannon repeats, for the created record's id. */
  readonly read: { readonly path: (id: string) => string; readonly scope: string };
}

/**
 * A service with its production pipeline (a real issuer over HTTPS, SQLite, `info` access log),
 * one seeded record, and a GET of that record with a token carrying only the read scope.
 */
async function serviceRead(scenario: ReadScenario, engine: Engine = 'sqlite'): Promise<StartedTarget> {
  const { definition } = scenario;
  const scratch = await scratchDatabase(engine);
  // Production logs every request at `info`; the lines go to the null device, not to the runner's pipe,
  // so the access log's serialization and write are measured while stdout carries only the request.
  const logger = createLogger({ level: 'info', service: definition.name, destination: pino.destination(devNull) });
  // Measured, not throttled: the limiter runs but one load generator must not trip it.
  const harness = await startTestService({ rateLimit: { perSecond: 1_000_000, burst: 1_000_000 }, ...databaseOverride(scratch) }, logger, definition);
  const api = `${harness.service.publicUrl}/service/api/v1`;
  const created = await harness.call('POST', `${api}${scenario.seed.path}`, { token: await harness.serviceToken([scenario.seed.scope]), body: scenario.seed.body });
  if (created.status !== 201) throw new Error(`seeding failed: ${String(created.status)} ${created.text}`);
  const reader = await harness.serviceToken([scenario.read.scope]);
  return {
    request: { url: `${api}${scenario.read.path((created.json as { id: string }).id)}`, method: 'GET', headers: { authorization: `Bearer ${reader}` } },
    stop: () => closeThenDrop(harness, scratch),
  };
}

/** One sm-kms operation repeated on one elastic key: the request body is made once, before the run. */
interface KmsScenario {
  readonly algorithm: string;
  readonly operation: 'encrypt' | 'decrypt' | 'sign';
}

/** 1 KiB of plaintext, as the kms-encrypt contract says. */
const KIB = 'k'.repeat(1024);

/**
 * sm-kms unsealed, one elastic key, and a token with exactly the scope the operation needs. Decrypt
 * repeats the decryption of one JWE made by an encrypt call before the run.
 */
async function kms(scenario: KmsScenario, engine: Engine = 'sqlite'): Promise<StartedTarget> {
  const scratch = await scratchDatabase(engine);
  const logger = createLogger({ level: 'info', service: smKms.name, destination: pino.destination(devNull) });
  const shares = await newUnsealShares(5, 3);
  const harness = await startTestService({
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    barrier: { shares: shares.slice(0, 3), threshold: 3 },
    ...databaseOverride(scratch),
  }, logger, smKms);
  const api = `${harness.service.publicUrl}/service/api/v1`;
  const admin = await harness.serviceToken(['kms:admin', 'kms:encrypt']);
  const created = await harness.call('POST', `${api}/elastickeys`, { token: admin, body: { name: 'bench', algorithm: scenario.algorithm } });
  if (created.status !== 201) throw new Error(`creating the elastic key failed: ${String(created.status)} ${created.text}`);
  const keyUrl = `${api}/elastickeys/${(created.json as { id: string }).id}`;
  let body = KIB;
  let contentType = 'application/octet-stream';
  if (scenario.operation === 'decrypt') {
    const encrypted = await harness.call('POST', `${keyUrl}/encrypt`, { token: admin, body: KIB, headers: { 'content-type': contentType } });
    if (encrypted.status !== 200) throw new Error(`encrypting the sample failed: ${String(encrypted.status)} ${encrypted.text}`);
    body = encrypted.text;
    contentType = 'application/jose';
  }
  const token = await harness.serviceToken([`kms:${scenario.operation}`]);
  return {
    request: {
      url: `${keyUrl}/${scenario.operation}`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    },
    stop: () => closeThenDrop(harness, scratch),
  };
}

/**
 * identity-authz unsealed with its production pipeline, and a client-credentials grant for
 * learn-ps authenticated with client_secret_basic: client look-up, secret hash check, an ES256
 * RFC 9068 JWT signed per request.
 */
async function authzToken(): Promise<StartedTarget> {
  const logger = createLogger({ level: 'info', service: 'identity-authz', destination: pino.destination(devNull) });
  const authz = await startAuthz({ logger, extra: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } });
  const basic = Buffer.from(`${ADMIN_CLIENT_ID}:${authz.adminSecret}`).toString('base64');
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }).toString();
  const check = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: authz.adminSecret });
  if (check.status !== 200) throw new Error(`the token request failed: ${String(check.status)} ${check.text}`);
  return {
    request: {
      url: `${authz.issuer}/token`,
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    },
    stop: () => authz.close(),
  };
}

/**
 * An API call through the backend-for-frontend: a signed-in browser's `GET /bff/api/learn-ps/pets/{id}`.
 * identity-rp finds the session by its cookie, opens the access token kept under the barrier and
 * forwards the call over HTTPS to learn-ps, which checks the token and reads the pet: two services'
 * pipelines, one TLS hop between them, and identity-authz (in the same process) idle.
 */
async function rpBff(): Promise<StartedTarget> {
  const logger = createLogger({ level: 'info', service: 'identity-rp', destination: pino.destination(devNull) });
  const harness = await startRp({ logger, extra: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } });
  const browser = harness.browser();
  const signedIn = await browser.signIn('bench-user', 'openid pets:read pets:write');
  if (signedIn.status !== 303) throw new Error(`the sign-in failed: ${String(signedIn.status)} ${signedIn.text}`);
  const created = await browser.send('POST', '/bff/api/learn-ps/pets', { name: 'bench', species: 'dog', priceCents: 12_500, stock: 7 });
  if (created.status !== 201) throw new Error(`seeding failed: ${String(created.status)} ${created.text}`);
  const path = `/bff/api/learn-ps/pets/${(created.json as { id: string }).id}`;
  const check = await browser.call('GET', path);
  if (check.status !== 200) throw new Error(`the read failed: ${String(check.status)} ${check.text}`);
  return {
    request: { url: `${harness.url}${path}`, method: 'GET', headers: { cookie: browser.jar.header() } },
    stop: () => harness.close(),
  };
}

/** The resource and client of `oidc-provider-bare`, shaped as authz-token's grant. */
const BARE_RESOURCE = 'urn:cryptoutil:learn-ps';
const BARE_CLIENT = { id: 'bench-client', secret: 'bench-client-secret-0123456789abcdef' };

/**
 * oidc-provider alone, as the reference for `authz-token`: its own Koa app over HTTPS with the
 * library's in-memory adapter, one static client, and the same request (client_credentials,
 * client_secret_basic, `resource`, an ES256 RFC 9068 JWT per request). No template pipeline, no
 * database, no hashed secret: authz-token's ratio over this one is what our service adds.
 */
async function oidcProviderBare(): Promise<StartedTarget> {
  const material = await testTlsMaterial();
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...await exportJWK(privateKey), alg: 'ES256', use: 'sig', kid: 'bench' };
  // The issuer names the bound port, so the provider is built once the listener is up.
  let handler: RequestListener = (_request, response) => { response.writeHead(503).end(); };
  const listener = await listenHttps((request, response) => { handler(request, response); }, serverOptions(material), '127.0.0.1', 0);
  const provider = new Provider(listener.url, {
    jwks: { keys: [signingKey] },
    clients: [{
      client_id: BARE_CLIENT.id,
      client_secret: BARE_CLIENT.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: 'pets:read',
    }],
    scopes: ['pets:read'],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        defaultResource: () => BARE_RESOURCE,
        getResourceServerInfo: () => ({ scope: 'pets:read', audience: BARE_RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  });
  const callback = provider.callback();
  handler = (request, response) => { void callback(request, response); };
  const basic = Buffer.from(`${BARE_CLIENT.id}:${BARE_CLIENT.secret}`).toString('base64');
  const request: BenchRequest = {
    url: `${listener.url}/token`,
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: BARE_RESOURCE }).toString(),
  };
  const check = await httpsCall(material.ca, request.method, request.url, { headers: request.headers, body: request.body });
  if (check.status !== 200) throw new Error(`the token request failed: ${String(check.status)} ${check.text}`);
  return { request, stop: () => listener.close(1000) };
}

/** The name the one bench CSR carries, as CN and as its only DNS SAN. */
const BENCH_HOST = 'bench.example.com';

/**
 * pki-ca with its production rules (built-in profiles, issuance lint), unsealed, the default
 * hierarchy bootstrapped, and one ECDSA P-256 CSR enrolled over and over with `tls-server`: every
 * request signs, lints and stores a new certificate.
 */
async function pkiIssue(): Promise<StartedTarget> {
  const logger = createLogger({ level: 'info', service: pkiCa.name, destination: pino.destination(devNull) });
  const shares = await newUnsealShares(5, 3);
  const harness = await startTestService({
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    barrier: { shares: shares.slice(0, 3), threshold: 3 },
    pki: { bootstrap: true },
  }, logger, pkiCa);
  const api = `${harness.service.publicUrl}/service/api/v1`;
  const reader = await harness.serviceToken(['ca:read']);
  // Listing the CAs waits for the bootstrap (every handler does); the issuing CA must be there.
  const cas = await harness.call('GET', `${api}/cas`, { token: reader });
  if (cas.status !== 200 || !(cas.json as { items: { name: string }[] }).items.some((ca) => ca.name === 'default')) {
    throw new Error(`the CA hierarchy is missing: ${String(cas.status)} ${cas.text}`);
  }
  const csr = await makeCsr(await generateCsrKeys('P-256'), { subject: `CN=${BENCH_HOST}`, sans: [{ type: 'dns', value: BENCH_HOST }] });
  const body = JSON.stringify({ csr: csr.toString('pem'), profile: 'tls-server' });
  const token = await harness.serviceToken(['ca:issue']);
  const check = await harness.call('POST', `${api}/enrollments`, { token, body: JSON.parse(body) as unknown });
  if (check.status !== 201) throw new Error(`the bench enrollment failed: ${String(check.status)} ${check.text}`);
  return {
    request: { url: `${api}/enrollments`, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body },
    stop: () => harness.close(),
  };
}

type JaScenario = 'jwt-issue' | 'jwks';

/**
 * jose-ja unsealed with one ES256 key set. `jwt-issue` signs a token per request (claims in, `iat`,
 * `exp`, `jti` added, ES256 over the active key); `jwks` is the unauthenticated JWKS GET a verifier
 * makes, answered from the service's cache of the serialized set.
 */
async function ja(scenario: JaScenario): Promise<StartedTarget> {
  const logger = createLogger({ level: 'info', service: joseJa.name, destination: pino.destination(devNull) });
  const shares = await newUnsealShares(5, 3);
  const harness = await startTestService({
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    barrier: { shares: shares.slice(0, 3), threshold: 3 },
  }, logger, joseJa);
  const api = `${harness.service.publicUrl}/service/api/v1`;
  const admin = await harness.serviceToken(['ja:admin']);
  const created = await harness.call('POST', `${api}/jwks`, { token: admin, body: { name: 'bench', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 } });
  if (created.status !== 201) throw new Error(`creating the key set failed: ${String(created.status)} ${created.text}`);
  if (scenario === 'jwks') {
    const { jwksUrl } = created.json as { jwksUrl: string };
    return { request: { url: jwksUrl, method: 'GET', headers: {} }, stop: () => harness.close() };
  }
  const token = await harness.serviceToken(['ja:sign']);
  const body = JSON.stringify({ claims: { sub: 'bench-user', scope: 'read' }, audience: 'bench-api', expiresInSeconds: 300 });
  const check = await harness.call('POST', `${api}/jwks/bench/jwt`, { token, body: JSON.parse(body) as unknown });
  if (check.status !== 200) throw new Error(`the bench token failed: ${String(check.status)} ${check.text}`);
  return {
    request: { url: `${api}/jwks/bench/jwt`, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body },
    stop: () => harness.close(),
  };
}

const notesRead = (definition: ServiceDefinition): ReadScenario => ({
  definition,
  seed: { path: '/notes', body: SEEDED_NOTE, scope: 'notes:write' },
  read: { path: (id) => `/notes/${id}`, scope: 'notes:read' },
});

const petRead: ReadScenario = {
  definition: learnPs,
  seed: { path: '/pets', body: { name: 'bench', species: 'dog', priceCents: 12_500, stock: 7 }, scope: 'pets:write' },
  read: { path: (id) => `/pets/${id}`, scope: 'pets:read' },
};

export const targets: Readonly<Record<string, Target>> = {
  baseline,
  'baseline-shaped': baselineShaped,
  // The template's full pipeline and a database read: what every service pays before its own work.
  'template-read': () => serviceRead(notesRead(notesService)),
  // The same pipeline with the handler's database read taken out.
  'template-pipeline': () => serviceRead(notesRead(pipelineOnlyNotes)),
  'learn-ps-read': () => serviceRead(petRead),
  'learn-ps-read-pg': () => serviceRead(petRead, 'postgresql'),
  // DESIGN "Contract for checks": 1 KiB under A256GCM/A256KW.
  'kms-encrypt': () => kms({ algorithm: 'A256GCM/A256KW', operation: 'encrypt' }),
  'kms-encrypt-pg': () => kms({ algorithm: 'A256GCM/A256KW', operation: 'encrypt' }, 'postgresql'),
  'kms-decrypt': () => kms({ algorithm: 'A256GCM/A256KW', operation: 'decrypt' }),
  'kms-sign': () => kms({ algorithm: 'ES256', operation: 'sign' }),
  // DESIGN "Contract for checks": client credentials with client_secret_basic.
  'authz-token': authzToken,
  // The library alone, same grant: authz-token's ratio over this one is what the service adds.
  'oidc-provider-bare': oidcProviderBare,
  // A signed-in browser's API call through identity-rp to learn-ps.
  'rp-bff': rpBff,
  // A stored ECDSA P-256 tls-server certificate per request: sign, lint, insert.
  'pki-issue': pkiIssue,
  // An ES256 JWT per request, and the cached JWKS a verifier fetches.
  'ja-jwt-issue': () => ja('jwt-issue'),
  'ja-jwks': () => ja('jwks'),
};

export const scenarioNames: readonly string[] = Object.keys(targets);
