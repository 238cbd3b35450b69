/**
 * The only kubelet kube-sim has: when a Deployment or StatefulSet changes, it reports every
 * desired replica ready through the status subresource. No pods exist and no container runs.
 */
import { isObject, type KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';

const WORKLOADS = new Set(['apps/deployments', 'apps/statefulsets']);

/** True when kube-sim marks this type's replicas ready. */
export function isWorkload(type: ResourceType): boolean {
  return WORKLOADS.has(`${type.group}/${type.plural}`);
}

/** The status a healthy rollout of this object reports, or undefined when it already says so. */
export function readyStatus(object: KObject): Record<string, unknown> | undefined {
  const spec = isObject(object.spec) ? object.spec : {};
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const current = isObject(object.status) ? object.status : {};
  if (current.observedGeneration === object.metadata.generation && current.readyReplicas === replicas) return undefined;
  const status: Record<string, unknown> = {
    observedGeneration: object.metadata.generation,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
  };
  if (object.kind === 'StatefulSet') status.currentReplicas = replicas;
  else {
    const now = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
    status.conditions = [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'kube-sim marks every replica ready', lastUpdateTime: now, lastTransitionTime: now },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'kube-sim runs no pods', lastUpdateTime: now, lastTransitionTime: now },
    ];
  }
  return status;
}
