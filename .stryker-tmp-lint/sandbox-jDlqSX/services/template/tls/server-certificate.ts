/**
 * One server certificate per service under `<dataDir>/tls/<baseName>.crt|.key`, issued by the local
 * CA for the configured names. Reused across restarts while it still fits; reissued (with a new key)
 * as soon as it does not.
 */
// @ts-nocheck

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { isHostName } from '../config/network.ts';
import { exclusive } from './exclusive.ts';
import type { ClockOptions } from './issuing.ts';
import { RENEW_WITHIN_MS, signServerCertificate, systemClock, tlsDirectory } from './issuing.ts';
import type { LocalCa } from './local-ca.ts';
import { PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, ensurePrivateDirectory, readIfPresent, writeFileAtomically } from './private-files.ts';
import type { TlsMaterial } from './server-options.ts';

const SERVER_CERTIFICATE_DAYS = 365;
// A plain file name that cannot escape the directory or collide with the CA's own files.
const BASE_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

function checkNames(names: readonly string[]): void {
  if (names.length === 0) {
    throw new UsageError('"tls.names" must list at least one DNS name or IP address');
  }
  const bad = names.findIndex((name) => !isHostName(name));
  if (bad >= 0) {
    throw new UsageError(`"tls.names" entry ${bad + 1} must be a DNS name or an IP address`);
  }
}

/** RFC 6125 §6.4.4 / RFC 5280 §4.2.1.6: names go in subjectAltName, IP addresses as iPAddress entries. */
function covers(certificate: X509Certificate, name: string): boolean {
  const match = isIP(name) === 0 ? certificate.checkHost(name, { subject: 'never' }) : certificate.checkIP(name);
  return match !== undefined;
}

/** Still good for this CA, these names, and at least 30 more days; anything unreadable is not. */
function reusable(cert: string, key: string, ca: LocalCa, names: readonly string[], now: Date): boolean {
  try {
    const certificate = new X509Certificate(cert);
    const issuer = new X509Certificate(ca.cert);
    return (
      certificate.checkPrivateKey(createPrivateKey(key)) &&
      certificate.checkIssued(issuer) &&
      certificate.verify(issuer.publicKey) &&
      certificate.validFromDate.getTime() <= now.getTime() &&
      certificate.validToDate.getTime() - now.getTime() >= RENEW_WITHIN_MS &&
      names.every((name) => covers(certificate, name))
    );
  } catch {
    return false;
  }
}

async function issue(ca: LocalCa, baseName: string, names: readonly string[], now: Date): Promise<TlsMaterial> {
  const { cert, key } = await signServerCertificate(ca, baseName, names, SERVER_CERTIFICATE_DAYS, now);
  return { cert, key, ca: ca.cert };
}

/**
 * The server certificate `<baseName>.crt` and key `<baseName>.key` (mode 0600) for `names`, issued by
 * `ca`. Reused when issued by this CA, covering every name and valid for 30 more days; else reissued.
 */
export async function ensureServerCertificate(
  ca: LocalCa,
  dataDir: string,
  baseName: string,
  names: readonly string[],
  options: ClockOptions = {},
): Promise<TlsMaterial> {
  if (!BASE_NAME.test(baseName) || baseName === 'ca') {
    throw new Error(`"${baseName}" cannot name a server certificate file`);
  }
  checkNames(names);
  const dir = tlsDirectory(dataDir);
  const certFile = join(dir, `${baseName}.crt`);
  const keyFile = join(dir, `${baseName}.key`);
  return exclusive(dir, async () => {
    await ensurePrivateDirectory(dir);
    const now = (options.now ?? systemClock)();
    const [cert, key] = await Promise.all([readIfPresent(certFile), readIfPresent(keyFile)]);
    if (cert !== undefined && key !== undefined && reusable(cert, key, ca, names, now)) {
      await chmod(keyFile, PRIVATE_FILE_MODE);
      return { cert, key, ca: ca.cert };
    }
    const material = await issue(ca, baseName, names, now);
    await writeFileAtomically(keyFile, material.key, PRIVATE_FILE_MODE);
    await writeFileAtomically(certFile, material.cert, PUBLIC_FILE_MODE);
    return material;
  });
}
