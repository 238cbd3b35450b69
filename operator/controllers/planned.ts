/**
 * The controller of a kind whose service is not built yet (operator/kinds.ts `PLANNED_KINDS`): it
 * deploys nothing and says so in the resource's status, so `kubectl get` and `kubectl wait` show why
 * nothing happens instead of an empty status. It goes away when the kind gets its row.
 */
import { API_VERSION } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { ObjectRef, ServiceResource } from '../resources/types.ts';
import { sameStatus, stampConditions, type Draft } from './conditions.ts';
import type { Reconciler } from './reconciler.ts';

/** The reason of every condition of a planned kind's resource. */
export const CONTROLLER_NOT_IMPLEMENTED = 'ControllerNotImplemented';

export interface PlannedReconcilerOptions {
  readonly api: KubeApi;
  readonly now?: () => Date;
}

function notImplemented(kind: string): string {
  return `this operator release has no controller for ${kind}: the resource is stored, nothing is deployed for it`;
}

function drafts(message: string): Draft[] {
  return [
    { type: 'Ready', status: 'False', reason: CONTROLLER_NOT_IMPLEMENTED, message },
    { type: 'Progressing', status: 'False', reason: CONTROLLER_NOT_IMPLEMENTED, message },
    { type: 'Degraded', status: 'True', reason: CONTROLLER_NOT_IMPLEMENTED, message },
  ];
}

/** A Reconciler that marks every resource of `kind` as not handled, once per generation. */
export function plannedReconciler(kind: string, options: PlannedReconcilerOptions): Reconciler {
  const now = options.now ?? (() => new Date());
  const { api } = options;
  return {
    kind,
    async reconcile(ref: ObjectRef): Promise<void> {
      const resource = (await api.get(ref)) as ServiceResource | undefined;
      if (resource === undefined || resource.metadata.deletionTimestamp !== undefined) {
        return;
      }
      const { name, namespace, generation, uid } = resource.metadata;
      const message = notImplemented(kind);
      const status = { observedGeneration: generation, conditions: stampConditions(resource.status?.conditions ?? [], drafts(message), generation, now()) };
      const previous = resource.status === undefined ? undefined : { observedGeneration: resource.status.observedGeneration, conditions: resource.status.conditions };
      if (sameStatus(previous, status)) {
        return;
      }
      await api.applyStatus({ apiVersion: API_VERSION, kind, metadata: { name, namespace }, status });
      await api.event({ regarding: { apiVersion: API_VERSION, kind, namespace, name, uid }, type: 'Warning', reason: CONTROLLER_NOT_IMPLEMENTED, note: message });
    },
  };
}
