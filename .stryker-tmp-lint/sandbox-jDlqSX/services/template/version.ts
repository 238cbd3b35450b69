/**
 * The release version, read once from the package manifest. Source runs and the built `dist/`
 * sit at different depths, so the manifest is found by walking up from this file.
 */
// @ts-nocheck

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `start` to the first package.json named `cryptoutil`; '0.0.0' when none is found. */
export function findVersion(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'cryptoutil' && typeof manifest.version === 'string') {
        return manifest.version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return '0.0.0';
    }
    dir = parent;
  }
}

export const version: string = findVersion();
