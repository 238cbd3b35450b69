/**
 * `cryptoutil <service> init`: a new unseal key, printed once as Shamir shares and then forgotten
 * (DESIGN "Barrier"). Like `vault operator init`, nothing is written anywhere: whoever runs it
 * hands the shares to their keepers.
 */
// @ts-nocheck

import { newUnsealKey } from '../barrier/index.ts';
import type { InitSplit } from './parse.ts';

/** `--json`: exactly `{"shares":[...],"threshold":T,"keyCheck":"kcv1:..."}`, for scripts that store each share. */
export function initJson(shares: readonly string[], threshold: number, keyCheck: string): string {
  return `${JSON.stringify({ shares, threshold, keyCheck })}\n`;
}

/** For a person at a terminal: the shares, and what to do with them before the screen scrolls. */
export function initText(service: string, shares: readonly string[], threshold: number, keyCheck: string): string {
  const width = String(shares.length).length;
  return [
    `New unseal key for ${service}: ${shares.length} shares, any ${threshold} of which rebuild it.`,
    '',
    ...shares.map((share, index) => `  share ${String(index + 1).padStart(width)}  ${share}`),
    '',
    `  key check  ${keyCheck}`,
    '',
    'WARNING: these shares are shown only this once and are stored nowhere. Store each share',
    `separately (a different keeper or secret store for each): anyone holding ${threshold} of them can unseal.`,
    'Apply them with barrier.shares (e.g. file:// references to mounted secrets) or one at a time',
    'through POST /admin/v1/unseal. Configure the key check value (not secret) as barrier.keyCheck:',
    'the barrier then initializes and unseals only under this key, so a forged share is refused.',
    '',
  ].join('\n');
}

/** Splits a fresh unseal key and prints the shares in the requested form. */
export async function runInit(
  command: InitSplit & { readonly service: { readonly name: string }; readonly json: boolean },
  stdout: (text: string) => void,
): Promise<void> {
  const { shares, keyCheck } = await newUnsealKey(command.shares, command.threshold);
  stdout(command.json ? initJson(shares, command.threshold, keyCheck) : initText(command.service.name, shares, command.threshold, keyCheck));
}
