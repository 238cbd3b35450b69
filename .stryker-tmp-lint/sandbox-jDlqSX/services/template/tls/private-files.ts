/**
 * Files that hold key material: written whole or not at all (write, then rename), private keys
 * readable by the owner only (mode 0600) inside an owner-only directory (0700).
 */
// @ts-nocheck

import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors/index.ts';
import { fsReason } from '../config/problems.ts';

/** Owner read/write only, as ssh and Kubernetes Secret mounts use for keys. */
export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
export const PRIVATE_DIRECTORY_MODE = 0o700;

/** Creates `dir` (and its parents) owner-only, and tightens it if it already existed. */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    await chmod(dir, PRIVATE_DIRECTORY_MODE);
  } catch (error) {
    throw new UsageError(`cannot create the TLS directory ${dir} under dataDir: ${fsReason(error)}`);
  }
}

/** A rename is atomic on one file system: a crash leaves the old file or the new one, never half of one. */
export async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'wx' });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

/** The file's text, or undefined when it does not exist yet; any other failure is a usage error. */
export async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new UsageError(`cannot read ${path}: ${fsReason(error)}`);
  }
}
