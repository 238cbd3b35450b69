/**
 * The authorization code flow end to end against a running identity-authz, for tests that need a
 * real code or user token (the security suite): authorization request, identity-idp's login result
 * made by the test issuer, and back to the client's redirect URI.
 */
import { randomUUID } from 'node:crypto';
import { CookieJar } from '../../template/testing/cookies.ts';
import { browse, location, pkcePair } from './browser-flow.ts';
import { LEARN_PS_RESOURCE, type AuthzHarness } from './harness.ts';

export const REDIRECT_URI = 'https://client.example.test/callback';

/** A client's credentials as the clients API returns them. */
export interface TestClient {
  readonly id: string;
  readonly secret: string;
}

/** A redirected authorization code and the PKCE verifier that redeems it. */
export interface IssuedCode {
  readonly code: string;
  readonly verifier: string;
}

/** Registers a code-flow client for learn-ps with refresh tokens, through the clients API. */
export async function createCodeClient(authz: AuthzHarness, resourceScopes: Readonly<Record<string, readonly string[]>> = { [LEARN_PS_RESOURCE]: ['pets:read'] }): Promise<TestClient> {
  const created = await authz.api('POST', '/clients', {
    name: 'Code client', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI],
    openidScopes: ['openid'], resourceScopes,
  });
  if (created.status !== 201) throw new Error(`create client: ${String(created.status)} ${created.text}`);
  const body = created.json as { clientId: string; clientSecret: string };
  return { id: body.clientId, secret: body.clientSecret };
}

function expectRedirect(answer: { status: number; text: string }, step: string): void {
  if (answer.status !== 302 && answer.status !== 303) throw new Error(`${step}: ${String(answer.status)} ${answer.text}`);
}

/** The scopes a sign-in asks for and those identity-idp's login result grants (the user's entitlement). */
export interface SignInScopes {
  readonly requested: string;
  readonly granted: string;
}

const PETS_READER: SignInScopes = { requested: 'openid pets:read', granted: 'openid pets:read' };

/**
 * Signs `subject` in through the client; the redirect URI with what it receives, and the PKCE
 * verifier. `jar` is the browser's at identity-authz (it then holds the session cookie).
 */
export async function signIn(authz: AuthzHarness, client: TestClient, subject = 'user-0001', scopes = PETS_READER, jar = new CookieJar()): Promise<{ redirect: URL; verifier: string }> {
  const ca = authz.service.ca;
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams({
    client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: scopes.requested,
    code_challenge: challenge, code_challenge_method: 'S256', state: randomUUID(), resource: LEARN_PS_RESOURCE,
  });
  const authorize = await browse(ca, jar, `${authz.issuer}/auth?${query.toString()}`);
  expectRedirect(authorize, 'authorization request');
  const interaction = location(authorize, authz.issuer);
  expectRedirect(await browse(ca, jar, interaction.href), 'interaction');
  const uid = interaction.pathname.split('/').pop() ?? '';
  const now = Math.floor(Date.now() / 1000);
  const result = await authz.idp.sign({
    iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, challenge: uid,
    sub: subject, auth_time: now, amr: ['pwd'], scope: scopes.granted, claims: { preferred_username: subject },
  }, { typ: 'login-result+jwt' });
  const back = await browse(ca, jar, `${authz.issuer}/interaction/${uid}/callback?login_result=${encodeURIComponent(result)}`);
  expectRedirect(back, 'login result');
  const resume = await browse(ca, jar, location(back, authz.issuer).href);
  expectRedirect(resume, 'resume');
  return { redirect: location(resume, authz.issuer), verifier };
}

/** Signs `subject` in through the client and returns the code the redirect URI receives. */
export async function issueCode(authz: AuthzHarness, client: TestClient, subject = 'user-0001', scopes = PETS_READER): Promise<IssuedCode> {
  const { redirect, verifier } = await signIn(authz, client, subject, scopes);
  const code = redirect.searchParams.get('code');
  if (code === null) throw new Error('the redirect carries no code');
  return { code, verifier };
}
