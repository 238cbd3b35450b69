/**
 * The barrier unseal shares: one Secret per Shamir share of one unseal key (`<unseal>-1` …
 * `<unseal>-<shares>`), written once and never by owner reference, so that deleting the resource
 * cannot destroy the only way to open the barrier, and so that a pod mounts only the shares it
 * needs (`spec.barrier.mountShares`, default the threshold) or none (`autoUnseal: false`).
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childLabels, secretData } from '../resources/ownership.ts';
import { childNames } from './names.ts';

/** `cryptoutil sm-kms init` defaults: five shares, any three rebuild the key. */
export const DEFAULT_SHARES = 5;
export const DEFAULT_THRESHOLD = 3;

/** How the unseal key is split for this resource and which shares its pods mount (`spec.barrier`). */
export interface UnsealSplit {
  readonly shares: number;
  readonly threshold: number;
  /** The share indices (1-based) the pods mount, in order; empty when custodians unseal by hand. */
  readonly mounted: readonly number[];
}

/** `spec.barrier` with the CRD's defaults (5 shares, threshold 3, the threshold mounted, auto-unseal on). */
export function unsealSplit(resource: ServiceResource): UnsealSplit {
  const barrier = resource.spec.barrier;
  const shares = barrier?.shares ?? DEFAULT_SHARES;
  const threshold = barrier?.threshold ?? DEFAULT_THRESHOLD;
  const count = barrier?.autoUnseal === false ? 0 : barrier?.mountShares ?? threshold;
  return { shares, threshold, mounted: Array.from({ length: count }, (_unused, index) => index + 1) };
}

/** The Secret that holds share `index` (1-based). */
export function shareSecretName(resource: ServiceResource, index: number): string {
  return `${childNames(resource).unseal}-${String(index)}`;
}

/** File name of share `index` under the pod's unseal mount. */
export function shareFile(index: number): string {
  return `share-${String(index)}`;
}

/** Secret key of the share in each share Secret. */
export const SHARE_KEY = 'share';

/** Secret key of the key check value (`init`'s `keyCheck`) in each share Secret, and its file name in the mount. */
export const KEY_CHECK_KEY = 'keyCheck';

/**
 * The Secret of one share. The key check value sits beside every share, so that whichever shares
 * a pod mounts, a forged share can never initialize the barrier.
 */
export function shareSecret(resource: ServiceResource, row: KindRow, index: number, unseal: { readonly share: string; readonly keyCheck: string }): KubeObject {
  const { shares, threshold } = unsealSplit(resource);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: shareSecretName(resource, index),
      namespace: resource.metadata.namespace,
      labels: childLabels(resource, row, 'unseal'),
      annotations: { 'cryptoutil.io/threshold': String(threshold), 'cryptoutil.io/share': `${String(index)}/${String(shares)}` },
    },
    type: 'Opaque',
    data: secretData({ [SHARE_KEY]: unseal.share, [KEY_CHECK_KEY]: unseal.keyCheck }),
  };
}
