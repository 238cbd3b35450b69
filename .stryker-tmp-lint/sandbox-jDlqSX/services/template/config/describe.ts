/**
 * `--help` text and `docs/configuration.md` tables, generated from the same schema that loading
 * validates, so the documentation cannot drift from the code (STYLE "Configuration").
 */
// @ts-nocheck

import type { Schema } from 'convict';
import type { ConfigKey } from './keys.ts';
import { ConfigKeys, formatName } from './keys.ts';

const TYPE_LABELS: Readonly<Record<string, string | undefined>> = {
  int: 'integer',
  integer: 'integer',
  nat: 'integer ≥ 0',
  port: 'port',
  Number: 'number',
  Boolean: 'true | false',
  Array: 'list',
  String: 'string',
  Object: 'object',
  '*': 'any',
};

/** What values a key takes, in words: `port`, `list`, `auto | files`. */
export function typeLabel(key: ConfigKey): string {
  const format: unknown = key.spec.format;
  if (Array.isArray(format)) {
    return format.map(String).join(' | ');
  }
  const name = formatName(key.spec);
  if (name !== undefined) {
    return TYPE_LABELS[name] ?? name;
  }
  return typeof format === 'function' ? 'custom' : 'any';
}

/** The default as it would be written in YAML; never the default of a sensitive key. */
export function defaultLabel(key: ConfigKey): string {
  if (key.sensitive) {
    return '<sensitive>';
  }
  return key.spec.default === null ? '(required)' : JSON.stringify(key.spec.default);
}

function docOf(key: ConfigKey): string {
  return (key.spec.doc ?? '').replace(/\s+/g, ' ').trim();
}

const HELP_PREAMBLE = [
  'Configuration keys. Sources, later wins: defaults, each --config YAML file in order, CRYPTOUTIL_* environment variables.',
  'Lists in the environment are comma-separated. A value file:///abs/path is replaced by that file\'s content.',
];

/** Plain-text listing of every key for `cryptoutil <service> start --help`. */
export function describeConfig(schema: Schema<object>): string {
  const blocks = new ConfigKeys(schema).list.map((key) =>
    [`  ${key.path} (${typeLabel(key)}, default ${defaultLabel(key)})`, `      ${key.envName}`, `      ${docOf(key)}`].join('\n'),
  );
  return [...HELP_PREAMBLE, '', ...blocks, ''].join('\n');
}

// GitHub-flavoured Markdown: a pipe inside a table cell, even in a code span, must be escaped.
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The same listing as a Markdown table, the body of `docs/configuration.md`. */
export function configMarkdown(schema: Schema<object>): string {
  const rows = new ConfigKeys(schema).list.map(
    (key) =>
      `| \`${key.path}\` | \`${key.envName}\` | ${cell(typeLabel(key))} | \`${cell(defaultLabel(key))}\` | ${cell(docOf(key))} |`,
  );
  return ['| Key | Environment variable | Type | Default | Description |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
