/**
 * The state-changing admin commands: `<service> shutdown` and `<service> unseal --share-file F`.
 * Both send the admin token the running service requires, read where the service keeps it:
 * `admin.token` when configured, else `dataDir/admin.token`. No token file is a usage error (exit 2).
 */
// @ts-nocheck

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors/index.ts';
import type { TemplateConfig } from '../config/schema.ts';
import { fsReason } from '../config/problems.ts';
import { trustedCa } from '../tls/index.ts';
import { readAdminToken } from '../admin/admin-token.ts';
import { decodeShare } from '../barrier/shares.ts';
import { callAdmin, type AdminAnswer, type AdminCallOptions } from './admin-client.ts';

export interface AdminCommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** What a command succeeded or failed with: the answer's status it expects, 0 on it, 1 otherwise. */
async function postAdmin(config: TemplateConfig, path: string, expected: number, output: AdminCommandOutput, options: AdminCallOptions = {}): Promise<number> {
  const token = await readAdminToken({ token: config.admin.token, dataDir: config.dataDir });
  let answer: AdminAnswer;
  try {
    answer = await callAdmin({ address: config.admin.address, port: config.admin.port, ca: trustedCa(config), token }, 'POST', path, options);
  } catch (error) {
    output.stderr(`cryptoutil: admin endpoint not reachable: ${(error as Error).message}\n`);
    return 1;
  }
  if (answer.status === expected) {
    output.stdout(`${answer.body}\n`);
    return 0;
  }
  output.stderr(`cryptoutil: ${path} answered ${String(answer.status)}: ${answer.body}\n`);
  return 1;
}

/** `<service> shutdown`: 202 means the service took the request and is draining. */
export function runShutdown(config: TemplateConfig, output: AdminCommandOutput): Promise<number> {
  return postAdmin(config, '/admin/v1/shutdown', 202, output);
}

/** The one share a keeper's file holds (trailing newline ignored); checked here so a wrong file never leaves the host. */
export async function readShareFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --share-file ${file}: ${fsReason(error)}`);
  }
  const share = text.trim();
  try {
    decodeShare(share).fill(0);
  } catch (error) {
    // The decoder's reasons never quote the share.
    throw new UsageError(`--share-file ${file}: ${(error as Error).message}`);
  }
  return share;
}

/** `<service> unseal --share-file F`: the answer is the seal status (how many shares are still needed). */
export async function runUnseal(config: TemplateConfig, shareFile: string, output: AdminCommandOutput): Promise<number> {
  const share = await readShareFile(shareFile);
  return postAdmin(config, '/admin/v1/unseal', 200, output, { body: { share } });
}
