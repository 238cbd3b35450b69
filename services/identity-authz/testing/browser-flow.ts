/**
 * A minimal cookie-keeping client for driving the authorization code flow over raw HTTPS in unit
 * tests (the end-to-end suite uses a real browser and openid-client instead).
 */
import { createHash, randomBytes } from 'node:crypto';
import { httpsCall, type HttpAnswer } from '../../template/testing/service-harness.ts';

export class CookieJar {
  readonly #cookies = new Map<string, string>();

  keep(answer: HttpAnswer): void {
    const header = answer.headers['set-cookie'];
    for (const line of Array.isArray(header) ? header : []) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name); else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

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
