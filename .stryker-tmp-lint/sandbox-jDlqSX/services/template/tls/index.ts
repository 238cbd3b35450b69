/**
 * TLS for both listeners (DESIGN "Two HTTPS listeners"). `tls.mode: auto` creates, once, a local
 * ECDSA P-256 CA and a server certificate under `dataDir`; `files` loads PEM files from paths.
 * Certificates are reused across restarts.
 */
// @ts-nocheck

import type { TemplateConfig } from '../config/schema.ts';
import type { ClockOptions } from './issuing.ts';
import { systemClock } from './issuing.ts';
import { ensureLocalCa } from './local-ca.ts';
import { ensureServerCertificate } from './server-certificate.ts';
import { loadTlsFiles, readCaFile } from './files.ts';
import type { TlsMaterial } from './server-options.ts';
import { joinPem } from './trust.ts';

export type { TlsMaterial } from './server-options.ts';
export type { LocalCa } from './local-ca.ts';
export type { Clock, ClockOptions } from './issuing.ts';
export { serverOptions } from './server-options.ts';
export { ensureLocalCa, LOCAL_CA_SUBJECT } from './local-ca.ts';
export { ensureServerCertificate } from './server-certificate.ts';
export { trustedCa, localCaFile } from './trust.ts';

/** Where auto mode keeps its files and what it names them. */
export interface LoadTlsOptions extends ClockOptions {
  readonly dataDir: string;
  /** Names the auto-mode certificate files: `<dataDir>/tls/<serviceName>.crt|.key`. */
  readonly serviceName: string;
}

/**
 * The material a service's listeners serve. In auto mode `ca` is the local CA followed by the
 * `tls.caFile` bundle when one is set, so outgoing calls trust both; in files mode it is the bundle.
 */
export async function loadTls(tls: TemplateConfig['tls'], options: LoadTlsOptions): Promise<TlsMaterial> {
  const now = (options.now ?? systemClock)();
  if (tls.mode === 'files') {
    return loadTlsFiles(tls, now);
  }
  const clock = { now: () => now };
  const ca = await ensureLocalCa(options.dataDir, clock);
  const server = await ensureServerCertificate(ca, options.dataDir, options.serviceName, tls.names, clock);
  return { ...server, ca: joinPem(server.ca, await readCaFile(tls.caFile)) };
}
