/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902). Strategic merge patch is accepted for
 * built-in kinds and applied as a merge patch (lists are replaced, not merged by key).
 */
import { clone, errors, isObject, type Json } from './objects.ts';

/** RFC 7386 §2: null removes, objects merge recursively, everything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(out, key);
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

/** RFC 6901 pointer segments. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.badRequest(`invalid JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(document: Json, segments: string[]): { parent: Json; last: string } {
  let parent = document;
  for (const segment of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(parent) ? parent[Number(segment)] : isObject(parent) ? parent[segment] : undefined;
    if (next === undefined) throw errors.unprocessable(`doc is missing path: /${segments.join('/')}`);
    parent = next;
  }
  return { parent, last: segments.at(-1) ?? '' };
}

function read(document: Json, path: string): Json {
  const segments = pointer(path);
  if (segments.length === 0) return document;
  const { parent, last } = parentOf(document, segments);
  const value = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
  if (value === undefined) throw errors.unprocessable(`doc is missing path: ${path}`);
  return value;
}

function remove(document: Json, path: string): void {
  const { parent, last } = parentOf(document, pointer(path));
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent) && last in parent) Reflect.deleteProperty(parent, last);
  else throw errors.unprocessable(`doc is missing path: ${path}`);
}

function add(document: Json, path: string, value: Json): Json {
  const segments = pointer(path);
  if (segments.length === 0) return value;
  const { parent, last } = parentOf(document, segments);
  if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw errors.unprocessable(`doc is missing path: ${path}`);
  return document;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

type Step = (document: Json, operation: Operation) => Json;

const steps: Record<string, Step> = {
  add: (document, operation) => add(document, operation.path, clone(operation.value ?? null)),
  remove: (document, operation) => {
    remove(document, operation.path);
    return document;
  },
  replace: (document, operation) => {
    read(document, operation.path);
    if (pointer(operation.path).length > 0) remove(document, operation.path);
    return add(document, operation.path, clone(operation.value ?? null));
  },
  move: (document, operation) => {
    const value = read(document, operation.from ?? '');
    remove(document, operation.from ?? '');
    return add(document, operation.path, value);
  },
  copy: (document, operation) => add(document, operation.path, clone(read(document, operation.from ?? ''))),
  test: (document, operation) => {
    if (JSON.stringify(read(document, operation.path)) !== JSON.stringify(operation.value)) throw errors.unprocessable(`testing value ${operation.path} failed`);
    return document;
  },
};

/** RFC 6902: applies the operations in order; any failure leaves the object unchanged. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw errors.badRequest('a JSON patch must be an array of operations');
  let document = clone(target);
  for (const raw of operations) {
    const operation = raw as unknown as Operation;
    const step = steps[operation.op];
    if (step === undefined) throw errors.unprocessable(`unexpected op ${operation.op}`);
    document = step(document, operation);
  }
  return document;
}
