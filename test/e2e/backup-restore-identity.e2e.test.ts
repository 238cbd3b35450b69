/**
 * Backup and restore of identity-authz and identity-idp end to end, on SQLite and PostgreSQL. The
 * pair is wired as `cryptoutil up` wires it (one local CA, the authz its own issuer and the idp's,
 * `authz.idpUrl`). Clients and a user are made through the admin APIs and the user signs in once;
 * both databases are backed up while the services run and restored into empty ones, and a new pair
 * takes the old one's place at the same URLs with the same unseal material and peppers (a backup
 * holds only sealed and hashed data: a restored service needs both from where they are kept).
 * Then an access token issued before the backup verifies against the restored issuer's JWKS (the
 * signing keys are in the database, under the barrier), the client gets a new token with the
 * secret it had, the refresh token and the browser's sessions from before still hold, and the
 * user signs in with their password through the idp's forms (authorization code + PKCE,
 * openid-client redeeming the code). Neither backup holds a secret readable.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { newUnsealKey } from '../../services/template/barrier/index.ts';
import { ensureLocalCa } from '../../services/template/tls/index.ts';
import { CookieJar } from '../../services/template/testing/cookies.ts';
import { fetchTrusting } from '../../services/template/testing/fetch-trusting.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { SESSION_COOKIE } from '../../services/identity-idp/cookies.ts';
import { fieldValue } from '../../services/identity-idp/testing/harness.ts';
import { serviceFiles, type ServiceFiles } from './processes.ts';
import { backUp, ENGINES, expectNoSecretIn, restore, Stage, type Launched } from './backup-restore.ts';

const AUTHZ = 'identity-authz';
const IDP = 'identity-idp';
const LEARN_PS = 'urn:cryptoutil:learn-ps';
const REDIRECT_URI = 'https://client.example.test/callback';
const USERNAME = 'restored-user';
const PASSWORD = 'correct horse battery staple';

/** What the original pair and the restored one share: addresses, unseal material, peppers, the admin client. */
interface Deployment {
  readonly ports: Readonly<Record<typeof AUTHZ | typeof IDP, Pick<ServiceFiles, 'publicPort' | 'adminPort'>>>;
  readonly shares: readonly string[];
  readonly keyCheck: string;
  readonly peppers: Readonly<Record<typeof AUTHZ | typeof IDP, string>>;
  readonly admin: Client;
}

/** A confidential client's credentials. */
interface Client {
  readonly id: string;
  readonly secret: string;
}

/** One pair of running services. */
interface Pair {
  readonly authz: Launched;
  readonly idp: Launched;
}

async function newDeployment(): Promise<Deployment> {
  const port = async (): Promise<Pick<ServiceFiles, 'publicPort' | 'adminPort'>> => ({ publicPort: await freePort(), adminPort: await freePort() });
  const { shares, keyCheck } = await newUnsealKey(5, 3);
  const secret = (): string => randomBytes(32).toString('base64url');
  return {
    ports: { [AUTHZ]: await port(), [IDP]: await port() },
    shares,
    keyCheck,
    peppers: { [AUTHZ]: secret(), [IDP]: secret() },
    admin: { id: 'restore-admin', secret: secret() },
  };
}

function urlOf(deployment: Deployment, service: typeof AUTHZ | typeof IDP): string {
  return `https://127.0.0.1:${String(deployment.ports[service].publicPort)}`;
}

/**
 * Both services in one new directory (one local CA, as under `cryptoutil up`) on new databases,
 * unsealed at start by `shares`, a subset of the deployment's.
 */
async function pairFiles(stage: Stage, deployment: Deployment, shares: readonly string[]): Promise<Record<typeof AUTHZ | typeof IDP, ServiceFiles>> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-identity-restore-'));
  const issuerUrl = urlOf(deployment, AUTHZ);
  const sealed = (service: typeof AUTHZ | typeof IDP): string[] => [
    `barrier: { shares: ${JSON.stringify(shares)}, threshold: 3, keyCheck: "${deployment.keyCheck}" }`,
    `hash: { pepper: "${deployment.peppers[service]}" }`,
  ];
  return {
    [AUTHZ]: await serviceFiles(AUTHZ, {
      dir, issuerUrl, ports: deployment.ports[AUTHZ], ...await stage.database(),
      extra: () => [...sealed(AUTHZ), `authz: { idpUrl: "${urlOf(deployment, IDP)}", bootstrapClient: ${JSON.stringify(deployment.admin)} }`],
    }),
    [IDP]: await serviceFiles(IDP, { dir, issuerUrl, ports: deployment.ports[IDP], ...await stage.database(), extra: () => sealed(IDP) }),
  };
}

/** A confidential client for both grants, through the clients API; its secret is shown this once. */
async function createClient(pair: Pair, token: string, name: string): Promise<Client> {
  const created = await httpsCall(pair.authz.ca, 'POST', `${pair.authz.url}/service/api/v1/clients`, {
    token,
    body: {
      name, grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], redirectUris: [REDIRECT_URI],
      openidScopes: ['openid'], resourceScopes: { [LEARN_PS]: ['pets:read'] },
    },
  });
  expect(created.status, created.text).to.equal(201);
  const { clientId, clientSecret } = created.json as { clientId: string; clientSecret: string };
  return { id: clientId, secret: clientSecret };
}

/** Both at once: their shared local CA is made first, so that neither start makes its own. */
async function launchPair(stage: Stage, files: Record<typeof AUTHZ | typeof IDP, ServiceFiles>): Promise<Pair> {
  await ensureLocalCa(files[AUTHZ].dir);
  const [authz, idp] = await Promise.all([stage.launch(AUTHZ, files[AUTHZ]), stage.launch(IDP, files[IDP])]);
  return { authz, idp };
}

async function stopPair(pair: Pair): Promise<void> {
  await Promise.all([pair.idp.stop(), pair.authz.stop()]);
}

/** openid-client's view of `client` at the pair's issuer, trusting the pair's CA. */
async function relyingParty(pair: Pair, client: Client): Promise<oidc.Configuration> {
  const options = { [oidc.customFetch]: fetchTrusting(pair.authz.ca) };
  const config = await oidc.discovery(new URL(pair.authz.url), client.id, { client_secret: client.secret, id_token_signed_response_alg: 'ES256' }, oidc.ClientSecretBasic(client.secret), options);
  config[oidc.customFetch] = fetchTrusting(pair.authz.ca);
  return config;
}

async function clientToken(pair: Pair, client: Client, resource: string): Promise<string> {
  return (await oidc.clientCredentialsGrant(await relyingParty(pair, client), { resource })).access_token;
}

/** RFC 9068 §4: an access token signed by a key of the issuer's JWKS, for the resource. */
async function verifiedAccessToken(pair: Pair, token: string, audience: string): Promise<string | undefined> {
  const jwks = await httpsCall(pair.authz.ca, 'GET', `${pair.authz.url}/jwks`);
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.json as JSONWebKeySet), { issuer: pair.authz.url, audience, typ: 'at+jwt' });
  return payload.sub;
}

/** An answer and the URL that gave it, against which its Location resolves. */
interface Page extends HttpAnswer {
  readonly url: string;
}

/** One request of a browser: the jar's cookies sent, what it sets kept; a form post carries its page's Origin. */
async function browse(ca: string, jar: CookieJar, method: string, url: string, form?: Record<string, string>): Promise<Page> {
  const headers: Record<string, string> = { cookie: jar.header() };
  if (form !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin });
  const answer = await httpsCall(ca, method, url, { headers, ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }) });
  jar.keep(answer);
  return { ...answer, url };
}

/** Where a redirect sends the browser. */
function redirected(page: Page, step: string): string {
  expect(page.status, `${step}: ${page.text}`).to.be.oneOf([302, 303]);
  return new URL(String(page.headers.location), page.url).href;
}

/** What a sign-in yields, and the pages (paths) the browser was shown on the way. */
interface SignedIn {
  readonly tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  readonly pages: readonly string[];
}

/**
 * A browser's sign-in without a browser: redirects followed with the jar's cookies, identity-idp's
 * login form (only with a `password`) and consent form posted with their CSRF fields, until the
 * client's redirect URI, whose code openid-client exchanges.
 */
async function signIn(pair: Pair, client: Client, jar: CookieJar, password?: string): Promise<SignedIn> {
  const config = await relyingParty(pair, client);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authorization = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid pets:read', resource: LEARN_PS, state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const ca = pair.authz.ca;
  const pages: string[] = [];
  let page = await browse(ca, jar, 'GET', authorization.href);
  while (pages.length < 3) {
    if (page.status !== 200) {
      const next = redirected(page, new URL(page.url).pathname);
      if (next.startsWith(REDIRECT_URI)) {
        return { tokens: await oidc.authorizationCodeGrant(config, new URL(next), { pkceCodeVerifier: verifier, expectedState: state }), pages };
      }
      page = await browse(ca, jar, 'GET', next);
      continue;
    }
    const { pathname, origin } = new URL(page.url);
    pages.push(pathname);
    const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: fieldValue(page.text, 'login_challenge') };
    if (origin !== pair.idp.url) throw new Error(`a page of ${origin}: ${page.text}`);
    if (pathname === '/login') {
      if (password === undefined) throw new Error('the login form was shown');
      page = await browse(ca, jar, 'POST', `${origin}/login`, { ...form, username: USERNAME, password });
    } else {
      page = await browse(ca, jar, 'POST', `${origin}/consent`, { ...form, decision: 'allow' });
    }
  }
  throw new Error(`no way to the redirect URI after the pages ${pages.join(', ')}`);
}

describe('backup and restore of identity-authz and identity-idp (e2e)', function () {
  this.timeout(150_000);

  for (const engine of ENGINES) {
    it(`on ${engine}: after a restore the client gets tokens with its old secret, old tokens and sessions hold, and the user signs in`, async () => {
      const stage = new Stage(engine);
      const deployment = await newDeployment();
      try {
        const first = await launchPair(stage, await pairFiles(stage, deployment, deployment.shares.slice(0, 3)));
        const clientsToken = await clientToken(first, deployment.admin, 'urn:cryptoutil:identity-authz');
        const client = await createClient(first, clientsToken, 'Restored console');
        // A client the user has not yet allowed: its sign-in needs identity-idp, and the idp session answers it.
        const otherClient = await createClient(first, clientsToken, 'Other console');
        const user = await httpsCall(first.idp.ca, 'POST', `${first.idp.url}/service/api/v1/users`, {
          token: await clientToken(first, deployment.admin, 'urn:cryptoutil:identity-idp'),
          body: { username: USERNAME, email: `${USERNAME}@example.com`, password: PASSWORD },
        });
        expect(user.status, user.text).to.equal(201);
        const userId = (user.json as { id: string }).id;
        const issuedBefore = await clientToken(first, client, LEARN_PS);
        expect(await verifiedAccessToken(first, issuedBefore, LEARN_PS)).to.equal(client.id);
        const browser = new CookieJar();
        const { tokens: signedInBefore } = await signIn(first, client, browser, PASSWORD);
        expect(signedInBefore.claims()?.sub).to.equal(userId);

        const [authzBackup, idpBackup] = await Promise.all([backUp(first.authz), backUp(first.idp)]);
        const backups = { [AUTHZ]: authzBackup, [IDP]: idpBackup };
        const secrets = [client.secret, PASSWORD, deployment.admin.secret, ...Object.values(deployment.peppers), ...deployment.shares];
        await expectNoSecretIn(backups[AUTHZ], engine, [client.id], [...secrets, String(signedInBefore.refresh_token)]);
        await expectNoSecretIn(backups[IDP], engine, [USERNAME], [...secrets, browser.cookies.get(SESSION_COOKIE) ?? 'no session cookie']);
        await stopPair(first);

        // Another subset of the same shares and the same peppers: what a backup leaves out.
        const target = await pairFiles(stage, deployment, deployment.shares.slice(2));
        await Promise.all([restore(AUTHZ, backups[AUTHZ], target[AUTHZ]), restore(IDP, backups[IDP], target[IDP])]);
        const second = await launchPair(stage, target);

        expect(await verifiedAccessToken(second, issuedBefore, LEARN_PS), 'a token issued before the backup').to.equal(client.id);
        expect(await verifiedAccessToken(second, await clientToken(second, client, LEARN_PS), LEARN_PS)).to.equal(client.id);
        const refreshed = await oidc.refreshTokenGrant(await relyingParty(second, client), String(signedInBefore.refresh_token));
        expect(await verifiedAccessToken(second, refreshed.access_token, LEARN_PS), 'a refresh token issued before the backup').to.equal(userId);
        // The same browser: identity-authz's session and grant from before the backup answer at once.
        const sameBrowser = await signIn(second, client, browser);
        expect(sameBrowser.pages).to.deep.equal([]);
        expect(sameBrowser.tokens.claims()?.sub).to.equal(userId);
        // The same browser and a client not yet allowed: identity-idp's session from before the backup signs the user in.
        const bySession = await signIn(second, otherClient, browser);
        expect(bySession.pages).to.deep.equal(['/consent']);
        expect(bySession.tokens.claims()?.sub).to.equal(userId);
        const byPassword = await signIn(second, client, new CookieJar(), PASSWORD);
        expect(byPassword.pages).to.deep.equal(['/login', '/consent']);
        expect(byPassword.tokens.claims()?.sub, 'a new sign-in with the password').to.equal(userId);
        expect(await verifiedAccessToken(second, byPassword.tokens.access_token, LEARN_PS)).to.equal(userId);
        await stopPair(second);
      } finally {
        await stage.dispose();
      }
    });
  }
});
