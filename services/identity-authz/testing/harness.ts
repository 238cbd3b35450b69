/**
 * Starts identity-authz in process the way production does: real TLS, a SQLite file (or the given
 * database), unsealed from shares in its configuration, trusting itself as `auth.issuer` (its own
 * clients API takes its own tokens). A test issuer stands in for identity-idp's signing key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { newUnsealShares } from '../../template/barrier/index.ts';
import { loadConfig } from '../../template/config/index.ts';
import { startService, type RunningService } from '../../template/runtime.ts';
import { createTestIssuer, type TestIssuer } from '../../template/testing/issuer.ts';
import { httpsCall, mergeDeep, type HttpAnswer } from '../../template/testing/service-harness.ts';
import { learnPs } from '../../learn-ps/index.ts';
import { smKms } from '../../sm-kms/index.ts';
import type { ServiceDefinition } from '../../template/service.ts';
import { identityAuthz } from '../index.ts';

export const ADMIN_CLIENT_ID = 'admin-client';
export const AUTHZ_RESOURCE = 'urn:cryptoutil:identity-authz';
export const LEARN_PS_RESOURCE = 'urn:cryptoutil:learn-ps';

export interface AuthzHarness {
  readonly service: RunningService;
  readonly issuer: string;
  readonly adminSecret: string;
  /** Stands in for identity-idp: its `sign()` makes login results, its JWKS is the idp's. */
  readonly idp: TestIssuer;
  readonly dataDir: string;
  /** The unseal shares it was started with (threshold 2). */
  readonly shares: readonly string[];
  /** A form POST to a protocol endpoint, with HTTP Basic client authentication when given. */
  form(path: string, fields: Readonly<Record<string, string>>, basic?: { readonly id: string; readonly secret: string }, headers?: Readonly<Record<string, string>>): Promise<HttpAnswer>;
  /** A client-credentials access token of the admin client for identity-authz's own API. */
  adminToken(): Promise<string>;
  /** Calls `/service/api/v1<path>` with the admin token. */
  api(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  get(path: string, headers?: Readonly<Record<string, string>>): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** A logger whose lines the test can read (info and above). */
export function captureLines(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A loopback port free right now: the issuer URL must be known before the service starts. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  return port;
}

export interface AuthzStartOptions {
  readonly databaseUrl?: string;
  readonly logger?: Logger;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Unseal shares (threshold 2); new ones when absent. */
  readonly shares?: readonly string[];
  /** The admin client's secret; a new one when absent. */
  readonly adminSecret?: string;
  /** `hash.pepper`; a new one when absent (a restart on the same database must keep it). */
  readonly pepper?: string;
  /** Sets `authz.issuer` explicitly (with a trailing slash) instead of using the listener URL. */
  readonly configuredIssuer?: boolean;
}

/** The definition with the resource servers the tests use. */
export const testAuthz: ServiceDefinition = identityAuthz(() => [learnPs, smKms]);

export async function startAuthz(options: AuthzStartOptions = {}): Promise<AuthzHarness> {
  const idp = await createTestIssuer({ tokenLifetimeSeconds: 60 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-authz-'));
  const caFile = join(dataDir, 'idp-ca.pem');
  await writeFile(caFile, idp.ca);
  const port = await freePort();
  const issuer = `https://127.0.0.1:${String(port)}`;
  const adminSecret = options.adminSecret ?? randomBytes(32).toString('base64url');
  const shares = options.shares ?? await newUnsealShares(3, 2);
  const config = loadConfig({
    serviceName: testAuthz.name,
    publicPort: 0,
    files: [],
    env: {},
    serviceSchema: testAuthz.configSchema,
    overrides: mergeDeep({
      public: { port },
      admin: { port: 0 },
      dataDir,
      database: { url: options.databaseUrl ?? `sqlite:${join(dataDir, 'authz.sqlite')}` },
      auth: { issuer },
      tls: { caFile },
      log: { level: 'silent' },
      barrier: { shares: [...shares], threshold: 2 },
      hash: { pepper: options.pepper ?? randomBytes(32).toString('base64url') },
      authz: { idpUrl: idp.url, bootstrapClient: { id: ADMIN_CLIENT_ID, secret: adminSecret }, ...(options.configuredIssuer === true ? { issuer: `${issuer}/` } : {}) },
    }, options.extra ?? {}),
  });
  const service = await startService(testAuthz, config, options.logger === undefined ? {} : { logger: options.logger });
  const form: AuthzHarness['form'] = (path, fields, basic, headers = {}) => httpsCall(service.ca, 'POST', `${issuer}${path}`, {
    body: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic === undefined ? {} : { authorization: `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}` }),
      ...headers,
    },
  });
  const adminToken = async (): Promise<string> => {
    const answer = await form('/token', { grant_type: 'client_credentials', resource: AUTHZ_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: adminSecret });
    if (answer.status !== 200) throw new Error(`admin token: ${String(answer.status)} ${answer.text}`);
    return (answer.json as { access_token: string }).access_token;
  };
  return {
    service,
    issuer,
    adminSecret,
    idp,
    dataDir,
    shares,
    form,
    adminToken,
    api: async (method, path, body) => httpsCall(service.ca, method, `${issuer}/service/api/v1${path}`, { token: await adminToken(), ...(body === undefined ? {} : { body }) }),
    get: (path, headers = {}) => httpsCall(service.ca, 'GET', path.startsWith('https:') ? path : `${issuer}${path}`, { headers: { ...headers } }),
    close: async () => {
      await service.stop('test done');
      await idp.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
