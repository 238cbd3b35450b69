/**
 * What every write goes through before it is stored: type and namespace checks, status
 * subresource separation, CRD pruning, defaulting, schema and CEL validation, generation and
 * resourceVersion rules.
 */
import { checkRules } from './cel.ts';
import { clone, errors, isObject, type Json, type KObject } from './objects.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { applyDefaults, prune, validate } from './schema.ts';
import { checkImmutable } from './immutable.ts';

export type Subresource = 'main' | 'status';

/** Everything but metadata and status: what a generation counts. */
function specPart(object: KObject): string {
  return JSON.stringify({ ...object, metadata: undefined, status: undefined });
}

function checkName(type: ResourceType, object: KObject): void {
  const name = object.metadata.name;
  if (name === '' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/u.test(name) || name.length > 253) {
    throw errors.invalid(type.kind, type.group, name, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` }]);
  }
}

/** CRD schema rules: prune unknown fields, default, validate structure, then CEL. */
function enforceSchema(type: ResourceType, object: KObject, old: KObject | undefined): KObject {
  if (type.schema === undefined) return object;
  const { metadata } = object;
  const body = applyDefaults(prune({ ...object, metadata: {} }, type.schema), type.schema);
  const next = { ...(body as Record<string, Json>), apiVersion: object.apiVersion, kind: object.kind, metadata } as unknown as KObject;
  const causes = validate(body, type.schema).filter((cause) => cause.field !== 'metadata');
  if (causes.length === 0) {
    const oldBody = old === undefined ? undefined : ({ ...old, metadata: {} } as unknown as Json);
    causes.push(...checkRules(body, oldBody, type.schema));
  }
  if (causes.length > 0) throw errors.invalid(type.kind, type.group, metadata.name, causes);
  return next;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/u;
// Go's encoding/json decodes []byte with base64.StdEncoding: padded, standard alphabet, nothing else.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/u;

/**
 * core/v1 Secret as the real server stores it: `stringData` is write-only and merged into `data`
 * (its keys win), `data` values must be standard base64 (else the body does not decode: 400), and
 * every key must be a valid config key (422).
 */
function admitSecret(type: ResourceType, object: KObject): void {
  if (type.group !== '' || type.kind !== 'Secret') return;
  const loose = object as unknown as Record<string, unknown>;
  const data = (isObject(loose.data) ? loose.data : {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !STD_BASE64.test(value)) throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${JSON.stringify(key)}]`);
  }
  const stringData = (isObject(loose.stringData) ? loose.stringData : {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  Reflect.deleteProperty(loose, 'stringData');
  const bad = Object.keys(data).filter((key) => !SECRET_KEY.test(key));
  if (bad.length > 0) {
    throw errors.invalid(type.kind, type.group, object.metadata.name, bad.map((key) => ({ reason: 'FieldValueInvalid', field: `data[${key}]`, message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'` })));
  }
  if (Object.keys(data).length > 0 || loose.data !== undefined) loose.data = data;
}

/** Prepares a new object for storage (after defaulting the name from generateName). */
export function admitCreate(type: ResourceType, input: KObject, namespace: string | undefined): KObject {
  const object = clone(input);
  if (object.apiVersion !== apiVersionOf(type) || object.kind !== type.kind) {
    throw errors.badRequest(`the API version in the data (${object.apiVersion}) and kind (${object.kind}) do not match ${apiVersionOf(type)} ${type.kind}`);
  }
  const metadata = isObject(object.metadata) ? object.metadata : ({} as KObject['metadata']);
  const loose = metadata as unknown as Record<string, unknown>;
  if (typeof loose.name !== 'string') metadata.name = typeof loose.generateName === 'string' ? `${loose.generateName}${Math.random().toString(36).slice(2, 7)}` : '';
  if (type.namespaced) {
    if (metadata.namespace !== undefined && namespace !== undefined && metadata.namespace !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    metadata.namespace = namespace ?? metadata.namespace;
  } else Reflect.deleteProperty(metadata, 'namespace');
  object.metadata = { ...metadata, uid: '', generation: 1, resourceVersion: '' };
  Reflect.deleteProperty(object.metadata, 'deletionTimestamp');
  // As the real server: status is not writable on create where it is a subresource.
  if (type.statusSubresource) Reflect.deleteProperty(object, 'status');
  checkName(type, object);
  admitSecret(type, object);
  return enforceSchema(type, object, undefined);
}

/** Prepares an update: status and the rest are written through different endpoints. */
export function admitUpdate(type: ResourceType, old: KObject, input: KObject, subresource: Subresource): KObject {
  const sent = clone(input);
  if (sent.metadata.resourceVersion && sent.metadata.resourceVersion !== old.metadata.resourceVersion) {
    throw errors.conflict(type.plural, type.group, old.metadata.name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  let object: KObject;
  if (subresource === 'status') {
    object = { ...clone(old), status: sent.status };
    if (sent.status === undefined) Reflect.deleteProperty(object, 'status');
  } else {
    object = { ...sent, apiVersion: old.apiVersion, kind: old.kind };
    if (type.statusSubresource) {
      if (old.status === undefined) Reflect.deleteProperty(object, 'status');
      else object.status = clone(old.status);
    }
    object.metadata = {
      ...sent.metadata,
      name: old.metadata.name,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      generation: old.metadata.generation,
      resourceVersion: old.metadata.resourceVersion,
    };
    if (type.namespaced && old.metadata.namespace !== undefined) object.metadata.namespace = old.metadata.namespace;
    if (old.metadata.deletionTimestamp === undefined) Reflect.deleteProperty(object.metadata, 'deletionTimestamp');
    else object.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
  }
  if (subresource === 'main') {
    admitSecret(type, object);
    checkImmutable(type, old, object);
  }
  const admitted = enforceSchema(type, object, old);
  if (specPart(admitted) !== specPart(old)) admitted.metadata.generation = old.metadata.generation + 1;
  return admitted;
}
