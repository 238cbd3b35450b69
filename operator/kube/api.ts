/**
 * The slice of the Kubernetes API the controllers use. Small on purpose: the reconcile loop is tested
 * against an in-memory implementation and runs against the real API server through kube/client.ts.
 */
import { errorClass } from '../../services/template/middleware/problem-details.ts';
import type { KubeObject, ObjectRef } from '../resources/types.ts';

/** An API answer that is not a success; carries the status only, never the body (it may echo a Secret). */
export class KubeApiError extends Error {
  readonly status: number;

  constructor(method: string, path: string, status: number) {
    super(`${method} ${path} answered ${String(status)}`);
    this.name = 'KubeApiError';
    this.status = status;
  }
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
  /** Records an Event; failures are swallowed by implementations, since events are best effort. */
  event(event: KubeEvent): Promise<void>;
}
