/**
 * The realm content step of an IdentityRealm's reconcile (docs/decisions/0006-realm-content.md):
 * once the realm's services run, the operator finds identity-authz and identity-idp (their
 * in-cluster URLs, the CAs of their TLS Secrets, the operator client's secret) and syncs
 * `spec.resources`, `spec.clients`, `spec.groups` and `spec.bootstrapAdmin`; the status gets
 * `managedResources`, `managedClients`, `managedGroups`, `bootstrapAdmin` and `lastSyncTime`.
 * Resource servers are created and changed before the clients are synced and deleted after, so
 * that a client can take a new resource's scopes and let go of a removed one's in one reconcile.
 */
import type { IdentityRealmSpec } from '../api/kinds.ts';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childNames, forService } from '../children/names.ts';
import { serviceUrl } from '../children/endpoint.ts';
import { REALM_COMPONENTS, componentWanted } from '../children/realm.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import { OPERATOR_CLIENT_ID, OPERATOR_CLIENT_KEY, operatorClientSecretName } from '../children/operator-client.ts';
import type { ServiceRequest } from '../controllers/service-fetch.ts';
import { AuthzAdmin, SYNC_FAILED, type AdminAccess, type ServiceAt } from './admin.ts';
import { IdpAdmin } from './idp-admin.ts';
import { syncBootstrapAdmin, syncGroups, type BootstrapAdminStatus, type IdpSyncContext } from './sync-idp.ts';
import { syncRealmContent } from './sync.ts';
import { applyResourceServerOps, planRealmResourceServers, type ResourceServerOp, type ResourceServerSyncContext } from './resource-servers.ts';

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

/**
 * identity-idp of the realm in the cluster: its Service URL and the CA of its TLS Secret; null when
 * the realm runs none, undefined while its TLS Secret is not there yet.
 */
async function clusterIdp(resource: ServiceResource, api: KubeApi): Promise<ServiceAt | null | undefined> {
  const row = REALM_COMPONENTS.find((component) => component.component === 'idp')?.row;
  if (row === undefined || !componentWanted(resource, 'idp')) return null;
  const tls = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name: childNames(forService(resource, row)).tls });
  const ca = decoded(tls, 'ca.crt');
  return ca === undefined ? undefined : { baseUrl: serviceUrl(resource, row), ca };
}

/** In the cluster: the endpoint, the CA of identity-authz's TLS Secret and the operator client Secret; identity-idp's when it runs. */
export const clusterAdminAccess: LocateAdmin = async ({ resource, endpoint, api }) => {
  const { namespace } = resource.metadata;
  const tls = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: childNames(resource).tls });
  const client = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: operatorClientSecretName(resource) });
  const ca = decoded(tls, 'ca.crt');
  const clientSecret = decoded(client, OPERATOR_CLIENT_KEY);
  if (ca === undefined || clientSecret === undefined) return undefined;
  const idp = await clusterIdp(resource, api);
  if (idp === undefined) return undefined;
  return { baseUrl: endpoint, ca, clientId: OPERATOR_CLIENT_ID, clientSecret, ...(idp === null ? {} : { idp }) };
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

/** What the parts of the content step found and did. */
interface Outcome {
  readonly status: Record<string, unknown>;
  applied: number;
  readonly failures: string[];
}

function bootstrapStatus(value: unknown): BootstrapAdminStatus | undefined {
  const candidate = value as Partial<BootstrapAdminStatus> | undefined;
  return typeof candidate?.username === 'string' ? { username: candidate.username, ...(typeof candidate.createdTime === 'string' ? { createdTime: candidate.createdTime } : {}) } : undefined;
}

/** Runs one part of the sync; a ReconcileProblem is noted and the other parts still run. */
async function noting(outcome: Outcome, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof ReconcileProblem)) throw error;
    outcome.failures.push(error.message);
  }
}

/** The idp part: spec.groups (when wanted) and spec.bootstrapAdmin, noted in `outcome`. */
async function syncIdp(context: ContentContext, access: AdminAccess, outcome: Outcome, part: IdpPart): Promise<void> {
  if (access.idp === undefined) {
    outcome.failures.push('spec.groups and spec.bootstrapAdmin are kept in identity-idp, which this realm does not run (spec.components.idp)');
    return;
  }
  const idpContext: IdpSyncContext = { resource: context.resource, row: context.row, api: context.api, admin: new IdpAdmin(access, access.idp, part.request), announce: context.announce };
  const key = context.resource.metadata.uid;
  if (part.groups) {
    await noting(outcome, async () => {
      const synced = await syncGroups(idpContext, part.known.get(key) ?? new Set());
      part.known.set(key, new Set(synced.present));
      outcome.status.managedGroups = synced.managedGroups;
      outcome.applied += synced.applied;
      outcome.failures.push(...synced.failures);
    });
  }
  // A failed sync writes no status: what it did for the bootstrap admin is remembered here too.
  const before = bootstrapStatus(part.previous.bootstrapAdmin) ?? part.admins.get(key);
  await noting(outcome, async () => {
    const after = await syncBootstrapAdmin(idpContext, before, part.now);
    if (after === undefined) return;
    outcome.status.bootstrapAdmin = after;
    part.admins.set(key, after);
    if (after !== before) outcome.applied += 1;
  });
}

interface IdpPart {
  readonly groups: boolean;
  readonly previous: Readonly<Record<string, unknown>>;
  readonly request: ServiceRequest;
  readonly known: Map<string, ReadonlySet<string>>;
  readonly admins: Map<string, BootstrapAdminStatus>;
  readonly now: () => Date;
}

/** The realm content step, reaching identity-authz and identity-idp with `request`. */
export function realmContentSync(options: ContentSyncOptions): ContentSync {
  const locate = options.locate ?? clusterAdminAccess;
  const now = options.now ?? (() => new Date());
  const interval = options.statusIntervalMs ?? STATUS_INTERVAL_MS;
  // Managed groups present at each realm's last sync (by uid): a missing one was deleted through the API.
  const known = new Map<string, ReadonlySet<string>>();
  // The bootstrap admin each realm's sync found done (by uid), until its status says so.
  const admins = new Map<string, BootstrapAdminStatus>();
  // Managed resource servers present at each realm's last sync (by uid).
  const knownServers = new Map<string, ReadonlySet<string>>();
  return {
    async sync(context, previous) {
      const spec = context.resource.spec as IdentityRealmSpec;
      // A realm that never declared content is not asked about it (nothing to create or delete).
      const clients = (spec.clients ?? []).length > 0 || previous.managedClients !== undefined;
      const servers = (spec.resources ?? []).length > 0 || previous.managedResources !== undefined;
      const groups = (spec.groups ?? []).length > 0 || previous.managedGroups !== undefined;
      const admin = spec.bootstrapAdmin !== undefined;
      if (!clients && !groups && !admin && !servers) return undefined;
      const access = await locate(context);
      if (access === undefined) return undefined;
      const outcome: Outcome = { status: {}, applied: 0, failures: [] };
      const authz = new AuthzAdmin(access, options.request);
      const serverContext: ResourceServerSyncContext = { resource: context.resource, admin: authz, announce: context.announce };
      let deletions: readonly ResourceServerOp[] = [];
      if (servers) {
        await noting(outcome, async () => {
          const key = context.resource.metadata.uid;
          const plan = await planRealmResourceServers(serverContext, knownServers.get(key) ?? new Set());
          knownServers.set(key, new Set(plan.present));
          outcome.failures.push(...await applyResourceServerOps(serverContext, plan.ops));
          if (plan.conflicts.length > 0) outcome.failures.push(`resource server ${plan.conflicts.join(', ')} exists in identity-authz and is not managed by this realm; it is left as it is`);
          outcome.status.managedResources = plan.managed;
          outcome.applied += plan.ops.length + plan.deletions.length;
          ({ deletions } = plan);
        });
      }
      if (clients) {
        await noting(outcome, async () => {
          const result = await syncRealmContent({ resource: context.resource, row: context.row, api: context.api, admin: authz, announce: context.announce });
          outcome.status.managedClients = result.managedClients;
          outcome.applied += result.applied;
        });
      }
      if (groups || admin) await syncIdp(context, access, outcome, { groups, previous, request: options.request, known, admins, now });
      outcome.failures.push(...await applyResourceServerOps(serverContext, deletions));
      if (outcome.failures.length > 0) throw new ReconcileProblem(SYNC_FAILED, outcome.failures.join('; '));
      const time = now();
      const last = typeof previous.lastSyncTime === 'string' ? Date.parse(previous.lastSyncTime) : Number.NaN;
      const fresh = outcome.applied === 0 && time.getTime() - last < interval;
      return { ...outcome.status, lastSyncTime: fresh ? previous.lastSyncTime : time.toISOString() };
    },
  };
}
