/**
 * TLS material for tests that open real sockets: a throw-away local CA and a server certificate
 * for localhost, 127.0.0.1 and ::1, made by the template's own TLS module.
 */
// @ts-nocheck

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCa, ensureServerCertificate, type TlsMaterial } from '../tls/index.ts';

/** A fresh data directory with its CA and a `test` server certificate. */
export async function testTlsMaterial(): Promise<TlsMaterial & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-tls-'));
  const ca = await ensureLocalCa(dataDir);
  const material = await ensureServerCertificate(ca, dataDir, 'test', ['localhost', '127.0.0.1', '::1']);
  return { ...material, dataDir };
}
