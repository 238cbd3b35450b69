/**
 * The local development CA of auto mode: one ECDSA P-256 root under `<dataDir>/tls`, created on
 * first use and reused by every later start and by every service sharing the data directory
 * (`cryptoutil up` runs the whole suite under one root).
 */
// @ts-nocheck

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { x509 } from './x509.ts';
import { exclusive } from './exclusive.ts';
import type { ClockOptions } from './issuing.ts';
import { EC_P256, RENEW_WITHIN_MS, selfSignedServerCa, systemClock, tlsDirectory } from './issuing.ts';
import { PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, ensurePrivateDirectory, readIfPresent, writeFileAtomically } from './private-files.ts';

/** Says plainly what the root is, in every certificate viewer that shows it. */
export const LOCAL_CA_SUBJECT = 'CN=cryptoutil local development CA';
const LOCAL_CA_DAYS = 3650;

/** The local root, loaded: enough to issue server certificates and to tell clients what to trust. */
export interface LocalCa {
  /** `<dataDir>/tls/ca.crt`: what clients trust (`credentials.json` `ca_file`). */
  readonly certFile: string;
  /** The CA certificate, PEM. */
  readonly cert: string;
  readonly certificate: x509.X509Certificate;
  /** Sign-only and not extractable: in memory it can issue certificates and nothing else. */
  readonly privateKey: webcrypto.CryptoKey;
}

interface CaFiles {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

async function createLocalCa(files: CaFiles, now: Date): Promise<LocalCa> {
  const { cert, key } = await selfSignedServerCa(LOCAL_CA_SUBJECT, LOCAL_CA_DAYS, now);
  const certificate = new x509.X509Certificate(cert);
  // Key first: a crash in between leaves no certificate without its key.
  await writeFileAtomically(files.keyFile, key, PRIVATE_FILE_MODE);
  await writeFileAtomically(files.certFile, cert, PUBLIC_FILE_MODE);
  const privateKey = createPrivateKey(key).toCryptoKey(EC_P256, false, ['sign']);
  return { certFile: files.certFile, cert, certificate, privateKey };
}

/** An existing CA is trusted material: anything wrong with it stops start-up instead of being replaced. */
function parseLocalCa(files: CaFiles, cert: string, key: string): LocalCa {
  try {
    const keyObject = createPrivateKey(key);
    if (!new X509Certificate(cert).checkPrivateKey(keyObject)) {
      throw new Error('key does not match');
    }
    const privateKey = keyObject.toCryptoKey(EC_P256, false, ['sign']);
    return { certFile: files.certFile, cert, certificate: new x509.X509Certificate(cert), privateKey };
  } catch {
    throw new UsageError(
      `the local CA in ${files.dir} is unusable (unreadable, or ca.key does not match ca.crt): remove ca.crt and ca.key to create a new one`,
    );
  }
}

/**
 * The local CA under `<dataDir>/tls` (`ca.crt`, `ca.key` mode 0600, directory 0700): created when
 * either file is missing or the CA has less than 30 days left, otherwise reused as it is.
 */
export async function ensureLocalCa(dataDir: string, options: ClockOptions = {}): Promise<LocalCa> {
  const dir = tlsDirectory(dataDir);
  const files: CaFiles = { dir, certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  return exclusive(dir, async () => {
    await ensurePrivateDirectory(dir);
    const now = (options.now ?? systemClock)();
    const [cert, key] = await Promise.all([readIfPresent(files.certFile), readIfPresent(files.keyFile)]);
    if (cert !== undefined && key !== undefined) {
      const ca = parseLocalCa(files, cert, key);
      if (ca.certificate.notAfter.getTime() - now.getTime() >= RENEW_WITHIN_MS) {
        await chmod(files.keyFile, PRIVATE_FILE_MODE);
        return ca;
      }
    }
    return createLocalCa(files, now);
  });
}
