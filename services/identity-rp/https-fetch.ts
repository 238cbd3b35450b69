/**
 * A fetch over node:https that trusts the suite's CA (`runtime.ca`): openid-client's
 * `customFetch`, and the proxy's upstream calls. Node's global fetch cannot be given a CA without
 * a dependency, and the suite's certificates come from its own CA.
 */
import https from 'node:https';
import type { CustomFetch, FetchBody } from 'openid-client';

/** Upstream answers are read whole; more than this is refused rather than buffered. */
export const MAX_UPSTREAM_BYTES = 4 * 1024 * 1024;

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/**
 * How long one exchange may take, answer read whole. Shorter than a session's refresh claim
 * (`REFRESH_LEASE_MS`, 10 s): a refresh still under way when its claim lapses would let a second
 * request spend the same refresh token, and identity-authz then revokes the whole grant.
 */
export const UPSTREAM_TIMEOUT_MS = 8_000;

/** One HTTPS exchange on a keep-alive agent trusting `ca`. */
export type RawFetch = (url: string, request: RawRequest) => Promise<RawAnswer>;

export function rawFetchTrusting(ca: string, maxBytes = MAX_UPSTREAM_BYTES, timeoutMs = UPSTREAM_TIMEOUT_MS): RawFetch {
  const agent = new https.Agent({ keepAlive: true, ca });
  return (url, request) => new Promise<RawAnswer>((resolve, reject) => {
    const outgoing = https.request(url, { method: request.method, headers: request.headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          response.destroy(new Error('upstream answer too large'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: Number(response.statusCode), headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    const timer = setTimeout(() => { outgoing.destroy(new Error(`no answer within ${String(timeoutMs)} ms`)); }, timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    outgoing.on('error', fail);
    outgoing.end(request.body);
  });
}

/** openid-client sends forms as URLSearchParams and JSON as strings; it sends no streams. */
function bodyOf(body: FetchBody): { body?: string } {
  if (body instanceof URLSearchParams) return { body: body.toString() };
  return typeof body === 'string' ? { body } : {};
}

/** Fetch §2.2.3: a Response with one of these statuses must have a null body. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** The same exchange in fetch's shape, for openid-client. */
export function customFetchOf(raw: RawFetch): CustomFetch {
  return async (url, options) => {
    const answer = await raw(url, { method: options.method, headers: options.headers, ...bodyOf(options.body) });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const item of [value ?? []].flat()) responseHeaders.append(name, item);
    }
    return new Response(NULL_BODY_STATUSES.has(answer.status) ? null : answer.body, { status: answer.status, headers: responseHeaders });
  };
}
