/**
 * HTTPS to the API server with the credentials of a kubeconfig or the in-cluster service account
 * (kube/access.ts). Requests are plain JSON; watches are streams of
 * newline-delimited JSON events (API concepts "Efficient detection of changes").
 */
import https from 'node:https';
import type { ClusterAccess } from './access.ts';
import { KubeApiError } from './api.ts';

export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

export interface RequestOptions {
  readonly body?: string;
  readonly contentType?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** The media type asked for; default `application/json`. */
  readonly accept?: string;
}

/** A list of objects' metadata only (client-go's metadata client): no spec, no status, no Secret data. */
export const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
/** The same for the objects of a watch. */
export const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * No request waits longer than this for its whole answer (client-go's default HTTP client has no
 * limit, so a half-open connection would hang a reconcile forever). Watches have their own bound:
 * the `timeoutSeconds` they ask for, plus this much.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** What the API client and the watches need from the network. */
export interface KubeTransport {
  request(method: string, path: string, options?: RequestOptions): Promise<KubeResponse>;
  /**
   * Streams a watch: calls `onLine` per line until the server ends it or `signal` aborts; resolves
   * then. A watch the server refuses rejects with a KubeApiError carrying its status. A watch the server keeps open past its own `timeoutSeconds` plus REQUEST_TIMEOUT_MS is cut
   * and resolves too (the caller watches again).
   */
  watch(path: string, query: Readonly<Record<string, string>>, onLine: (line: string) => void, signal: AbortSignal, accept?: string): Promise<void>;
}

function urlOf(server: string, path: string, query: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(path, server);
  for (const [key, value] of Object.entries(query)) {
    url.searchParams.set(key, value);
  }
  return url;
}

/**
 * A transport to the API server `access` names, with its credentials (kube/access.ts). Requests go
 * through Node's global agent, which keeps connections alive: a TLS handshake per request was half
 * the operator's CPU (docs/operator.md "Sizing").
 */
export function accessTransport(access: ClusterAccess): KubeTransport {
  const open = async (method: string, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<https.RequestOptions> => {
    const options: https.RequestOptions = { method, headers: { accept: 'application/json', ...headers }, signal };
    await access.apply(options);
    return { ...options, protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}` };
  };
  return {
    async request(method, path, options = {}) {
      const url = urlOf(access.server, path, options.query);
      const headers: Record<string, string> = {
        ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
        ...(options.accept === undefined ? {} : { accept: options.accept }),
      };
      const requestOptions = await open(method, url, headers, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      return new Promise<KubeResponse>((resolve, reject) => {
        const request = https.request(requestOptions, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
          response.on('end', () => { resolve({ status: Number(response.statusCode), body: Buffer.concat(chunks).toString('utf8') }); });
          // An abort while the body streams (the deadline) ends the response with an error, not 'end'.
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(options.body);
      });
    },
    async watch(path, query, onLine, signal, accept) {
      const timeoutSeconds = Number(query.timeoutSeconds ?? '0');
      const bounded = timeoutSeconds > 0 ? AbortSignal.any([signal, AbortSignal.timeout(timeoutSeconds * 1000 + REQUEST_TIMEOUT_MS)]) : signal;
      const requestOptions = await open('GET', urlOf(access.server, path, { ...query, watch: 'true' }), accept === undefined ? {} : { accept }, bounded);
      await new Promise<void>((resolve, reject) => {
        const request = https.request(requestOptions, (response) => {
          if (response.statusCode !== 200) {
            // A watch refused (403, 410 Gone, …) answers with a Status, not a stream of events.
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
            response.on('end', () => { reject(new KubeApiError('GET', path, Number(response.statusCode), Buffer.concat(chunks).toString('utf8'))); });
            response.on('error', reject);
            return;
          }
          let pending = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            pending += chunk;
            const lines = pending.split('\n');
            // split always yields at least one piece: the unfinished line.
            pending = String(lines.pop());
            for (const line of lines.filter((candidate) => candidate.trim() !== '')) {
              onLine(line);
            }
          });
          response.on('end', resolve);
          response.on('error', () => { resolve(); });
        });
        request.on('error', (error) => { if (bounded.aborted) { resolve(); } else { reject(error); } });
        request.end();
      });
    },
  };
}
