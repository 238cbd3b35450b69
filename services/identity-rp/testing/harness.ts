/**
 * identity-rp between a real identity-authz and a real resource server (learn-ps), all in process
 * over real TLS: the authz harness's test issuer stands in for identity-idp's login results, and
 * a cookie jar per side stands in for the browser, which follows no redirects on its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { newUnsealShares } from '../../template/barrier/index.ts';
import { CookieJar } from '../../template/testing/cookies.ts';
import { freePort } from '../../template/testing/ports.ts';
import { httpsCall, mergeDeep, startTestService, type HttpAnswer, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { browse, endSession, location } from '../../identity-authz/testing/browser-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../identity-authz/testing/harness.ts';
import { startResourceServer } from '../../identity-authz/testing/resource-server.ts';
import { identityRp } from '../index.ts';

export interface RpHarness {
  readonly authz: AuthzHarness;
  readonly api: ServiceHarness;
  readonly rp: ServiceHarness;
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A browser at the rp: its own jar, requests with the rp's origin unless told otherwise. */
  browser(): RpBrowser;
  close(): Promise<void>;
}

export interface RpHarnessOptions {
  readonly databaseUrl?: string;
  /** Extra `rp.*` configuration. */
  readonly rp?: Readonly<Record<string, unknown>>;
  readonly accessTokenTtlSeconds?: number;
  /** The rp's logger (to read what it logs). */
  readonly logger?: Logger;
  /**
   * Registers the rp's client with `${url}/bff/backchannel-logout` as its back-channel logout URI
   * (sessionRequired: the tokens carry `sid`). The rp's certificate then comes from the authz's CA,
   * as one suite CA issues every service's, so that the authz trusts the rp.
   */
  readonly backchannelLogout?: { readonly sessionRequired: boolean };
  /** More resources (and their scopes) the rp's client may get tokens for, besides learn-ps. */
  readonly resourceScopes?: Readonly<Record<string, readonly string[]>>;
  /** More OpenID scopes the client may ask for, besides openid (e.g. profile). */
  readonly openidScopes?: readonly string[];
  /** More post-logout redirect URIs registered for the client, besides `${url}/`. */
  readonly postLogoutRedirectUris?: readonly string[];
  /** More CA certificates (PEM) the rp trusts for its upstream calls. */
  readonly trust?: readonly string[];
}

export class RpBrowser {
  readonly jar = new CookieJar();
  readonly authzJar = new CookieJar();
  readonly #harness: Pick<RpHarness, 'url' | 'authz'>;
  readonly #ca: string;

  constructor(harness: Pick<RpHarness, 'url' | 'authz'>, ca: string) {
    this.#harness = harness;
    this.#ca = ca;
  }

  /** A request to the rp with the jar's cookies; keeps what it sets. */
  async call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<HttpAnswer> {
    const cookie = this.jar.header();
    const answer = await httpsCall(this.#ca, method, new URL(path, this.#harness.url).href, {
      headers: { ...(cookie === '' ? {} : { cookie }), ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    this.jar.keep(answer);
    return answer;
  }

  /** A state-changing call as the rp's own page makes it: its Origin and the session's CSRF token. */
  async send(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const session = await this.call('GET', '/bff/session');
    const csrf = (session.json as { csrfToken: string }).csrfToken;
    return this.call(method, path, { headers: { origin: this.#harness.url, 'x-csrf-token': csrf }, ...(body === undefined ? {} : { body }) });
  }

  /**
   * `login` (`/bff/login`, maybe with `return_to`) → identity-authz (PAR request_uri) → interaction → a login result for `subject`
   * → back to the rp's callback, which answers the returned value.
   */
  async signIn(subject = 'user-0001', granted = 'openid pets:read', login = '/bff/login'): Promise<HttpAnswer> {
    const { authz } = this.#harness;
    const start = await this.call('GET', login);
    if (start.status !== 303) throw new Error(`/bff/login answered ${String(start.status)}: ${start.text}`);
    const ca = authz.service.ca;
    const authorize = await browse(ca, this.authzJar, location(start, this.#harness.url).href);
    const interaction = location(authorize, authz.issuer);
    await browse(ca, this.authzJar, interaction.href);
    const uid = interaction.pathname.split('/').pop() ?? '';
    const now = Math.floor(Date.now() / 1000);
    const result = await authz.idp.sign({
      iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, challenge: uid,
      sub: subject, auth_time: now, amr: ['pwd'], scope: granted, claims: { preferred_username: subject },
    }, { typ: 'login-result+jwt' });
    const back = await browse(ca, this.authzJar, `${authz.issuer}/interaction/${uid}/callback?login_result=${encodeURIComponent(result)}`);
    const resume = await browse(ca, this.authzJar, location(back, authz.issuer).href);
    const callback = location(resume, authz.issuer);
    return this.call('GET', `${callback.pathname}${callback.search}`);
  }

  /**
   * Signs out at identity-authz's end_session as the browser does there, never calling the rp:
   * the confirmation page, then its form posted with "Yes, sign me out". Answers the form's answer.
   */
  signOutAtAuthz(clientId: string): Promise<HttpAnswer> {
    const { authz } = this.#harness;
    return endSession(authz.service.ca, this.authzJar, authz.issuer, clientId);
  }
}

/** Gives the rp's data directory the authz's local CA, so the rp's auto-TLS certificate comes from it. */
function shareCa(authzDataDir: string, rpDataDir: string): void {
  const from = join(authzDataDir, 'tls');
  const to = join(rpDataDir, 'tls');
  mkdirSync(to, { recursive: true, mode: 0o700 });
  copyFileSync(join(from, 'ca.crt'), join(to, 'ca.crt'));
  copyFileSync(join(from, 'ca.key'), join(to, 'ca.key'));
  chmodSync(join(to, 'ca.key'), 0o600);
}

export async function startRp(options: RpHarnessOptions = {}): Promise<RpHarness> {
  const authz = await startAuthz();
  const api = await startResourceServer(authz);
  const port = await freePort();
  const url = `https://127.0.0.1:${String(port)}`;
  const created = await authz.api('POST', '/clients', {
    name: 'identity-rp', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [`${url}/bff/callback`],
    postLogoutRedirectUris: [`${url}/`, ...options.postLogoutRedirectUris ?? []], openidScopes: ['openid', ...options.openidScopes ?? []],
    resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'], ...options.resourceScopes },
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    ...(options.backchannelLogout === undefined ? {} : {
      backchannelLogoutUri: `${url}/bff/backchannel-logout`, backchannelLogoutSessionRequired: options.backchannelLogout.sessionRequired,
    }),
  });
  if (created.status !== 201) throw new Error(`create client: ${String(created.status)} ${created.text}`);
  const client = created.json as { clientId: string; clientSecret: string };
  const shares = await newUnsealShares(3, 2);
  const rp = await startTestService((_issuer, dataDir) => {
    // The rp trusts the authz's CA and the API's: both made their own in auto TLS mode.
    const caFile = join(dataDir, 'suite-ca.pem');
    writeFileSync(caFile, [authz.service.ca, api.service.ca, ...options.trust ?? []].join('\n'));
    if (options.backchannelLogout !== undefined) shareCa(authz.dataDir, dataDir);
    return mergeDeep({
      public: { port },
      auth: { issuer: authz.issuer },
      tls: { caFile },
      barrier: { shares: [...shares], threshold: 2 },
      hash: { pepper: randomBytes(32).toString('base64url') },
      ...(options.databaseUrl === undefined ? {} : { database: { url: options.databaseUrl } }),
      rp: {
        clientId: client.clientId, clientSecret: client.clientSecret, scope: 'openid pets:read pets:write', resource: LEARN_PS_RESOURCE,
        apis: { 'learn-ps': `${api.service.publicUrl}/browser/api/v1` },
      },
    }, { rp: options.rp ?? {} });
  }, options.logger, identityRp);
  const harness: RpHarness = {
    authz, api, rp, url, clientId: client.clientId, clientSecret: client.clientSecret,
    browser: () => new RpBrowser(harness, rp.service.ca),
    close: async () => {
      await rp.close();
      await api.close();
      await authz.close();
    },
  };
  return harness;
}
