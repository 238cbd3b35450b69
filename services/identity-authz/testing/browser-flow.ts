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
