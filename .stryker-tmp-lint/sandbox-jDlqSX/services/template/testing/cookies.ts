/**
 * A test browser's cookie jar: kept by name (tests run against one host), sent on every request,
 * removed when a response expires or empties them.
 */
// @ts-nocheck

import type { HttpAnswer } from './service-harness.ts';

export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Applies the answer's Set-Cookie headers. */
  keep(answer: Pick<HttpAnswer, 'headers'>): void {
    const header = answer.headers['set-cookie'];
    for (const line of Array.isArray(header) ? header : []) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      const expired = value === '' || /Max-Age=0(;|$)/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  /** The Cookie request header ('' when the jar is empty). */
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
