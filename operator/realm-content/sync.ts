/**
 * Applies the realm content plan (plan.ts) to identity-authz through its admin API (admin.ts) and
 * keeps each confidential client's secret in the Secret `<realm>-client-<name>`, owned by the realm.
 * The Secret's annotations remember what the plan needs: the digest of the settings last applied
 * and the `rotateSecret` value the secret was made for. Every operation is announced as an Event;
 * a change made through the API to a managed client is reverted as `DriftReverted`.
 */
import { realmSpec } from '../children/realm.ts';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import { ownedBy } from '../guards/index.ts';
import { childLabels, controllerReference, secretData } from '../resources/ownership.ts';
import type { KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import { SYNC_FAILED, type AuthzAdmin } from './admin.ts';
import { planClients, type ClientOp, type Remembered, type SecretMemory } from './plan.ts';

/** Annotations of a client Secret: what the plan remembers between syncs. */
export const APPLIED_ANNOTATION = 'cryptoutil.io/client-settings';
export const ROTATE_ANNOTATION = 'cryptoutil.io/rotate-secret';

/** Keys of a client Secret. */
export const CLIENT_ID_KEY = 'clientId';
export const CLIENT_SECRET_KEY = 'clientSecret';

/** The Secret that holds the secret of the realm's client `clientId`. */
export function clientSecretName(resource: ServiceResource, clientId: string): string {
  return `${resource.metadata.name}-client-${clientId}`;
}

export interface SyncContext {
  readonly resource: ServiceResource;
  /** The realm's kind row: the client Secrets are labelled as its children. */
  readonly row: KindRow;
  readonly api: KubeApi;
  readonly admin: AuthzAdmin;
  readonly announce: (type: 'Normal' | 'Warning', reason: string, note: string) => Promise<void>;
}

/** What a sync did, for status. */
export interface SyncResult {
  readonly managedClients: number;
  /** Operations applied; 0 means identity-authz already matched the spec. */
  readonly applied: number;
}


function secretRef(resource: ServiceResource, clientId: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name: clientSecretName(resource, clientId) };
}

function memoryOf(secret: KubeObject): SecretMemory {
  const annotations = secret.metadata.annotations ?? {};
  const applied = annotations[APPLIED_ANNOTATION];
  const rotateSecret = annotations[ROTATE_ANNOTATION];
  return { ...(applied === undefined ? {} : { applied }), ...(rotateSecret === undefined ? {} : { rotateSecret }) };
}

function annotationsOf(memory: Remembered): Record<string, string> {
  return { [APPLIED_ANNOTATION]: memory.applied, ...(memory.rotateSecret === undefined ? {} : { [ROTATE_ANNOTATION]: memory.rotateSecret }) };
}

/** The realm's client Secret, or a problem when a Secret of that name is not the realm's. */
async function readSecret(context: SyncContext, clientId: string): Promise<KubeObject | undefined> {
  const secret = await context.api.get(secretRef(context.resource, clientId));
  if (secret !== undefined && !ownedBy(secret, context.resource)) {
    throw new ReconcileProblem(SYNC_FAILED, `Secret ${secret.metadata.name} exists and is not owned by this IdentityRealm; client ${clientId} is left as it is`);
  }
  return secret;
}

/** Writes the client's Secret: a new secret, or (secret undefined) only what it remembers. */
async function writeSecret(context: SyncContext, clientId: string, memory: Remembered, secret?: string): Promise<void> {
  const { resource } = context;
  const existing = await readSecret(context, clientId);
  const metadata = {
    name: clientSecretName(resource, clientId),
    namespace: resource.metadata.namespace,
    labels: childLabels(resource, context.row, 'client'),
    annotations: annotationsOf(memory),
    ownerReferences: [controllerReference(resource)],
  };
  if (existing === undefined) {
    if (secret === undefined) return;
    await context.api.create({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: secretData({ [CLIENT_ID_KEY]: clientId, [CLIENT_SECRET_KEY]: secret }) });
    return;
  }
  const data = secret === undefined ? existing.data : secretData({ [CLIENT_ID_KEY]: clientId, [CLIENT_SECRET_KEY]: secret });
  const written = await context.api.update({ ...existing, metadata: { ...existing.metadata, ...metadata, resourceVersion: existing.metadata.resourceVersion }, data });
  if (!written) throw new ReconcileProblem(SYNC_FAILED, `Secret ${metadata.name} changed while the operator wrote it; retrying`);
}

async function apply(context: SyncContext, op: ClientOp): Promise<void> {
  const { admin, announce } = context;
  switch (op.op) {
    case 'create': {
      const secret = await admin.createClient(op.body);
      await writeSecret(context, op.clientId, op.memory, secret);
      const where = `its secret is in Secret ${clientSecretName(context.resource, op.clientId)}`;
      if (op.recreated) await announce('Warning', 'DriftReverted', `client ${op.clientId} was deleted through identity-authz's API; created again with a new secret (${where})`);
      else await announce('Normal', 'ClientCreated', `client ${op.clientId} created in identity-authz; ${where}`);
      return;
    }
    case 'update':
      await admin.updateClient(op.body);
      if (op.cause === 'drift') {
        await announce('Warning', 'DriftReverted', `client ${op.clientId} was changed through identity-authz's API (${op.fields.join(', ')}); reverted to spec.clients`);
      } else {
        await announce('Normal', 'ClientUpdated', `client ${op.clientId} updated in identity-authz (${op.fields.join(', ')})`);
      }
      return;
    case 'rotate': {
      const secret = await admin.rotateSecret(op.clientId);
      await writeSecret(context, op.clientId, op.memory, secret);
      const why = op.reason === 'rotateSecret' ? 'spec.clients[].rotateSecret changed' : 'its Secret was missing';
      await announce('Normal', 'ClientSecretRotated', `client ${op.clientId} has a new secret (${why}); the old one is refused`);
      return;
    }
    case 'remember':
      await writeSecret(context, op.clientId, op.memory);
      return;
    case 'delete':
      await admin.deleteClient(op.clientId);
      if (await readSecret(context, op.clientId) !== undefined) await context.api.delete(secretRef(context.resource, op.clientId));
      await announce('Normal', 'ClientDeleted', `client ${op.clientId} removed from spec.clients: deleted from identity-authz with its Secret`);
  }
}

/**
 * Brings identity-authz's clients in line with `spec.clients`. Every operation that can be applied
 * is; then the first failure (or a conflict with a client that is not the realm's) is thrown as a
 * `ReconcileProblem` with reason `RealmContentSyncFailed`.
 */
export async function syncRealmContent(context: SyncContext): Promise<SyncResult> {
  const { resource } = context;
  const spec = realmSpec(resource);
  const clients = spec.clients ?? [];
  const actual = await context.admin.listClients();
  const secrets = new Map<string, SecretMemory>();
  const failures: string[] = [];
  // A client whose Secret name is taken by someone else's Secret is left out (and not deleted).
  const kept = new Set<string>();
  for (const client of clients) {
    try {
      const secret = await readSecret(context, client.name);
      if (secret !== undefined) secrets.set(client.name, memoryOf(secret));
    } catch (error) {
      if (!(error instanceof ReconcileProblem)) throw error;
      failures.push(error.message);
      kept.add(client.name);
    }
  }
  const plan = planClients({ realm: resource.metadata.name, clients, defaultAccessTokenTtlSeconds: spec.accessTokenTtlSeconds ?? 900, actual, secrets });
  for (const op of plan.ops.filter((candidate) => !kept.has(candidate.clientId))) {
    try {
      await apply(context, op);
    } catch (error) {
      if (!(error instanceof ReconcileProblem)) throw error;
      failures.push(error.message);
    }
  }
  if (plan.conflicts.length > 0) failures.push(`client ${plan.conflicts.join(', ')} exists in identity-authz and is not managed by this realm; it is left as it is`);
  if (failures.length > 0) throw new ReconcileProblem(SYNC_FAILED, failures.join('; '));
  return { managedClients: plan.managed, applied: plan.ops.length };
}
