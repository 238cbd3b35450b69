/**
 * Starts identity-authz in process the way production does: real TLS, a SQLite file (or the given
 * database), unsealed from shares in its configuration, trusting itself as `auth.issuer` (its own
 * clients API takes its own tokens). A test issuer stands in for identity-idp's signing key.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { newUnsealShares } from '../../template/barrier/index.ts';
import type { RunningService } from '../../template/runtime.ts';
import type { TestIssuer } from '../../template/testing/issuer.ts';
import { freePort } from '../../template/testing/ports.ts';
import { httpsCall, mergeDeep, startTestService, type HttpAnswer } from '../../template/testing/service-harness.ts';
import { learnPs } from '../../learn-ps/index.ts';
import { smKms } from '../../sm-kms/index.ts';
import type { ServiceDefinition } from '../../template/service.ts';
import { identityAuthz, type Repeat } from '../index.ts';

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
  /** Runs the sweep instead of the real timer. */
  readonly repeat?: Repeat;
  /** Another definition (other resource servers) instead of `testAuthz`. */
  readonly definition?: ServiceDefinition;
}

/** The definition with the resource servers the tests use. */
export const testAuthz: ServiceDefinition = identityAuthz(() => [learnPs, smKms]);

export async function startAuthz(options: AuthzStartOptions = {}): Promise<AuthzHarness> {
  // The issuer must be known before the listener binds: identity-authz trusts itself.
  const port = await freePort();
  const issuer = `https://127.0.0.1:${String(port)}`;
  const adminSecret = options.adminSecret ?? randomBytes(32).toString('base64url');
  const shares = options.shares ?? await newUnsealShares(3, 2);
  // The template's test issuer stands in for identity-idp: its keys sign the login results.
  const harness = await startTestService((idp, dataDir) => mergeDeep({
    public: { port },
    database: { url: options.databaseUrl ?? `sqlite:${join(dataDir, 'authz.sqlite')}` },
    auth: { issuer },
    barrier: { shares: [...shares], threshold: 2 },
    hash: { pepper: options.pepper ?? randomBytes(32).toString('base64url') },
    authz: { idpUrl: idp.url, bootstrapClient: { id: ADMIN_CLIENT_ID, secret: adminSecret }, ...(options.configuredIssuer === true ? { issuer: `${issuer}/` } : {}) },
  }, options.extra ?? {}), options.logger, options.definition ?? (options.repeat === undefined ? testAuthz : identityAuthz(() => [learnPs, smKms], options.repeat)));
  const { service } = harness;
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
    idp: harness.issuer,
    dataDir: harness.dataDir,
    shares,
    form,
    adminToken,
    api: async (method, path, body) => httpsCall(service.ca, method, `${issuer}/service/api/v1${path}`, { token: await adminToken(), ...(body === undefined ? {} : { body }) }),
    get: (path, headers = {}) => httpsCall(service.ca, 'GET', path.startsWith('https:') ? path : `${issuer}${path}`, { headers: { ...headers } }),
    close: () => harness.close(),
  };
}
