/**
 * The operator's own client in a realm's identity-authz: identity-authz creates it at unseal from
 * `authz.bootstrapClient` (every scope of every service, `authz:admin` among them) with the secret
 * of the Secret `<realm>-operator-client`, which the operator generates once and identity-authz
 * mounts. The realm content sync (realm-content/) authenticates with it, to identity-authz's API and,
 * with a token for `urn:cryptoutil:identity-idp` (`idp:admin` is one of those scopes), to identity-idp's.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedSecret } from '../resources/ownership.ts';

/** Client id of the operator in every realm. */
export const OPERATOR_CLIENT_ID = 'cryptoutil-operator';
/** Key of the secret in the Secret, and its file name under the pod's mount. */
export const OPERATOR_CLIENT_KEY = 'clientSecret';
/** Where identity-authz's pod mounts the Secret. */
export const OPERATOR_CLIENT_MOUNT = '/etc/cryptoutil/operator-client';

/** `<realm>-operator-client`. */
export function operatorClientSecretName(resource: ServiceResource): string {
  return `${resource.metadata.name}-operator-client`;
}

/** identity-authz's `authz.bootstrapClient`: the operator's id and the mounted secret. */
export function operatorClientConfig(): Record<string, string> {
  return { id: OPERATOR_CLIENT_ID, secret: `file://${OPERATOR_CLIENT_MOUNT}/${OPERATOR_CLIENT_KEY}` };
}

/** The Secret, owned by the realm: a new secret only needs identity-authz restarted to take it. */
export function operatorClientSecret(resource: ServiceResource, row: KindRow, secret: string): KubeObject {
  return ownedSecret(resource, row, 'operator-client', operatorClientSecretName(resource), { [OPERATOR_CLIENT_KEY]: secret });
}
