/**
 * The learn-ps SDK: a typed openapi-fetch client over the generated `schema.gen.ts`. Node's fetch
 * cannot be told to trust a private CA without an extra package, so the client sends its requests
 * through a small fetch built on `node:https`, which takes the CA directly.
 */
import https from 'node:https';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.gen.ts';

/** A typed client for every learn-ps operation. */
export type LearnPsClient = Client<paths>;

export interface LearnPsClientOptions {
  /** The service's public base URL, e.g. `https://127.0.0.1:8480`. */
  readonly baseUrl: string;
  /** An OAuth 2.1 access token for `urn:cryptoutil:learn-ps`. */
  readonly token: string;
  /** PEM of the CA that issued the service's certificate; the system trust store when absent. */
  readonly ca?: string;
  /** `service` for client-credentials tokens (default), `browser` for user tokens (DESIGN). */
  readonly api?: 'service' | 'browser';
}

/** Statuses whose response carries no body (RFC 9110 §15.3.5, §15.4.5): `Response` refuses one. */
const BODILESS = new Set([204, 304]);

/** A `fetch` for openapi-fetch that sends each request over `node:https`, trusting `ca`. */
export function httpsFetch(ca?: string): (request: Request) => Promise<Response> {
  const agent = new https.Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  return async (request) => {
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    return new Promise((resolve, reject) => {
      const outgoing = https.request(request.url, { method: request.method, headers: Object.fromEntries(request.headers), agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => { chunks.push(chunk); });
        incoming.on('end', () => {
          // A response from `https.request` always carries its status code.
          const status = Number(incoming.statusCode);
          // rawHeaders alternates name, value; repeated headers stay separate entries.
          const headers = new Headers();
          incoming.rawHeaders.forEach((item, index, all) => {
            if (index % 2 === 0) headers.append(item, String(all[index + 1]));
          });
          resolve(new Response(BODILESS.has(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}

/** A learn-ps client for one base URL and token. */
export function createLearnPsClient(options: LearnPsClientOptions): LearnPsClient {
  return createClient<paths>({
    baseUrl: `${options.baseUrl}/${options.api ?? 'service'}/api/v1`,
    headers: { authorization: `Bearer ${options.token}` },
    fetch: httpsFetch(options.ca),
  });
}
