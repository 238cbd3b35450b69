/**
 * A minimal cookie-keeping client for driving the authorization code flow over raw HTTPS in unit
 * tests (the end-to-end suite uses a real browser and openid-client instead).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CookieJar } from '../../template/testing/cookies.ts';
import { httpsCall, type HttpAnswer } from '../../template/testing/service-harness.ts';

/** RFC 7636 §4.1–4.2: a verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET with the jar's cookies; keeps what the answer sets. */
export async function browse(ca: string, jar: CookieJar, url: string): Promise<HttpAnswer> {
  const answer = await httpsCall(ca, 'GET', url, { headers: { cookie: jar.header() } });
  jar.keep(answer);
  return answer;
}

/** The Location of a redirect, resolved against the URL that answered. */
export function location(answer: HttpAnswer, base: string): URL {
  const value = answer.headers.location;
  if (typeof value !== 'string') throw new Error(`expected a redirect, got ${String(answer.status)}: ${answer.text}`);
  return new URL(value, base);
}

/**
 * RP-initiated logout as a browser does it at identity-authz: the end_session confirmation page,
 * then its form posted with "Yes, sign me out" (the button's `logout=yes`). Answers the form's answer.
 */
export async function endSession(ca: string, jar: CookieJar, issuer: string, clientId: string): Promise<HttpAnswer> {
  const page = await browse(ca, jar, `${issuer}/session/end?client_id=${encodeURIComponent(clientId)}`);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (page.status !== 200 || xsrf === undefined) throw new Error(`end_session answered ${String(page.status)}: ${page.text}`);
  const confirmed = await httpsCall(ca, 'POST', `${issuer}/session/end/confirm`, {
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
  });
  jar.keep(confirmed);
  return confirmed;
}
