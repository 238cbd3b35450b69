/**
 * The Kubernetes protobuf encoding, as far as kubectl and helm use it to write: `kubectl create
 * configmap` and `kubectl create secret` send `application/vnd.kubernetes.protobuf` (the typed client's
 * default for built-in kinds) and accept JSON back; `helm uninstall` deletes its release Secrets with
 * protobuf DeleteOptions. kube-sim decodes those kinds (and Namespace) to JSON and refuses anything
 * else with 415 rather than guessing; its answers are always JSON.
 *
 * Layout (k8s.io/apimachinery runtime/serializer/protobuf): the magic `k8s\0`, then a runtime.Unknown
 * {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}, where `raw` is the
 * object's own message (k8s.io/api core/v1 generated.proto).
 */
import { ApiError, errors, type JsonObject } from './objects.ts';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  readonly number: number;
  /** Varint value, or undefined for length-delimited and fixed fields. */
  readonly varint?: bigint;
  /** Bytes of a length-delimited field. */
  readonly bytes?: Buffer;
}

function unsupported(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `kube-sim decodes ${PROTOBUF} only for v1 ConfigMap, Secret and Namespace (what kubectl create configmap|secret|namespace sends) and DeleteOptions (what helm deletes with); ${message}; send application/json instead`);
}

/** Splits one message into its fields, in order. */
function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset];
      if (byte === undefined) throw errors.badRequest('truncated protobuf message');
      offset += 1;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ number, varint: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      if (offset + length > buffer.length) throw errors.badRequest('truncated protobuf message');
      out.push({ number, bytes: buffer.subarray(offset, offset + length) });
      offset += length;
    } else if (wire === 1 || wire === 5) {
      offset += wire === 1 ? 8 : 4;
      out.push({ number });
    } else throw errors.badRequest(`protobuf wire type ${String(wire)} is not supported`);
  }
  return out;
}

function text(field: Field): string {
  return (field.bytes ?? Buffer.alloc(0)).toString('utf8');
}

/**
 * True for a field that carries its zero value: gogo-protobuf writes every non-pointer field, so an
 * unset string is an empty one and an unset struct is a message whose fields are all zero.
 */
function empty(field: Field): boolean {
  if (field.varint === 0n || field.bytes?.length === 0) return true;
  if (field.bytes === undefined) return false;
  try {
    const inner = fields(field.bytes);
    return inner.length > 0 && inner.every(empty);
  } catch {
    return false;
  }
}

/** A map entry {1 key, 2 value}; `binary` values become base64, as JSON carries `[]byte`. */
function entry(field: Field, binary: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const part of fields(field.bytes ?? Buffer.alloc(0))) {
    if (part.number === 1) key = text(part);
    if (part.number === 2) value = binary ? (part.bytes ?? Buffer.alloc(0)).toString('base64') : text(part);
  }
  return [key, value];
}

function addEntry(target: JsonObject, name: string, pair: [string, string]): void {
  const map = (target[name] ?? {}) as JsonObject;
  map[pair[0]] = pair[1];
  target[name] = map;
}

/** ObjectMeta: the fields a client sets on create; server-set fields must be empty. */
function objectMeta(buffer: Buffer): JsonObject {
  const meta: JsonObject = {};
  const names: Record<number, string> = { 1: 'name', 2: 'generateName', 3: 'namespace' };
  for (const field of fields(buffer)) {
    const name = names[field.number];
    if (name !== undefined) {
      if (!empty(field)) meta[name] = text(field);
    } else if (field.number === 11) addEntry(meta, 'labels', entry(field, false));
    else if (field.number === 12) addEntry(meta, 'annotations', entry(field, false));
    else if (field.number === 14) meta.finalizers = [...((meta.finalizers ?? []) as string[]), text(field)];
    else if (!empty(field)) throw unsupported(`metadata field ${String(field.number)} is not decoded`);
  }
  return meta;
}

/** One kind's message: field number → how it lands in JSON. */
type Decoder = Readonly<Record<number, (object: JsonObject, field: Field) => void>>;

const DECODERS: Readonly<Record<string, Decoder>> = {
  // kubectl create namespace: spec and status stay empty on create.
  Namespace: {
    1: (object, field) => { object.metadata = objectMeta(field.bytes ?? Buffer.alloc(0)); },
  },
  ConfigMap: {
    1: (object, field) => { object.metadata = objectMeta(field.bytes ?? Buffer.alloc(0)); },
    2: (object, field) => { addEntry(object, 'data', entry(field, false)); },
    3: (object, field) => { addEntry(object, 'binaryData', entry(field, true)); },
    4: (object, field) => { object.immutable = field.varint === 1n; },
  },
  Secret: {
    1: (object, field) => { object.metadata = objectMeta(field.bytes ?? Buffer.alloc(0)); },
    2: (object, field) => { addEntry(object, 'data', entry(field, true)); },
    3: (object, field) => { if (!empty(field)) object.type = text(field); },
    4: (object, field) => { addEntry(object, 'stringData', entry(field, false)); },
    5: (object, field) => { object.immutable = field.varint === 1n; },
  },
};

/** The JSON object a protobuf request body stands for; 415 for anything but v1 ConfigMap, Secret and Namespace. */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) throw errors.badRequest('the protobuf body lacks the k8s\\0 prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const field of fields(body.subarray(MAGIC.length))) {
    if (field.number === 1) {
      for (const part of fields(field.bytes ?? Buffer.alloc(0))) {
        if (part.number === 1) apiVersion = text(part);
        if (part.number === 2) kind = text(part);
      }
    }
    if (field.number === 2) raw = field.bytes ?? Buffer.alloc(0);
    if (field.number === 3 && !empty(field)) throw unsupported(`content encoding ${text(field)} is not supported`);
  }
  if (kind === 'DeleteOptions' && (apiVersion === 'v1' || apiVersion === 'meta.k8s.io/v1')) return deleteOptions(raw, apiVersion);
  const decoder = apiVersion === 'v1' && Object.hasOwn(DECODERS, kind) ? DECODERS[kind] : undefined;
  if (decoder === undefined) throw unsupported(`got ${apiVersion === '' ? '' : `${apiVersion} `}${kind === '' ? 'an unnamed kind' : kind}`);
  const object: JsonObject = { apiVersion, kind };
  for (const field of fields(raw)) {
    const decode = decoder[field.number];
    if (decode !== undefined) decode(object, field);
    else if (!empty(field)) throw unsupported(`${kind} field ${String(field.number)} is not decoded`);
  }
  return object;
}

/**
 * metav1.DeleteOptions {1 gracePeriodSeconds, 2 preconditions {1 uid, 2 resourceVersion},
 * 3 orphanDependents, 4 propagationPolicy, 5 dryRun, 6 ignoreStoreReadErrorWithClusterBreakingPotential}.
 */
function deleteOptions(raw: Buffer, apiVersion: string): JsonObject {
  const options: JsonObject = { apiVersion, kind: 'DeleteOptions' };
  const dryRun: string[] = [];
  for (const field of fields(raw)) {
    if (field.number === 1) options.gracePeriodSeconds = Number(field.varint ?? 0n);
    else if (field.number === 2) {
      const preconditions: JsonObject = {};
      for (const part of fields(field.bytes ?? Buffer.alloc(0))) {
        if (part.number === 1) preconditions.uid = text(part);
        if (part.number === 2) preconditions.resourceVersion = text(part);
      }
      options.preconditions = preconditions;
    } else if (field.number === 3) options.orphanDependents = field.varint === 1n;
    else if (field.number === 4) options.propagationPolicy = text(field);
    else if (field.number === 5) dryRun.push(text(field));
    else if (!empty(field)) throw unsupported(`DeleteOptions field ${String(field.number)} is not decoded`);
  }
  if (dryRun.length > 0) options.dryRun = dryRun;
  return options;
}
