/**
 * A simplified but honest server-side apply: every leaf field is owned by the managers that set
 * it (lists are atomic leaves). An apply that changes a field another manager owns is a 409
 * conflict unless forced; a field the applier stops sending is removed when no one else owns it.
 * Ownership is kept in `metadata.managedFields` as FieldsV1.
 */
import { ApiError, clone, isObject, type Json, type JsonObject, type KObject } from './objects.ts';

type Path = readonly string[];

interface Ownership {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  paths: Map<string, Path>;
}

/** Fields the server owns, never tracked or applied. */
const SERVER_FIELDS = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.resourceVersion', 'metadata.generation', 'metadata.creationTimestamp', 'metadata.deletionTimestamp', 'metadata.managedFields']);

function flatten(value: Json, prefix: Path, out: Map<string, Path>): Map<string, Path> {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, key];
      if (!SERVER_FIELDS.has(path.join('.'))) flatten(child, path, out);
    }
  } else if (prefix.length > 0) out.set(JSON.stringify(prefix), prefix);
  return out;
}

/** Leaf paths of an object, leaving out server fields (and status when it is a subresource). */
export function leaves(object: JsonObject, skipStatus: boolean): Map<string, Path> {
  const paths = flatten(object, [], new Map());
  if (skipStatus) for (const [id, path] of paths) if (path[0] === 'status') paths.delete(id);
  return paths;
}

function at(value: Json | undefined, path: Path): Json | undefined {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

function set(target: JsonObject, path: Path, value: Json): void {
  let current = target;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (!isObject(next)) current[key] = {};
    current = current[key] as JsonObject;
  }
  current[path.at(-1) ?? ''] = clone(value);
}

/** Removes a field and then the maps it leaves empty, as omitempty serialization would. */
function unset(target: JsonObject, path: Path): void {
  for (let depth = path.length; depth > 0; depth -= 1) {
    const parent = at(target, path.slice(0, depth - 1));
    const key = path[depth - 1] ?? '';
    if (!isObject(parent)) return;
    const child = parent[key];
    if (depth < path.length && !(isObject(child) && Object.keys(child).length === 0)) return;
    Reflect.deleteProperty(parent, key);
  }
}

function toFieldsV1(paths: Map<string, Path>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths.values()) {
    let node = root;
    for (const key of path) {
      const next = node[`f:${key}`];
      node[`f:${key}`] = isObject(next) ? next : {};
      node = node[`f:${key}`] as JsonObject;
    }
  }
  return root;
}

function fromFieldsV1(fields: Json | undefined, prefix: Path, out: Map<string, Path>): Map<string, Path> {
  const children = isObject(fields) ? Object.entries(fields).filter(([key]) => key.startsWith('f:')) : [];
  if (children.length === 0 && prefix.length > 0) out.set(JSON.stringify(prefix), prefix);
  for (const [key, child] of children) fromFieldsV1(child, [...prefix, key.slice(2)], out);
  return out;
}

function readOwnership(object: KObject | undefined): Ownership[] {
  return (object?.metadata.managedFields ?? []).map((entry) => ({
    manager: typeof entry.manager === 'string' ? entry.manager : '',
    operation: entry.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: typeof entry.apiVersion === 'string' ? entry.apiVersion : '',
    paths: fromFieldsV1(entry.fieldsV1 ?? undefined, [], new Map()),
  }));
}

function writeOwnership(object: KObject, owners: Ownership[]): void {
  const time = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
  object.metadata.managedFields = owners
    .filter((owner) => owner.paths.size > 0)
    .map((owner) => ({ manager: owner.manager, operation: owner.operation, apiVersion: owner.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owner.paths) }));
}

function display(path: Path): string {
  return `.${path.join('.')}`;
}

/** Server-side apply of `applied` by `manager` onto `live` (undefined when creating). */
export function serverSideApply(live: KObject | undefined, applied: KObject, manager: string, force: boolean, skipStatus: boolean): KObject {
  const owners = readOwnership(live);
  const wanted = leaves(applied as unknown as JsonObject, skipStatus);
  const conflicts: { manager: string; path: Path }[] = [];
  for (const owner of owners) {
    if (owner.manager === manager) continue;
    for (const [id, path] of wanted) {
      const differs = JSON.stringify(at(live as unknown as Json, path)) !== JSON.stringify(at(applied as unknown as Json, path));
      if (owner.paths.has(id) && differs) conflicts.push({ manager: owner.manager, path });
    }
  }
  if (conflicts.length > 0 && !force) {
    const list = conflicts.map((conflict) => `conflict with "${conflict.manager}": ${display(conflict.path)}`);
    throw new ApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${list.join(', ')}`, {
      causes: conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with "${conflict.manager}"`, field: display(conflict.path) })),
    });
  }
  for (const owner of owners) if (owner.manager !== manager) for (const id of wanted.keys()) owner.paths.delete(id);
  const result = clone(live ?? applied) as unknown as JsonObject;
  const mine = owners.find((owner) => owner.manager === manager && owner.operation === 'Apply');
  for (const [id, path] of mine?.paths ?? []) {
    const ownedElsewhere = owners.some((owner) => owner !== mine && owner.paths.has(id));
    if (!wanted.has(id) && !ownedElsewhere) unset(result, path);
  }
  for (const path of wanted.values()) set(result, path, at(applied as unknown as Json, path) ?? null);
  const next = owners.filter((owner) => owner !== mine);
  next.push({ manager, operation: 'Apply', apiVersion: applied.apiVersion, paths: wanted });
  const object = result as unknown as KObject;
  writeOwnership(object, next);
  return object;
}

/** After a create, update or patch: the writer takes the fields it changed from everyone else. */
export function recordUpdate(before: KObject | undefined, after: KObject, manager: string): void {
  const owners = readOwnership(before);
  const oldLeaves = before === undefined ? new Map<string, Path>() : leaves(before as unknown as JsonObject, false);
  const newLeaves = leaves(after as unknown as JsonObject, false);
  const changed = new Map<string, Path>();
  for (const [id, path] of newLeaves) {
    if (JSON.stringify(at(before as unknown as Json, path)) !== JSON.stringify(at(after as unknown as Json, path))) changed.set(id, path);
  }
  for (const owner of owners) {
    for (const id of [...owner.paths.keys()]) if (changed.has(id) || !newLeaves.has(id) || oldLeaves.get(id) === undefined) owner.paths.delete(id);
  }
  let mine = owners.find((owner) => owner.manager === manager && owner.operation === 'Update');
  if (mine === undefined) {
    mine = { manager, operation: 'Update', apiVersion: after.apiVersion, paths: new Map() };
    owners.push(mine);
  }
  for (const [id, path] of changed) mine.paths.set(id, path);
  writeOwnership(after, owners);
}
