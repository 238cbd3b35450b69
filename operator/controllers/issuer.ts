/**
 * The issuer a service trusts (issue 12): `spec.auth.issuer` as written, or the `status.issuer` of the
 * IdentityRealm that `spec.auth.identityRealmRef` names once that realm reports Ready. Anything else
 * is a problem the user fixes, reported as the Degraded reason, so no pod starts without an issuer.
 */
import { API_VERSION } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { Condition, ServiceResource } from '../resources/types.ts';
import { ReconcileProblem } from './problem.ts';

interface RealmStatus {
  readonly issuer?: string;
  readonly conditions?: readonly Condition[];
}

/** The issuer URL for `resource`'s `auth.issuer`; throws ReconcileProblem when there is none yet. */
export async function resolveIssuer(api: KubeApi, resource: ServiceResource): Promise<string> {
  const auth = resource.spec.auth;
  if (auth?.issuer !== undefined) {
    return auth.issuer;
  }
  if (auth?.identityRealmRef === undefined) {
    throw new ReconcileProblem('NoIssuer', 'set spec.auth.issuer (an https:// issuer URL) or spec.auth.identityRealmRef: the service needs the issuer of the access tokens it accepts');
  }
  const name = auth.identityRealmRef.name;
  const realm = await api.get({ apiVersion: API_VERSION, kind: 'IdentityRealm', namespace: resource.metadata.namespace, name });
  if (realm === undefined) {
    throw new ReconcileProblem('IdentityRealmNotFound', `spec.auth.identityRealmRef names IdentityRealm ${name}, which does not exist in namespace ${resource.metadata.namespace}`);
  }
  const status = realm.status as RealmStatus | undefined;
  const ready = status?.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status !== 'True' || status?.issuer === undefined) {
    const why = ready === undefined ? 'has no Ready condition' : `is not Ready (${ready.reason})`;
    throw new ReconcileProblem('IdentityRealmNotReady', `IdentityRealm ${name} ${why}, so its issuer cannot be resolved yet; set spec.auth.issuer meanwhile`);
  }
  return status.issuer;
}
