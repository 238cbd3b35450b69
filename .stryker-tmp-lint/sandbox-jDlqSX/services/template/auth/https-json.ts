/**
 * The one outgoing call the template makes on its own: GET a small JSON document (issuer metadata,
 * JWKS) over HTTPS, trusting the configured CA besides Node's default store (public roots and NODE_EXTRA_CA_CERTS), with a deadline and a size cap.
 */
// @ts-nocheck

import { request } from 'node:https';
import { withDefaultCas } from '../tls/trust.ts';

/** Fetches and parses one JSON document; rejects on anything but a 200 with valid JSON. */
export type FetchJson = (url: string) => Promise<unknown>;

export interface HttpsJsonOptions {
  /** PEM of an extra trusted CA (the local dev CA), added to Node's default CAs; '' means none. */
  readonly ca?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

/** A FetchJson over node:https; plain HTTP and redirects are refused. */
export function httpsJsonFetcher(options: HttpsJsonOptions = {}): FetchJson {
  const ca = withDefaultCas(options.ca);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 1_048_576;

  return (url) => new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') {
      reject(new Error(`${url} is not an https URL`));
      return;
    }
    const signal = AbortSignal.timeout(timeoutMs);
    const fail = (error: Error): void => {
      reject(signal.aborted ? new Error(`GET ${url} timed out after ${timeoutMs} ms`) : error);
    };
    const outgoing = request(target, { method: 'GET', headers: { accept: 'application/json' }, ca, signal }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(new Error(`GET ${url} answered ${String(response.statusCode)}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        chunks.push(chunk);
        if (size > maxBytes) {
          fail(new Error(`GET ${url} answered more than ${maxBytes} bytes`)); // settles first: a later 'end' is ignored
          outgoing.destroy();
        }
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          fail(new Error(`GET ${url} did not answer JSON`));
        }
      });
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}
