/**
 * Reads a nested field of a plain object by a dotted path (`spec.template.spec.containers.0.image`),
 * so tests can assert on untyped Kubernetes bodies without unsafe member access.
 */
export function dig(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** `dig` for a list, each item read at `itemPath` (empty: the item itself). */
export function digAll(value: unknown, path: string, itemPath = ''): unknown[] {
  const list = dig(value, path);
  if (!Array.isArray(list)) {
    return [];
  }
  return list.map((item: unknown) => (itemPath === '' ? item : dig(item, itemPath)));
}
