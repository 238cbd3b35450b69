/**
 * The command-line side of the admin listener: `livez`, `readyz`, `shutdown` and `unseal` call the
 * running service over HTTPS on loopback, as Kubernetes exec probes do from inside the pod.
 */
// @ts-nocheck

import https from 'node:https';

export interface AdminTarget {
  readonly address: string;
  readonly port: number;
  /** PEM CA to verify the chain with; empty skips chain verification (the target is loopback). */
  readonly ca: string;
  /** The admin token, sent as a bearer token; the state-changing endpoints require it. */
  readonly token?: string;
}

export interface AdminCallOptions {
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly timeoutMs?: number;
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: string;
}

/** A probe that hangs counts as failed: the kubelet's own timeout is longer than this. */
const ADMIN_TIMEOUT_MS = 5_000;

/**
 * One admin request. The certificate's names may not include the loopback address (files mode,
 * issued for the Service's DNS name), so only the chain is checked, never the host name.
 */
export function callAdmin(target: AdminTarget, method: 'GET' | 'POST', path: string, options: AdminCallOptions = {}): Promise<AdminAnswer> {
  const { timeoutMs = ADMIN_TIMEOUT_MS } = options;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: target.address,
        port: target.port,
        method,
        path,
        minVersion: 'TLSv1.3',
        timeout: timeoutMs,
        ...(target.ca === '' ? { rejectUnauthorized: false } : { ca: target.ca }),
        checkServerIdentity: () => undefined,
        headers: {
          accept: 'application/json',
          ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => { resolve({ status: Number(response.statusCode), body: Buffer.concat(chunks).toString('utf8') }); });
      },
    );
    request.on('timeout', () => { request.destroy(new Error(`no answer within ${timeoutMs} ms`)); });
    request.on('error', reject);
    request.end(payload);
  });
}
