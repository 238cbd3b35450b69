// @ts-check
// The console's one server: identity-rp, the backend-for-frontend. Every call carries the session
// cookie (`credentials: 'include'`); a state-changing call also carries the CSRF token of
// `GET /bff/session` in identity-rp's header. Tokens never reach this page.

/** identity-rp's CSRF header (services/identity-rp/csrf.ts). */
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * @typedef {{ subject: string, username?: string, expiresAt: string, csrfToken: string, apis?: string[] }} Session
 * @typedef {{ rpUrl: string, accountUrl?: string }} ConsoleConfig
 */

/** An RFC 9457 problem (or any failed call), its text ready to show. */
export class ProblemError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = 'ProblemError';
    this.status = status;
  }
}

/**
 * The text of a failed answer: a problem's title, detail and field errors, else its status.
 * @param {Response} response
 */
export async function problemOf(response) {
  const type = response.headers.get('content-type') ?? '';
  let head = `${String(response.status)} ${response.statusText}`.trim();
  /** @type {string[]} */
  const details = [];
  if (/json/.test(type)) {
    /** @type {{ title?: unknown, detail?: unknown, errors?: unknown }} */
    const problem = await response.json().catch(() => ({}));
    if (typeof problem.title === 'string' && problem.title !== '') head = `${String(response.status)} ${problem.title}`;
    if (typeof problem.detail === 'string' && problem.detail !== '') details.push(problem.detail);
    if (Array.isArray(problem.errors)) {
      for (const item of problem.errors) {
        if (typeof item === 'object' && item !== null && 'message' in item) details.push(`${String(item.pointer ?? '')} ${String(item.message)}`.trim());
      }
    }
  }
  return new ProblemError(response.status, details.length === 0 ? head : `${head}: ${details.join('; ')}`);
}

/** The console's configuration, served by identity-spa. @returns {Promise<ConsoleConfig>} */
export async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw await problemOf(response);
  return /** @type {ConsoleConfig} */ (await response.json());
}

export class Rp {
  /** @param {string} rpUrl identity-rp's public URL, without a trailing slash */
  constructor(rpUrl) {
    this.url = rpUrl;
    /** @type {string | undefined} */
    this.csrfToken = undefined;
  }

  /** Where the browser goes to sign in, coming back to `returnTo`. @param {string} returnTo */
  loginUrl(returnTo) {
    return `${this.url}/bff/login?${new URLSearchParams({ return_to: returnTo }).toString()}`;
  }

  /** The signed-in user, or null. @returns {Promise<Session | null>} */
  async session() {
    const response = await fetch(`${this.url}/bff/session`, { credentials: 'include', cache: 'no-store' });
    if (response.status === 401) {
      this.csrfToken = undefined;
      return null;
    }
    if (!response.ok) throw await problemOf(response);
    const session = /** @type {Session} */ (await response.json());
    this.csrfToken = session.csrfToken;
    return session;
  }

  /** Ends the session at identity-rp; answers identity-authz's end-session URL. @param {string} returnTo */
  async logout(returnTo) {
    const response = await fetch(`${this.url}/bff/logout`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: this.csrfToken ?? '' },
      body: JSON.stringify({ returnTo }),
    });
    if (!response.ok) throw await problemOf(response);
    this.csrfToken = undefined;
    return /** @type {{ endSessionUrl: string }} */ (await response.json()).endSessionUrl;
  }

  /**
   * A call to a service's browser API through identity-rp. A JSON answer comes back parsed, a
   * JOSE or octet-stream answer as text, 204 as null; anything else not 2xx throws a ProblemError.
   * @param {string} service e.g. `learn-ps`
   * @param {string} path e.g. `/pets?page=0`
   * @param {{ method?: string, json?: unknown, text?: string, type?: string }} [options]
   * @returns {Promise<unknown>}
   */
  async api(service, path, options = {}) {
    const method = options.method ?? 'GET';
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json, application/jose, application/octet-stream, application/problem+json' };
    if (method !== 'GET' && method !== 'HEAD') headers[CSRF_HEADER] = this.csrfToken ?? '';
    /** @type {string | undefined} */
    let body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.text !== undefined) {
      headers['content-type'] = options.type ?? 'application/octet-stream';
      body = options.text;
    }
    const response = await fetch(`${this.url}/bff/api/${encodeURIComponent(service)}${path}`, { method, credentials: 'include', headers, body, cache: 'no-store' });
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return null;
    const type = response.headers.get('content-type') ?? '';
    return /json/.test(type) && !/problem/.test(type) ? response.json() : response.text();
  }
}
