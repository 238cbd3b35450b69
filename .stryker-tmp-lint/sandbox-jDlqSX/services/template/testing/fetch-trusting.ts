/**
 * A fetch for openid-client (its `customFetch`) that trusts a test's local CA and changes nothing
 * else: independent clients then talk to services under test over real TLS.
 */
// @ts-nocheck

import https from 'node:https';
import type { CustomFetch } from 'openid-client';

export function fetchTrusting(ca: string): CustomFetch {
  return (url, options) => new Promise<Response>((resolve, reject) => {
    const request = https.request(url, { method: options.method, headers: options.headers, ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
        }
        const status = response.statusCode ?? 500;
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    request.on('error', reject);
    // openid-client sends forms as URLSearchParams and JSON as strings.
    request.end(options.body instanceof URLSearchParams ? options.body.toString() : options.body as string | Uint8Array | undefined);
  });
}
