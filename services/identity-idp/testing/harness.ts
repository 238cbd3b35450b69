/**
 * Starts identity-idp in process the way production does (real TLS, a SQLite file or a given
 * database, unsealed from configured shares) with the template's test issuer standing in for
 * identity-authz, and drives it like a browser: a cookie jar, form posts, no redirect following.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { newUnsealShares } from '../../template/barrier/index.ts';
import { openDatabase } from '../../template/database/index.ts';
import type { RunningService } from '../../template/runtime.ts';
import type { TestIssuer } from '../../template/testing/issuer.ts';
import { CookieJar } from '../../template/testing/cookies.ts';
import { httpsCall, mergeDeep, startTestService, type HttpAnswer } from '../../template/testing/service-harness.ts';
import { identityIdpOn } from '../index.ts';

export type Answer = HttpAnswer;

/** One HTTPS request; `form` bodies are url-encoded, other bodies JSON. */
export function request(
  ca: string,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return httpsCall(ca, method, url, { headers, body: new URLSearchParams(options.form).toString() });
  }
  return httpsCall(ca, method, url, { headers, ...(options.json === undefined ? {} : { body: options.json }) });
}

/** The value of a hidden (or any) input named `name` in a page. */
export function fieldValue(page: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  if (match?.[1] === undefined) throw new Error(`the page has no field ${name}`);
  return match[1].replaceAll('&amp;', '&');
}

/** A browser's view of the idp: cookies kept per name, every request to the idp's origin. */
export class Browser {
  readonly #jar = new CookieJar();
  readonly setCookieHeaders: string[] = [];
  readonly #base: string;
  readonly #ca: string;

  /** The cookies the idp has set and not yet removed, by name. */
  get cookies(): ReadonlyMap<string, string> {
    return this.#jar.cookies;
  }

  constructor(base: string, ca: string) {
    this.#base = base;
    this.#ca = ca;
  }

  async #send(method: string, path: string, options: { form?: Record<string, string>; headers?: Record<string, string> }): Promise<Answer> {
    const cookie = this.#jar.header();
    const headers = { ...(cookie === '' ? {} : { cookie }), ...options.headers };
    const answer = await request(this.#ca, method, new URL(path, this.#base).href, { headers, ...(options.form === undefined ? {} : { form: options.form }) });
    this.setCookieHeaders.push(...[answer.headers['set-cookie'] ?? []].flat());
    this.#jar.keep(answer);
    return answer;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.#send('GET', path, { headers });
  }

  /** A form post as a browser makes it from one of the idp's pages (Origin = the idp). */
  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.#send('POST', path, { form, headers: { origin: new URL(this.#base).origin, ...headers } });
  }
}

export interface IdpHarness {
  readonly issuer: TestIssuer;
  readonly service: RunningService;
  readonly url: string;
  /** The service's database, for tests that look at what is stored. */
  readonly databaseUrl: string;
  /** Calls `/service/api/v1<path>` with an `idp:admin` token unless `token` is given. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<Answer>;
  token(scopes: readonly string[]): Promise<string>;
  /** A login request as identity-authz would sign it; `claims` replace the defaults. */
  challenge(claims?: JWTPayload, typ?: string): Promise<string>;
  browser(): Browser;
  /** The account events identity-idp delivered (the test issuer stands in for identity-authz), as `{url, jws}`. */
  readonly accountEvents: readonly { readonly url: string; readonly jws: string }[];
  /** While true, delivering an account event fails, as when identity-authz is down. */
  authzDown: boolean;
  close(): Promise<void>;
}

export interface StartIdpOptions {
  readonly databaseUrl?: string;
  /** Configuration on top of the harness's own (e.g. `{ idp: { lockout: { seconds: 1 } } }`). */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
  /** The idp's clock instead of the real one (lockouts, the users API). */
  readonly now?: () => Date;
}

/** Runs one SQL query on the harness's database through a connection of its own. */
export async function query<T>(databaseUrl: string, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const database = await openDatabase({ url: databaseUrl, entities: [], migrations: [], poolMax: 1 });
  try {
    return await database.orm.em.getConnection().execute<T[]>(sql, [...params]);
  } finally {
    await database.close();
  }
}

export async function startIdp(options: StartIdpOptions = {}): Promise<IdpHarness> {
  const accountEvents: { url: string; jws: string }[] = [];
  const control = { authzDown: false };
  const shares = await newUnsealShares(3, 2);
  const harness = await startTestService(() => mergeDeep({
    ...(options.databaseUrl === undefined ? {} : { database: { url: options.databaseUrl } }),
    barrier: { shares, threshold: 2 },
    hash: { pepper: randomBytes(32).toString('base64url') },
  }, options.config ?? {}), options.logger, identityIdpOn(options.now ?? (() => new Date()), () => (url, jws) => {
    if (control.authzDown) return Promise.reject(new Error('identity-authz is down'));
    accountEvents.push({ url, jws });
    return Promise.resolve();
  }));
  const { issuer, service } = harness;
  const admin = await harness.serviceToken(['idp:admin']);
  return {
    issuer,
    service,
    url: service.publicUrl,
    databaseUrl: harness.config.database.url,
    token: (scopes) => harness.serviceToken(scopes),
    api: (method, path, body, bearer = admin) => request(service.ca, method, `${service.publicUrl}/service/api/v1${path}`, {
      headers: { authorization: `Bearer ${bearer}` },
      ...(body === undefined ? {} : { json: body }),
    }),
    challenge: (claims = {}, typ = 'login-request+jwt') => {
      const iat = Math.floor(Date.now() / 1000);
      const jti = randomUUID();
      return issuer.sign({
        iss: issuer.url,
        aud: service.publicUrl,
        jti,
        iat,
        exp: iat + 300,
        client_id: 'demo-app',
        client_name: 'Demo App',
        scope: 'openid profile kms:read',
        prompt: [],
        return_to: `${issuer.url}/interaction/${jti}/login`,
        ...claims,
      }, { typ });
    },
    browser: () => new Browser(service.publicUrl, service.ca),
    accountEvents,
    get authzDown() { return control.authzDown; },
    set authzDown(down: boolean) { control.authzDown = down; },
    close: () => harness.close(),
  };
}
