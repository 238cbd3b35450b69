/**
 * The barrier unseal Secret: Shamir shares of one unseal key, written once and never by owner
 * reference, so that deleting the resource cannot destroy the only way to open the barrier.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childLabels, secretData } from '../resources/ownership.ts';
import { childNames } from './names.ts';

/** `cryptoutil sm-kms init` defaults: five shares, any three rebuild the key. */
export const DEFAULT_SHARES = 5;
export const DEFAULT_THRESHOLD = 3;

/** How the unseal key is split for this resource (`spec.barrier`, CRD defaults 5 and 3). */
export function unsealSplit(resource: ServiceResource): { readonly shares: number; readonly threshold: number } {
  return { shares: resource.spec.barrier?.shares ?? DEFAULT_SHARES, threshold: resource.spec.barrier?.threshold ?? DEFAULT_THRESHOLD };
}

/** Secret key of share `index` (1-based), also the file name under the mount. */
export function shareKey(index: number): string {
  return `share-${String(index)}`;
}

/** Secret key of the key check value (`init`'s `keyCheck`), mounted as the pods' `barrier.keyCheck`. */
export const KEY_CHECK_KEY = 'keyCheck';

/**
 * No owner reference on purpose: the shares outlive the resource unless `deletionPolicy: Delete`.
 * The key check value sits beside them so that a forged share can never initialize the barrier.
 */
export function unsealSecret(resource: ServiceResource, row: KindRow, unseal: { readonly shares: readonly string[]; readonly keyCheck: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: childNames(resource).unseal,
      namespace: resource.metadata.namespace,
      labels: childLabels(resource, row, 'unseal'),
      annotations: { 'cryptoutil.io/threshold': String(unsealSplit(resource).threshold) },
    },
    type: 'Opaque',
    data: secretData({ ...Object.fromEntries(unseal.shares.map((share, index) => [shareKey(index + 1), share])), [KEY_CHECK_KEY]: unseal.keyCheck }),
  };
}
