/**
 * DNS names and the patterns profiles write for them. A pattern is `host.example.com` (that name),
 * `*.example.com` (exactly one label before `example.com`), `**.example.com` (one or more labels) or
 * `**` (any name). Comparison ignores case (RFC 4343).
 */

// RFC 1123 §2.1 host labels: letters, digits and inner hyphens, 1 to 63 characters.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;

/** The name is a host name a certificate may carry; a leftmost `*` label (a wildcard) is accepted. */
export function isDnsName(name: string): boolean {
  if (name.length > MAX_NAME_LENGTH) return false;
  const labels = name.toLowerCase().split('.');
  return labels.every((label, index) => LABEL.test(label) || (index === 0 && label === '*' && labels.length > 1));
}

/** The name's leftmost label is `*` (RFC 6125 §6.4.3 wildcard). */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*.');
}

/** How a pattern's first label matches, given how many labels (always at least one) the name has before the pattern's rest. */
const heads: ReadonlyMap<string, (count: number) => boolean> = new Map<string, (count: number) => boolean>([
  ['*', (count) => count === 1],
  ['**', () => true],
]);

/** The name matches the pattern (both as written in a profile: see the module comment). */
export function matchesDnsPattern(pattern: string, name: string): boolean {
  const lowerPattern = pattern.toLowerCase();
  const lowerName = name.toLowerCase();
  if (lowerPattern === '**') return true;
  const [head, ...rest] = lowerPattern.split('.');
  const headMatch = heads.get(String(head));
  if (headMatch === undefined) return lowerPattern === lowerName;
  const suffix = `.${rest.join('.')}`;
  if (!lowerName.endsWith(suffix)) return false;
  const before = lowerName.slice(0, -suffix.length);
  return before !== '' && headMatch(before.split('.').length);
}

/** The first pattern the name matches, or `undefined`. */
export function firstMatchingPattern(patterns: readonly string[], name: string): string | undefined {
  return patterns.find((pattern) => matchesDnsPattern(pattern, name));
}
