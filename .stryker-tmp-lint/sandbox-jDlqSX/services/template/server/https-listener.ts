/**
 * One HTTPS listener with a graceful close: stop accepting, let in-flight requests finish, then
 * close what is still open once the drain timeout passes. Plain HTTP is never served.
 */
// @ts-nocheck

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** Koa's `app.callback()` returns a promise; the server ignores whatever the listener returns. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

export interface HttpsListener {
  /** `https://host:port` as a client reaches it (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  readonly server: https.Server;
  /** Resolves once every connection is closed; idempotent. */
  close(timeoutMs: number): Promise<void>;
}

/** How often idle keep-alive sockets are reaped while draining. */
const DRAIN_POLL_MS = 50;

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Binds an HTTPS server; rejects when the port cannot be bound (e.g. already in use). */
export async function listenHttps(
  handler: RequestListener,
  tlsOptions: https.ServerOptions,
  address: string,
  port: number,
): Promise<HttpsListener> {
  const server = https.createServer({ ...tlsOptions, keepAliveTimeout: 5_000 }, handler);
  server.listen(port, address);
  // events.once rejects with the 'error' event's error (EADDRINUSE, EACCES) if it comes first.
  await once(server, 'listening');
  const boundPort = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `https://${hostForUrl(address)}:${boundPort}`,
    port: boundPort,
    server,
    close(timeoutMs: number): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        const reaper = setInterval(() => { server.closeIdleConnections(); }, DRAIN_POLL_MS);
        const deadline = setTimeout(() => { server.closeAllConnections(); }, timeoutMs);
        server.close(() => {
          clearInterval(reaper);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
