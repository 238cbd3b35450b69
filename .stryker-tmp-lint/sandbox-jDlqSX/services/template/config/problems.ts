/**
 * The wording of every configuration problem. Each names the key and where its value came from, and
 * none quotes a configured value: values may be secrets, passwords inside URLs, or file contents.
 */
// @ts-nocheck

import { UsageError } from '../errors/index.ts';

/** Where a value came from, as it reads after "from" or "in": `config file /etc/x.yml`. */
export type SourceName = string;

/** The schema's own default, and what `cryptoutil up` passes last. */
export const DEFAULT_SOURCE: SourceName = 'default';
export const OVERRIDES_SOURCE: SourceName = 'overrides';

/** A `--config` file, named by the path the user gave. */
export function fileSource(file: string): SourceName {
  return `config file ${file}`;
}

/** One environment variable: the user can see at once which variable to fix. */
export function envSource(variable: string): SourceName {
  return `environment ${variable}`;
}

function didYouMean(near: string | undefined): string {
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

/** One sentence per kind of problem, so every message of a kind reads the same. */
export const describeProblem = {
  unknownKey: (path: string, source: SourceName, near?: string) => `unknown key "${path}" in ${source}${didYouMean(near)}`,
  unknownVariable: (variable: string, near?: string) => `unknown environment variable ${variable}: no configuration key has that name${didYouMean(near)}`,
  notMapping: (path: string, source: SourceName) => `"${path}" in ${source} must be a mapping of keys`,
  invalid: (path: string, source: SourceName, reason: string) => `invalid value for "${path}" from ${source}: ${reason}`,
  rule: (path: string, source: SourceName, reason: string) => `"${path}" ${reason} (from ${source})`,
} as const;

/** The errno code of a failed file operation (`ENOENT`), which says enough without echoing paths twice. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message;
}

/** Collects every problem of one load so that a user fixes them in one pass, not one per start. */
export class Problems {
  #lines: string[] = [];

  add(line: string): void {
    this.#lines.push(line);
  }

  /** Throws one UsageError (exit code 2) listing every problem, if there is any. */
  throwIfAny(): void {
    if (this.#lines.length > 0) {
      throw new UsageError(this.#lines.join('\n'));
    }
  }
}
