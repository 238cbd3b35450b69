/**
 * Volume size changes a cluster accepts: a StatefulSet's `volumeClaimTemplates` are immutable, so an
 * existing set keeps the templates it was created with, and a larger `spec.database.generated.storage`
 * is applied to its PersistentVolumeClaims (`<template>-<set>-<ordinal>`), which the storage class
 * expands. A volume never shrinks: a smaller size is refused with a reason.
 */
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject } from '../resources/types.ts';
import { parseQuantity } from '../children/quantity.ts';
import { ReconcileProblem } from './problem.ts';

interface ClaimTemplate {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly resources?: { readonly requests?: { readonly storage?: string } } };
}

interface SetSpec {
  readonly replicas?: number;
  readonly volumeClaimTemplates?: readonly ClaimTemplate[];
}

/** What to apply for the volumes, and the refusal to report once the rest is applied. */
export interface StoragePlan {
  /** The StatefulSet to apply, with the claim templates of the existing set. */
  readonly set: KubeObject;
  /** Server-side apply configurations raising claims' storage requests. */
  readonly claims: readonly KubeObject[];
  readonly problem?: ReconcileProblem;
}

function specOf(object: KubeObject | undefined): SetSpec {
  return object?.spec ?? {};
}

function sizeOf(template: ClaimTemplate | { readonly spec?: unknown } | undefined): string | undefined {
  return (template as ClaimTemplate | undefined)?.spec?.resources?.requests?.storage;
}

/** Bytes of a size; an unreadable one counts as 0 so it is never taken for a shrink. */
function bytes(size: string | undefined): number {
  return parseQuantity(size ?? '') ?? 0;
}

function storageClaim(name: string, namespace: string, storage: string): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace }, spec: { resources: { requests: { storage } } } };
}

/**
 * Plans the volumes of `desired` against the `existing` StatefulSet: keeps its claim templates, and
 * for each claim of each template either leaves it, raises its request, or refuses a smaller size.
 */
export async function planStorage(api: KubeApi, desired: KubeObject, existing: KubeObject | undefined): Promise<StoragePlan> {
  const existingTemplates = specOf(existing).volumeClaimTemplates;
  if (existing === undefined || existingTemplates === undefined) return { set: desired, claims: [] };
  const set = { ...desired, spec: { ...(desired.spec as object), volumeClaimTemplates: existingTemplates } };
  const namespace = desired.metadata.namespace ?? '';
  const replicas = specOf(desired).replicas ?? 1;
  const claims: KubeObject[] = [];
  const refused: string[] = [];
  for (const template of specOf(desired).volumeClaimTemplates ?? []) {
    const templateName = template.metadata?.name ?? 'data';
    const wanted = sizeOf(template);
    const created = existingTemplates.find((candidate) => candidate.metadata?.name === templateName);
    if (wanted === undefined || created === undefined) continue;
    for (let ordinal = 0; ordinal < replicas; ordinal += 1) {
      const name = `${templateName}-${desired.metadata.name}-${String(ordinal)}`;
      const claim = await api.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name });
      // A claim not made yet will be made from the template: compare with that.
      const current = sizeOf(claim) ?? sizeOf(created);
      if (bytes(wanted) < bytes(current)) refused.push(`${name} (${String(current)})`);
      else if (claim !== undefined && bytes(wanted) > bytes(current)) claims.push(storageClaim(name, namespace, wanted));
    }
  }
  if (refused.length === 0) return { set, claims };
  const problem = new ReconcileProblem('StorageShrinkRefused', `spec.database.generated.storage asks for less than the volume already has: ${refused.join(', ')}; a PersistentVolumeClaim can grow but never shrink, so set at least that size again`);
  return { set, claims, problem };
}
