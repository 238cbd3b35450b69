/**
 * Checks one key's value against the format its schema declares, using convict's own validation so
 * that predefined formats, enums and custom format functions behave exactly as convict defines them.
 * One key at a time is what lets the message name the source of that key's value.
 */
import convict from 'convict';
import type { ConfigKey } from './keys.ts';

/** Convict must not read `process.env` or `process.argv` itself: loadConfig passes every source. */
export const NO_AMBIENT_SOURCES: convict.Options = { env: {}, args: [] };

const HIDDEN_REASON = 'does not have the required format (value not shown: sensitive key)';

function textsOf(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(textsOf);
  }
  return ['string', 'number', 'boolean'].includes(typeof value) ? [String(value)] : [];
}

/** A custom format function may quote the value it rejects; a sensitive key must not show it. */
function revealsValue(reason: string, value: unknown): boolean {
  return textsOf(value).some((text) => text !== '' && reason.includes(text));
}

function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `value` does not fit `key`'s format, or undefined when it fits. */
export function formatReason(key: ConfigKey, value: unknown): string | undefined {
  // Convict only takes a mapping for a key whose default is an object; elsewhere it would read the
  // mapping as undeclared child keys and report them confusingly.
  const takesMapping = typeof key.spec.default === 'object' && !Array.isArray(key.spec.default);
  if (isMapping(value) && !takesMapping) {
    return 'must be a single value or a list, not a mapping of keys';
  }
  // Marked sensitive so convict never appends "value was ..." to its message.
  const probe = convict<{ value: unknown }>({ value: { ...key.spec, sensitive: true } }, NO_AMBIENT_SOURCES);
  try {
    // `set` parses some formats itself (JSON for object defaults) and throws on what it cannot read.
    probe.set('value', value);
    probe.validate({ allowed: 'strict' });
    return undefined;
  } catch (error) {
    const message = (error as Error).message.replace(/^value: /, '');
    const reason = error instanceof SyntaxError ? `is not valid JSON (${message})` : message;
    return key.sensitive && revealsValue(reason, value) ? HIDDEN_REASON : reason;
  }
}
