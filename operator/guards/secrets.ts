/**
 * Which Secrets a resource's pods may mount (`spec.database.external.secretRef`, `spec.tls.secretName`,
 * and the Secrets found under the generated names): only those their owner marked as mountable, or
 * those the operator created for this very resource. Otherwise a resource could make the operator
 * hand its pods any Secret of the namespace (another service's keys, a token).
 */
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedBy } from './ownership.ts';

/** The label a Secret's owner sets to let cryptoutil resources mount it. */
export const ALLOW_MOUNT_LABEL = 'cryptoutil.io/allow-mount';

/** True when `resource` may mount `secret`. */
export function mayMount(secret: KubeObject, resource: ServiceResource): boolean {
  return secret.metadata.labels?.[ALLOW_MOUNT_LABEL] === 'true' || ownedBy(secret, resource);
}
