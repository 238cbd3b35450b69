/**
 * `cryptoutil up` keeps each barrier service's unseal shares in `DIR/unseal/<service>.json`, so a
 * laptop suite starts unsealed on every run. A development convenience only: it puts the shares
 * beside the data they protect, which production never does (`init` prints them instead).
 */
// @ts-nocheck

import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { keyCheckOfShares, newUnsealKey } from '../barrier/index.ts';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, readIfPresent, writeFileAtomically } from '../tls/private-files.ts';
import { INIT_DEFAULTS } from './parse.ts';

/** The file's content: what `init --json` prints. */
export interface UnsealFile {
  readonly shares: readonly string[];
  readonly threshold: number;
  readonly keyCheck: string;
}

/** Where `up` keeps the shares of every barrier service of one data directory. */
export function unsealDirectory(dataDir: string): string {
  return join(dataDir, 'unseal');
}

function isUnsealFile(value: unknown): value is Omit<UnsealFile, 'keyCheck'> & { readonly keyCheck?: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { shares, threshold, keyCheck } = value as Record<string, unknown>;
  return Array.isArray(shares) && shares.every((share) => typeof share === 'string')
    && Number.isInteger(threshold) && (threshold as number) >= 1 && (threshold as number) <= shares.length
    && (keyCheck === undefined || typeof keyCheck === 'string');
}

async function parseUnsealFile(text: string, file: string): Promise<UnsealFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // Never quote the content: it is key material.
  if (!isUnsealFile(parsed)) throw new UsageError(`${file} is not {"shares":[...],"threshold":T}; restore it from a backup`);
  // A file from before key check values: `up` holds every share, so it can name the key itself.
  const keyCheck = parsed.keyCheck ?? await keyCheckOfShares(parsed.shares).catch(() => {
    throw new UsageError(`${file} holds shares that rebuild no unseal key; restore it from a backup`);
  });
  return { shares: parsed.shares, threshold: parsed.threshold, keyCheck };
}

/**
 * The service's shares: read when present, else created once (mode 0600 in a 0700 directory) and
 * reused by every later run. A damaged file stops `up` rather than being replaced: a new key could
 * never open the barrier the old one initialized.
 */
export async function upUnsealShares(dataDir: string, service: string): Promise<UnsealFile> {
  const directory = unsealDirectory(dataDir);
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  await chmod(directory, PRIVATE_DIRECTORY_MODE);
  const file = join(directory, `${service}.json`);
  const existing = await readIfPresent(file);
  if (existing !== undefined) return parseUnsealFile(existing, file);
  const { shares, keyCheck } = await newUnsealKey(INIT_DEFAULTS.shares, INIT_DEFAULTS.threshold);
  const created: UnsealFile = { shares, threshold: INIT_DEFAULTS.threshold, keyCheck };
  await writeFileAtomically(file, `${JSON.stringify(created)}\n`, PRIVATE_FILE_MODE);
  return created;
}
