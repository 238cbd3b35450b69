/**
 * Which CA certificates outgoing HTTPS calls trust: the issuer and its JWKS, and the admin
 * listener when a command-line probe calls it. `tls.caFile` when set; in auto mode also the local CA.
 */
// @ts-nocheck

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';
import type { TemplateConfig } from '../config/schema.ts';
import { tlsDirectory } from './issuing.ts';
import { readTlsFileSync } from './files.ts';

/** `<dataDir>/tls/ca.crt`, the local CA certificate of auto mode. */
export function localCaFile(dataDir: string): string {
  return join(tlsDirectory(dataDir), 'ca.crt');
}

/**
 * PEM bundle to pass as the `ca` of an outgoing request; empty means Node's default roots. In auto
 * mode before the first start there is no local CA yet, and nothing to add.
 */
export function trustedCa(config: Pick<TemplateConfig, 'tls' | 'dataDir'>): string {
  const configured = config.tls.caFile === '' ? '' : readTlsFileSync('tls.caFile', config.tls.caFile);
  const localFile = localCaFile(config.dataDir);
  const local = config.tls.mode === 'auto' && existsSync(localFile) ? readTlsFileSync('the local CA', localFile) : '';
  return joinPem(configured, local);
}

/** Concatenates PEM bundles, each ending in a newline, skipping empty ones. */
export function joinPem(...bundles: readonly string[]): string {
  return bundles
    .filter((bundle) => bundle !== '')
    .map((bundle) => (bundle.endsWith('\n') ? bundle : `${bundle}\n`))
    .join('');
}

/**
 * The `ca` option of an outgoing request that trusts `extra` as well as everything Node trusts by
 * default: its bundled roots, `NODE_EXTRA_CA_CERTS`, and the OS store under `--use-system-ca`.
 * An explicit `ca` replaces Node's default store, so the defaults must be listed again.
 * Undefined when there is nothing extra: Node's defaults apply unchanged.
 */
export function withDefaultCas(extra: string | undefined): string[] | undefined {
  return extra === undefined || extra === '' ? undefined : [...getCACertificates('default'), extra];
}
