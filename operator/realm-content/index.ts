/**
 * The realm content step of an IdentityRealm's reconcile (docs/decisions/0006-realm-content.md):
 * once the realm's services run, the operator finds identity-authz (its in-cluster URL, the CA of
 * its TLS Secret, the operator client's secret) and syncs `spec.clients`; the status gets
 * `managedClients` and `lastSyncTime`.
 */
import type { IdentityRealmSpec } from '../api/kinds.ts';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childNames } from '../children/names.ts';
import { OPERATOR_CLIENT_ID, OPERATOR_CLIENT_KEY, operatorClientSecretName } from '../children/operator-client.ts';
import type { ServiceRequest } from '../controllers/service-fetch.ts';
import { AuthzAdmin, type AdminAccess } from './admin.ts';
import { syncRealmContent } from './sync.ts';

/** What the content step is given by the reconcile. */
export interface ContentContext {
  readonly resource: ServiceResource;
  readonly row: KindRow;
  /** identity-authz's in-cluster base URL. */
  readonly endpoint: string;
  readonly api: KubeApi;
  readonly announce: (type: 'Normal' | 'Warning', reason: string, note: string) => Promise<void>;
}

/** How the operator reaches identity-authz's admin API; undefined while something is missing. */
export type LocateAdmin = (context: ContentContext) => Promise<AdminAccess | undefined>;

function decoded(secret: KubeObject | undefined, key: string): string | undefined {
  const value = (secret?.data as Readonly<Record<string, string>> | undefined)?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** In the cluster: the endpoint, the CA of identity-authz's TLS Secret and the operator client Secret. */
export const clusterAdminAccess: LocateAdmin = async ({ resource, endpoint, api }) => {
  const { namespace } = resource.metadata;
  const tls = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: childNames(resource).tls });
  const client = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: operatorClientSecretName(resource) });
  const ca = decoded(tls, 'ca.crt');
  const clientSecret = decoded(client, OPERATOR_CLIENT_KEY);
  return ca === undefined || clientSecret === undefined ? undefined : { baseUrl: endpoint, ca, clientId: OPERATOR_CLIENT_ID, clientSecret };
};

/** The content step: status fields once synced, undefined while identity-authz cannot be reached yet. */
export interface ContentSync {
  sync(context: ContentContext, previous: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>> | undefined>;
}

export interface ContentSyncOptions {
  readonly request: ServiceRequest;
  readonly locate?: LocateAdmin;
  readonly now?: () => Date;
  /**
   * `lastSyncTime` moves when a sync changed something or when it is older than this: a status
   * written at every sync would trigger the next reconcile by itself.
   */
  readonly statusIntervalMs?: number;
}

const STATUS_INTERVAL_MS = 30_000;

/** The realm content step, reaching identity-authz with `request`. */
export function realmContentSync(options: ContentSyncOptions): ContentSync {
  const locate = options.locate ?? clusterAdminAccess;
  const now = options.now ?? (() => new Date());
  const interval = options.statusIntervalMs ?? STATUS_INTERVAL_MS;
  return {
    async sync(context, previous) {
      const declared = (context.resource.spec as IdentityRealmSpec).clients ?? [];
      // A realm that never declared content is not asked about it (nothing to create or delete).
      if (declared.length === 0 && previous.managedClients === undefined) return undefined;
      const access = await locate(context);
      if (access === undefined) return undefined;
      const result = await syncRealmContent({ resource: context.resource, row: context.row, api: context.api, admin: new AuthzAdmin(access, options.request), announce: context.announce });
      const time = now();
      const last = typeof previous.lastSyncTime === 'string' ? Date.parse(previous.lastSyncTime) : Number.NaN;
      const fresh = result.applied === 0 && time.getTime() - last < interval;
      return { managedClients: result.managedClients, lastSyncTime: fresh ? previous.lastSyncTime : time.toISOString() };
    },
  };
}
