/**
 * How the operator reads what a running service publishes (pki-ca's root certificate): one HTTPS
 * GET to the service's in-cluster URL, trusting the CA of the service's TLS Secret. An operator run
 * outside the cluster (development, the end-to-end tests) reaches services through a resolve list,
 * as `curl --resolve` does: `CRYPTOUTIL_OPERATOR_RESOLVE=host:port=address:port,...`. The TLS name
 * checked is always the in-cluster one.
 */
import https from 'node:https';
import { isIP } from 'node:net';

/** Bytes at `url`, with `ca` (PEM) as the only trust anchor; rejects on anything but 200. */
export type ServiceFetch = (url: string, ca: string) => Promise<Uint8Array>;

/** `host:port` → `address:port` pairs. */
export type ResolveList = ReadonlyMap<string, { readonly address: string; readonly port: number }>;

const FETCH_TIMEOUT_MS = 5_000;
/** A root certificate or a small document; a service that sends more is not answering this. */
const MAX_BYTES = 1024 * 1024;

/** Parses `host:port=address:port,...`; a malformed entry is an error naming it (exit 2 at start). */
export function parseResolveList(text: string): ResolveList {
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return new Map(entries.map((entry) => {
    const match = /^([^\s=]+:\d+)=([^\s=]+):(\d+)$/.exec(entry);
    if (match === null) throw new Error(`CRYPTOUTIL_OPERATOR_RESOLVE: "${entry}" is not host:port=address:port`);
    const [, target = '', address = '', port = ''] = match;
    return [target, { address: address.replace(/^\[(.*)\]$/, '$1'), port: Number(port) }];
  }));
}

/** One HTTPS request to a service: what is sent besides the method and URL. */
export interface ServiceRequestOptions {
  /** PEM CA, the only trust anchor. */
  readonly ca: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The status and body of an answer, whatever the status. */
export interface ServiceAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

/** Any request to a service (the realm content sync calls identity-authz's admin API with it). */
export type ServiceRequest = (method: string, url: string, options: ServiceRequestOptions) => Promise<ServiceAnswer>;

/** The requests the operator makes, honouring `resolve`; rejects only when no answer came. */
export function serviceRequest(resolve: ResolveList = new Map(), timeoutMs = FETCH_TIMEOUT_MS): ServiceRequest {
  return (method, url, options) => new Promise((accept, reject) => {
    const target = new URL(url);
    const port = Number(target.port === '' ? '443' : target.port);
    const mapped = resolve.get(`${target.hostname}:${String(port)}`);
    const request = https.request({
      method,
      host: mapped?.address ?? target.hostname,
      port: mapped?.port ?? port,
      path: `${target.pathname}${target.search}`,
      // SNI carries names only (RFC 6066 §3); an address is still checked against the certificate.
      ...(isIP(target.hostname) === 0 ? { servername: target.hostname } : {}),
      headers: { ...options.headers, host: target.host },
      ca: options.ca,
      minVersion: 'TLSv1.3',
      agent: false,
      timeout: timeoutMs,
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) {
          request.destroy(new Error(`${url} sent more than ${String(MAX_BYTES)} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => { accept({ status: response.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }); });
    });
    request.on('timeout', () => { request.destroy(new Error(`${url} did not answer within ${String(timeoutMs)} ms`)); });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The fetch the operator uses, honouring `resolve`. */
export function serviceFetch(resolve: ResolveList = new Map(), timeoutMs = FETCH_TIMEOUT_MS): ServiceFetch {
  const request = serviceRequest(resolve, timeoutMs);
  return async (url, ca) => {
    const answer = await request('GET', url, { ca });
    if (answer.status !== 200) throw new Error(`${url} answered ${String(answer.status)}`);
    return answer.body;
  };
}
