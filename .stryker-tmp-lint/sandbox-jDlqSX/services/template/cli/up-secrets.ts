/**
 * Secrets `cryptoutil up` makes once and reuses on every run: hash peppers and the demo client's
 * secret, each a file in `DIR/secrets/` (0600 in a 0700 directory). Like the unseal shares, they sit
 * beside the data as a development convenience; production mounts them from a secret store.
 */
// @ts-nocheck

import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, readIfPresent, writeFileAtomically } from '../tls/private-files.ts';

/** 256 bits, base64url: enough for a pepper (32 bytes) and for a HighEntropyRandom secret. */
const SECRET_BYTES = 32;

const NAME = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** Where `up` keeps its generated secrets. */
export function secretsDirectory(dataDir: string): string {
  return join(dataDir, 'secrets');
}

/** Where `up` keeps each service's admin token (`admin.token`), one file per service. */
export function adminTokensDirectory(dataDir: string): string {
  return join(dataDir, 'admin');
}

/** The secret called `name`: read when present, else created once. */
export function upSecret(dataDir: string, name: string): Promise<string> {
  return keptSecret(secretsDirectory(dataDir), name);
}

/**
 * `DIR/admin/<service>.token`: kept across runs, so a shell that read it keeps working; every
 * service has its own, since they share one dataDir under `up`.
 */
export function upAdminToken(dataDir: string, service: string): Promise<string> {
  return keptSecret(adminTokensDirectory(dataDir), `${service}.token`);
}

async function keptSecret(directory: string, name: string): Promise<string> {
  if (!NAME.test(name)) throw new Error(`not a secret name: ${name}`);
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  await chmod(directory, PRIVATE_DIRECTORY_MODE);
  const file = join(directory, name);
  const existing = await readIfPresent(file);
  if (existing !== undefined) {
    const secret = existing.trim();
    // Never quote the content.
    if (secret.length < 43) throw new UsageError(`${file} is damaged (too short); restore it from a backup`);
    return secret;
  }
  const created = randomBytes(SECRET_BYTES).toString('base64url');
  await writeFileAtomically(file, `${created}\n`, PRIVATE_FILE_MODE);
  return created;
}
