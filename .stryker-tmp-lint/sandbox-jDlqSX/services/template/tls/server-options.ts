/**
 * The TLS material a listener needs and the Node options that serve it. Both listeners accept
 * TLS 1.3 only (DESIGN "Two HTTPS listeners"): no downgrade to 1.2 cipher suites is possible.
 */
// @ts-nocheck

import type { ServerOptions } from 'node:https';

/** PEM strings. `ca` is the CA outgoing calls trust; empty means Node's default roots. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Options for `https.createServer`: the certificate chain and key, TLS 1.3 and nothing else. */
export function serverOptions(material: TlsMaterial): ServerOptions {
  return { cert: material.cert, key: material.key, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
}
