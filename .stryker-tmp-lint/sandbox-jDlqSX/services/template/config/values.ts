/**
 * Turns a raw setting into the value convict validates: comma lists become arrays, `file://`
 * references become the referenced file's content, and numeric or boolean strings become numbers
 * and booleans. Parsing is strict: `80x` is not a port, `yes` is not a boolean.
 */
// @ts-nocheck

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ValueKind } from './keys.ts';
import type { Problems } from './problems.ts';
import { describeProblem, fsReason } from './problems.ts';
import type { Setting } from './sources.ts';

const FILE_REFERENCE = 'file://';

interface ScalarParser {
  readonly parse: (text: string) => number | boolean | undefined;
  readonly expected: string;
}

const BOOLEANS: Readonly<Record<string, boolean | undefined>> = { true: true, false: false };

const SCALAR_PARSERS: Readonly<Partial<Record<ValueKind, ScalarParser>>> = {
  integer: { parse: (text) => (/^[+-]?\d+$/.test(text) ? Number(text) : undefined), expected: 'must be an integer' },
  number: {
    parse: (text) => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined),
    expected: 'must be a number',
  },
  boolean: { parse: (text) => BOOLEANS[text.toLowerCase()], expected: 'must be true or false' },
};

/** Environment arrays are comma-separated (DESIGN "Configuration"); blanks around commas are dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Sentinel for a setting that produced a problem and has no usable value. */
export const UNUSABLE: unique symbol = Symbol('unusable config value');

/**
 * `file:///abs/path` → the file's content without its trailing newline (Kubernetes and Docker
 * mount secrets as files; `echo` and editors add the newline).
 */
function resolveReference(text: string, setting: Setting, problems: Problems): string | typeof UNUSABLE {
  if (!text.startsWith(FILE_REFERENCE)) {
    return text;
  }
  let file: string;
  try {
    file = fileURLToPath(text);
  } catch {
    problems.add(describeProblem.invalid(setting.key.path, setting.source, 'a file reference must be file:///absolute/path'));
    return UNUSABLE;
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.add(`cannot read ${file} referenced by "${setting.key.path}" from ${setting.source}: ${fsReason(error)}`);
    return UNUSABLE;
  }
}

function resolveReferences(value: unknown, setting: Setting, problems: Problems): unknown {
  if (typeof value === 'string') {
    return resolveReference(value, setting, problems);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = value.map((item: unknown) => resolveReferences(item, setting, problems));
    return items.includes(UNUSABLE) ? UNUSABLE : items;
  }
  return value;
}

/** The value convict should see for this setting, or UNUSABLE after recording why. */
export function settle(setting: Setting, problems: Problems): unknown {
  const { kind } = setting.key;
  const listed = kind === 'list' && typeof setting.raw === 'string' ? splitList(setting.raw) : setting.raw;
  const value = resolveReferences(listed, setting, problems);
  const parser = SCALAR_PARSERS[kind];
  if (typeof value !== 'string' || parser === undefined) {
    return value;
  }
  const parsed = parser.parse(value);
  if (parsed === undefined) {
    problems.add(describeProblem.invalid(setting.key.path, setting.source, parser.expected));
    return UNUSABLE;
  }
  return parsed;
}
