/**
 * The admin token: the secret every state-changing admin request carries as a bearer token, so a
 * page in a browser on the same host (which can reach a loopback port) cannot seal, unseal or stop
 * a service. Configured as `admin.token` (a file:// reference to a secret), or else a new random
 * one written to `dataDir/admin.token` at every start; the CLI reads it from the same place.
 */
// @ts-nocheck

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { fsReason } from '../config/problems.ts';
import { mkdir } from 'node:fs/promises';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, readIfPresent, writeFileAtomically } from '../tls/private-files.ts';

/** 256 bits, base64url (43 characters). */
const TOKEN_BYTES = 32;

/** A configured token must be at least as long as a generated one is. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** Where a service keeps its generated admin token. */
export const ADMIN_TOKEN_FILE = 'admin.token';

/** What decides the token: the configured one, else the file under the data directory. */
export interface AdminTokenSource {
  /** `admin.token`; empty or absent means "use the file". */
  readonly token?: string | undefined;
  readonly dataDir: string;
}

/** `dataDir/admin.token`. */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

function checkConfigured(token: string): string {
  // Never quote the token itself.
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) throw new UsageError(`admin.token is too short (${token.length} characters, at least ${MIN_ADMIN_TOKEN_LENGTH}); use a file:// reference to a random secret`);
  return token;
}

/**
 * The token a starting service requires. Without `admin.token`, a new one replaces the file on
 * every start (0600, written then renamed): a token copied earlier stops working at the restart.
 */
export async function provisionAdminToken(source: AdminTokenSource): Promise<string> {
  const configured = source.token ?? '';
  if (configured !== '') return checkConfigured(configured);
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  try {
    // A new directory is owner-only; an existing one keeps its mode (the file itself is 0600).
    await mkdir(source.dataDir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    await writeFileAtomically(adminTokenPath(source.dataDir), `${token}\n`, PRIVATE_FILE_MODE);
  } catch (error) {
    throw new UsageError(`cannot write the admin token ${adminTokenPath(source.dataDir)}: ${fsReason(error)}`);
  }
  return token;
}

/** The token the CLI sends: the configured one, else the running service's file (exit 2 when there is none). */
export async function readAdminToken(source: AdminTokenSource): Promise<string> {
  const configured = source.token ?? '';
  if (configured !== '') return configured;
  const file = adminTokenPath(source.dataDir);
  const text = await readIfPresent(file);
  const token = text?.trim() ?? '';
  if (token === '') {
    throw new UsageError(`no admin token in ${file}: start the service with this dataDir first, or set admin.token`);
  }
  return token;
}
