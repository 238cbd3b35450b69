/**
 * The only kubelet and workload controllers kube-sim has: when a Deployment or StatefulSet changes,
 * it reports the rollout through the status subresource, every desired replica ready, unless the pod
 * template runs an image the test marked as crash-looping (then the rollout stalls as a Deployment's
 * does after its progress deadline). The StatefulSet controller's part: one PersistentVolumeClaim per
 * volume claim template and ordinal. No pods exist and no container runs; under `--run-pods`,
 * run-pods.ts reports cryptoutil Deployments and PostgreSQL StatefulSets instead.
 */
import { isObject, type Json, type KObject, type OwnerReference } from './objects.ts';
import type { ResourceType } from './resources.ts';

const WORKLOADS = new Set(['apps/deployments', 'apps/statefulsets']);

/** True when kube-sim marks this type's replicas ready. */
export function isWorkload(type: ResourceType): boolean {
  return WORKLOADS.has(`${type.group}/${type.plural}`);
}

function specOf(object: KObject): Record<string, Json> {
  return isObject(object.spec) ? object.spec : {};
}

/** The images of the pod template's containers. */
function templateImages(object: KObject): string[] {
  const template = specOf(object).template;
  const podSpec = isObject(template) && isObject(template.spec) ? template.spec : {};
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.flatMap((container) => (isObject(container) && typeof container.image === 'string' ? [container.image] : []));
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
}

function condition(type: string, status: boolean, reason: string, message: string): Record<string, string> {
  const now = timestamp();
  return { type, status: status ? 'True' : 'False', reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/**
 * A Deployment whose new pods never become ready: the old ones keep serving, one surge pod of the new
 * template crash-loops, and Progressing turns False with ProgressDeadlineExceeded (reported at once,
 * where a cluster waits `progressDeadlineSeconds`).
 */
function stalledStatus(object: KObject, replicas: number): Record<string, unknown> {
  const previous = isObject(object.status) ? object.status : {};
  const serving = Math.min(typeof previous.availableReplicas === 'number' ? previous.availableReplicas : 0, replicas);
  return {
    observedGeneration: object.metadata.generation,
    replicas: serving + 1,
    updatedReplicas: 1,
    readyReplicas: serving,
    availableReplicas: serving,
    unavailableReplicas: replicas - serving + 1,
    conditions: [
      serving >= replicas ? condition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.') : condition('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      condition('Progressing', false, 'ProgressDeadlineExceeded', `ReplicaSet "${object.metadata.name}-sim" has timed out progressing.`),
    ],
  };
}

function rolledOutStatus(object: KObject, replicas: number): Record<string, unknown> {
  const status: Record<string, unknown> = {
    observedGeneration: object.metadata.generation,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
  };
  if (object.kind === 'StatefulSet') status.currentReplicas = replicas;
  else {
    status.conditions = [
      condition('Available', true, 'MinimumReplicasAvailable', 'kube-sim marks every replica ready'),
      condition('Progressing', true, 'NewReplicaSetAvailable', 'kube-sim runs no pods'),
    ];
  }
  return status;
}

/**
 * The status the rollout of this object reports, or undefined when it already says so; a Deployment
 * whose template runs an image in `crashing` stalls.
 */
export function readyStatus(object: KObject, crashing: ReadonlySet<string> = new Set()): Record<string, unknown> | undefined {
  const spec = specOf(object);
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const stalled = object.kind === 'Deployment' && templateImages(object).some((image) => crashing.has(image));
  const status = stalled ? stalledStatus(object, replicas) : rolledOutStatus(object, replicas);
  const current = isObject(object.status) ? object.status : {};
  if (current.observedGeneration === status.observedGeneration && current.readyReplicas === status.readyReplicas && current.updatedReplicas === status.updatedReplicas) return undefined;
  return status;
}

/** The storage a claim asks for. */
function requestedStorage(spec: Json | undefined): string | undefined {
  const resources = isObject(spec) ? spec.resources : undefined;
  const requests = isObject(resources) ? resources.requests : undefined;
  return isObject(requests) && typeof requests.storage === 'string' ? requests.storage : undefined;
}

/**
 * The PersistentVolumeClaims the StatefulSet controller makes for `set`: `<template>-<set>-<ordinal>`,
 * labelled with the set's selector, owned by the set when its retention policy deletes them with it.
 */
export function claimsOf(set: KObject): KObject[] {
  const spec = specOf(set);
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const templates = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates.filter(isObject) : [];
  const selector = isObject(spec.selector) && isObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  const retention = isObject(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {};
  const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name, uid: set.metadata.uid, controller: true, blockOwnerDeletion: true };
  return templates.flatMap((template) => {
    const name = isObject(template.metadata) && typeof template.metadata.name === 'string' ? template.metadata.name : 'data';
    return Array.from({ length: replicas }, (_, ordinal): KObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${name}-${set.metadata.name}-${String(ordinal)}`,
        namespace: set.metadata.namespace,
        labels: Object.fromEntries(Object.entries(selector).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
        ...(retention.whenDeleted === 'Delete' ? { ownerReferences: [owner] } : {}),
      },
      spec: isObject(template.spec) ? template.spec : {},
    } as unknown as KObject));
  });
}

/**
 * What a bound claim reports once the volume is provisioned or expanded: its capacity follows the
 * request (an expansion the storage class allows completes at once). Undefined when it already does.
 */
export function claimStatus(claim: KObject): Record<string, unknown> | undefined {
  const storage = requestedStorage(claim.spec as Json | undefined);
  const current = isObject(claim.status) ? claim.status : {};
  const capacity = isObject(current.capacity) ? current.capacity.storage : undefined;
  if (storage === undefined || capacity === storage) return undefined;
  return { phase: 'Bound', accessModes: isObject(claim.spec) && Array.isArray(claim.spec.accessModes) ? claim.spec.accessModes : [], capacity: { storage } };
}
