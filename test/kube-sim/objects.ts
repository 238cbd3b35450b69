/**
 * The JSON shapes kube-sim handles: loose Kubernetes objects and the Status errors the real API
 * server answers with.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Metadata {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: JsonObject[];
}

/** A stored object. Everything but metadata stays loose JSON. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [key: string]: unknown;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A cause inside a Status, as metav1.StatusCause. */
export interface Cause {
  reason: string;
  message: string;
  field?: string;
}

/** An API error carrying the Kubernetes Status the response body holds. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: JsonObject | undefined;
  constructor(code: number, reason: string, message: string, details?: JsonObject) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The metav1.Status body. */
  status(): JsonObject {
    const body: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

function target(kind: string, group: string, name: string): JsonObject {
  return { name, group, kind };
}

function qualified(plural: string, group: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export const errors = {
  notFound: (plural: string, group: string, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(plural, group)} "${name}" not found`, target(plural, group, name)),
  alreadyExists: (plural: string, group: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(plural, group)} "${name}" already exists`, target(plural, group, name)),
  conflict: (plural: string, group: string, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": ${why}`, target(plural, group, name)),
  invalid: (kind: string, group: string, name: string, causes: Cause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${kind}${group === '' ? '' : `.${group}`} "${name}" is invalid: ${causes.map((cause) => `${cause.field ?? ''}: ${cause.message}`).join(', ')}`,
      { ...target(kind, group, name), causes: causes.map((cause) => ({ ...cause })) },
    ),
  unprocessable: (message: string) => new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  methodNotAllowed: () => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  notAcceptable: (accept: string) => new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (asked for ${accept})`),
  unsupportedMediaType: (type: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${type})`),
};
