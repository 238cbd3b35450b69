/**
 * The hash pepper of a service that hashes (identity-authz, identity-idp): a Secret written once and
 * kept without an owner reference like the unseal shares, because a new pepper would make every
 * stored deterministic hash (client secrets, password lookups) unverifiable.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childLabels, secretData } from '../resources/ownership.ts';
import { childNames } from './names.ts';

/** Secret key and file name of the pepper under the pod's pepper mount. */
export const PEPPER_KEY = 'pepper';

/** The pepper Secret, labelled as the resource's child (guards/ownership.ts) but not owned by it. */
export function pepperSecret(resource: ServiceResource, row: KindRow, pepper: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: childNames(resource).pepper, namespace: resource.metadata.namespace, labels: childLabels(resource, row, 'pepper') },
    type: 'Opaque',
    data: secretData({ [PEPPER_KEY]: pepper }),
  };
}
