/**
 * The slice of the Kubernetes API the controllers use. Small on purpose: the reconcile loop is tested
 * against an in-memory implementation and runs against the real API server through kube/client.ts.
 */
import { errorClass } from '../../services/template/middleware/problem-details.ts';
import type { KubeObject, ObjectRef } from '../resources/types.ts';

/** The longest server message kept: enough for a validation error, not a whole echoed object. */
const MESSAGE_LIMIT = 1_024;

/** The `message` of a metav1.Status body, or undefined when the body is not one. */
function statusMessage(body: string | undefined): string | undefined {
  if (body === undefined || body === '') return undefined;
  try {
    const status = JSON.parse(body) as { kind?: unknown; message?: unknown };
    if (status.kind !== 'Status' || typeof status.message !== 'string' || status.message === '') return undefined;
    return status.message.length > MESSAGE_LIMIT ? `${status.message.slice(0, MESSAGE_LIMIT)}…` : status.message;
  } catch {
    return undefined;
  }
}

/**
 * An API answer that is not a success: the status and the server's own words (the `message` of the
 * metav1.Status body, so Degraded says what the API server said); never the rest of the body.
 */
export class KubeApiError extends Error {
  readonly status: number;
  /** The Status message, when the server sent one. */
  readonly serverMessage: string | undefined;

  constructor(method: string, path: string, status: number, body?: string) {
    const serverMessage = statusMessage(body);
    super(`${method} ${path} answered ${String(status)}${serverMessage === undefined ? '' : `: ${serverMessage}`}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/** Network failures that a retry may cure, as Node names them. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A failure of the API server rather than of the request: 429, a 5xx, a timeout or a dropped
 * connection. It says nothing about the resource, so it must not flip its conditions.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.status === 429 || error.status >= 500;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.name === 'TimeoutError' || error.name === 'AbortError' || (typeof code === 'string' && TRANSIENT_CODES.has(code));
}

/** What may be logged about a failure: API errors say method, path and status; anything else only its class. */
export function describeError(error: unknown): string {
  return error instanceof KubeApiError ? error.message : errorClass(error);
}

/** An Event about a resource (events.k8s.io/v1): what users see in `kubectl describe`. */
export interface KubeEvent {
  readonly regarding: ObjectRef & { readonly uid: string };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

export interface KubeApi {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Server-side apply under the operator's field manager, forcing conflicts with other managers. */
  apply(object: KubeObject): Promise<KubeObject>;
  /** Server-side apply of the status subresource. */
  applyStatus(object: KubeObject): Promise<KubeObject>;
  /** Creates the object; resolves false when it already exists (409), so create-once never overwrites. */
  create(object: KubeObject): Promise<boolean>;
  /**
   * Replaces the object if it still has the `metadata.resourceVersion` it carries (optimistic
   * concurrency); resolves false on a conflict (409) so the caller re-reads and decides again.
   */
  update(object: KubeObject): Promise<boolean>;
  /** Deletes the object; an object already gone is not an error. */
  delete(ref: ObjectRef): Promise<void>;
  /**
   * Records an Event. Events are best effort: a failure never fails the caller, implementations
   * report it to their log instead.
   */
  event(event: KubeEvent): Promise<void>;
}
