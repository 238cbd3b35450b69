/**
 * A realm's identity-authz and identity-idp in process, wired as the operator deploys them: the
 * idp trusts identity-authz as its issuer (its admin API takes identity-authz's tokens for
 * `urn:cryptoutil:identity-idp`), identity-authz sends browsers to the idp to sign in, and
 * identity-authz's bootstrap client (every scope of every service, `idp:admin` among them) stands
 * for the operator's client. Real TLS, SQLite files, unsealed from shares in the configuration.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { CookieJar } from '../../services/template/testing/cookies.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import { httpsCall, startTestService, type HttpAnswer, type ServiceHarness } from '../../services/template/testing/service-harness.ts';
import { identityAuthz } from '../../services/identity-authz/index.ts';
import { browse, location, pkcePair } from '../../services/identity-authz/testing/browser-flow.ts';
import { identityIdp } from '../../services/identity-idp/index.ts';
import { Browser } from '../../services/identity-idp/testing/harness.ts';
import { submitLogin } from '../../services/identity-idp/testing/flow.ts';
import { learnPs } from '../../services/learn-ps/index.ts';
import type { AdminAccess } from '../realm-content/admin.ts';

export const OPERATOR_CLIENT = 'realm-operator';
const AUTHZ_RESOURCE = 'urn:cryptoutil:identity-authz';
const IDP_RESOURCE = 'urn:cryptoutil:identity-idp';
const LEARN_PS_RESOURCE = 'urn:cryptoutil:learn-ps';
const REDIRECT_URI = 'https://app.example.test/callback';

export interface RealmServices {
  readonly authzUrl: string;
  readonly idpUrl: string;
  /** What the operator's `locateRealmAdmin` answers for the realm. */
  readonly access: AdminAccess;
  /** Calls identity-authz's `/service/api/v1<path>` with the operator client's token. */
  authzApi(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  /** Calls identity-idp's `/service/api/v1<path>` with the operator client's token for identity-idp. */
  idpApi(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  /**
   * Signs in at identity-idp as a browser does, from an authorization request of a code client of
   * identity-authz: answers identity-idp's answer to the login form (303 to consent on success).
   */
  signIn(username: string, password: string): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export async function startRealmServices(): Promise<RealmServices> {
  // Both URLs must be known before either listener binds: each service names the other.
  const authzPort = await freePort();
  const idpPort = await freePort();
  const authzUrl = `https://127.0.0.1:${String(authzPort)}`;
  const idpUrl = `https://127.0.0.1:${String(idpPort)}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const newShares = { authz: await newUnsealShares(3, 2), idp: await newUnsealShares(3, 2) };
  const authz = await startTestService((_issuer, dataDir) => ({
    public: { port: authzPort },
    database: { url: `sqlite:${join(dataDir, 'authz.sqlite')}` },
    auth: { issuer: authzUrl },
    barrier: { shares: [...newShares.authz], threshold: 2 },
    hash: { pepper: randomBytes(32).toString('base64url') },
    authz: { idpUrl, bootstrapClient: { id: OPERATOR_CLIENT, secret: clientSecret } },
  }), undefined, identityAuthz(() => [learnPs, identityIdp]));
  let idp: ServiceHarness | undefined;
  try {
    idp = await startTestService((_issuer, dataDir) => {
      // The idp verifies identity-authz's tokens and login requests: it trusts identity-authz's CA.
      const caFile = join(dataDir, 'authz-ca.pem');
      writeFileSync(caFile, authz.service.ca);
      // Its certificate comes from identity-authz's local CA, as one CA issues a realm's certificates:
      // identity-authz then trusts the idp's account events (a user deleted, its tokens revoked).
      const from = join(authz.dataDir, 'tls');
      const to = join(dataDir, 'tls');
      mkdirSync(to, { recursive: true, mode: 0o700 });
      copyFileSync(join(from, 'ca.crt'), join(to, 'ca.crt'));
      copyFileSync(join(from, 'ca.key'), join(to, 'ca.key'));
      chmodSync(join(to, 'ca.key'), 0o600);
      return {
        public: { port: idpPort },
        auth: { issuer: authzUrl },
        tls: { caFile },
        barrier: { shares: [...newShares.idp], threshold: 2 },
        hash: { pepper: randomBytes(32).toString('base64url') },
      };
    }, undefined, identityIdp);
  } catch (error) {
    await authz.close();
    throw error;
  }
  const started = idp;
  const access: AdminAccess = { baseUrl: authzUrl, ca: authz.service.ca, clientId: OPERATOR_CLIENT, clientSecret, idp: { baseUrl: idpUrl, ca: started.service.ca } };
  const token = async (resource: string): Promise<string> => {
    const answer = await httpsCall(authz.service.ca, 'POST', `${authzUrl}/token`, {
      body: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${OPERATOR_CLIENT}:${clientSecret}`).toString('base64')}` },
    });
    if (answer.status !== 200) throw new Error(`token for ${resource}: ${String(answer.status)} ${answer.text}`);
    return (answer.json as { access_token: string }).access_token;
  };
  const authzApi: RealmServices['authzApi'] = async (method, path, body) => httpsCall(authz.service.ca, method, `${authzUrl}/service/api/v1${path}`, { token: await token(AUTHZ_RESOURCE), ...(body === undefined ? {} : { body }) });
  const idpApi: RealmServices['idpApi'] = async (method, path, body) => httpsCall(started.service.ca, method, `${idpUrl}/service/api/v1${path}`, { token: await token(IDP_RESOURCE), ...(body === undefined ? {} : { body }) });
  let codeClient: string | undefined;
  return {
    authzUrl,
    idpUrl,
    access,
    authzApi,
    idpApi,
    async signIn(username, password) {
      if (codeClient === undefined) {
        const created = await authzApi('POST', '/clients', { name: 'sign-in test', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
        if (created.status !== 201) throw new Error(`create client: ${String(created.status)} ${created.text}`);
        codeClient = (created.json as { clientId: string }).clientId;
      }
      const jar = new CookieJar();
      const { challenge } = pkcePair();
      const query = new URLSearchParams({
        client_id: codeClient, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read',
        code_challenge: challenge, code_challenge_method: 'S256', state: randomUUID(), resource: LEARN_PS_RESOURCE,
      });
      const authorize = await browse(authz.service.ca, jar, `${authzUrl}/auth?${query.toString()}`);
      const interaction = await browse(authz.service.ca, jar, location(authorize, authzUrl).href);
      const login = location(interaction, authzUrl);
      if (login.origin !== idpUrl) throw new Error(`identity-authz sent the browser to ${login.href}, not to identity-idp`);
      return submitLogin(new Browser(idpUrl, started.service.ca), login.searchParams.get('login_challenge') ?? '', username, password);
    },
    close: async () => {
      await started.close();
      await authz.close();
    },
  };
}
