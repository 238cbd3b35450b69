/**
 * Steps of the login flow as a test drives them through a Browser: open the login page, post the
 * form, consent; and the checks every result must pass (signature from the JWKS, exact claims).
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { fieldValue, request, type Answer, type Browser, type IdpHarness } from './harness.ts';

export const PASSWORD = 'correct horse battery staple';

/** Creates a user through the admin API and returns its id. */
export async function createUser(idp: IdpHarness, username: string, password = PASSWORD): Promise<string> {
  const answer = await idp.api('POST', '/users', { username, email: `${username}@example.com`, password });
  if (answer.status !== 201) throw new Error(`creating ${username} answered ${String(answer.status)}: ${answer.text}`);
  return (answer.json as { id: string }).id;
}

export function location(answer: Answer): string {
  const value = answer.headers.location;
  if (typeof value !== 'string') throw new Error(`no Location header (status ${String(answer.status)})`);
  return value;
}

/** Opens the login page for `challenge` and posts the credentials from it. */
export async function submitLogin(browser: Browser, challenge: string, username: string, password = PASSWORD): Promise<Answer> {
  const page = await browser.get(`/login?login_challenge=${challenge}`);
  if (page.status !== 200) throw new Error(`GET /login answered ${String(page.status)}: ${page.text}`);
  return browser.post('/login', { csrf: fieldValue(page.text, 'csrf'), login_challenge: fieldValue(page.text, 'login_challenge'), username, password });
}

/**
 * One browser with the login form open, for many posts of it (they share the CSRF cookie and
 * token): answers a maker of requests, each posting one username and password when called.
 */
export async function openLoginForm(idp: IdpHarness): Promise<(username: string, password: string, headers?: Record<string, string>) => () => Promise<Answer>> {
  const browser = idp.browser();
  const page = await browser.get(`/login?login_challenge=${await idp.challenge()}`);
  if (page.status !== 200) throw new Error(`GET /login answered ${String(page.status)}: ${page.text}`);
  const fields = { csrf: fieldValue(page.text, 'csrf'), login_challenge: fieldValue(page.text, 'login_challenge') };
  return (username, password, headers = {}) => () => browser.post('/login', { ...fields, username, password }, headers);
}

/** Consent page for `challenge`, then the decision; answers the POST. */
export async function decide(browser: Browser, challenge: string, decision: 'allow' | 'deny'): Promise<Answer> {
  const page = await browser.get(`/consent?login_challenge=${challenge}`);
  if (page.status !== 200) throw new Error(`GET /consent answered ${String(page.status)}: ${page.text}`);
  return browser.post('/consent', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, decision });
}

/** The `login_result` of a redirect, verified against the idp's published JWKS as identity-authz does. */
export async function verifiedResult(idp: IdpHarness, redirect: string): Promise<{ payload: JWTPayload; header: ProtectedHeaderParameters }> {
  const result = new URL(redirect).searchParams.get('login_result');
  if (result === null) throw new Error('no login_result');
  const jwks = (await request(idp.service.ca, 'GET', `${idp.url}/.well-known/jwks.json`)).json as JSONWebKeySet;
  const { payload, protectedHeader } = await jwtVerify(result, createLocalJWKSet(jwks), {
    issuer: idp.url,
    audience: idp.issuer.url,
    typ: 'login-result+jwt',
    algorithms: ['ES256'],
  });
  return { payload, header: protectedHeader };
}

/** The `jti` of a login request (the result's `challenge`). */
export function requestId(challenge: string): string {
  const [, body = ''] = challenge.split('.');
  return (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { jti: string }).jti;
}
