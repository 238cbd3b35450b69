/**
 * Applies `spec.groups` (groups.ts) and `spec.bootstrapAdmin` to the realm's identity-idp through
 * its admin API (idp-admin.ts). Every operation is announced as an Event; a change made through
 * the API to a managed group is reverted as `DriftReverted`. The bootstrap admin is created once,
 * its generated password written first to the Secret `<realm>-bootstrap-admin`; from then on the
 * account is a person's: never changed, re-passworded or created again.
 */
import { randomBytes } from 'node:crypto';
import { realmSpec } from '../children/realm.ts';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import { ownedBy } from '../guards/index.ts';
import { childLabels, controllerReference, secretData } from '../resources/ownership.ts';
import type { KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import { SYNC_FAILED } from './admin.ts';
import type { IdpAdmin } from './idp-admin.ts';
import { planGroups, type GroupOp } from './groups.ts';

/** identity-idp's built-in group of administrators (every scope, admin scopes included). */
export const ADMIN_GROUP = 'admin';

/** Keys of the bootstrap admin's Secret. */
export const USERNAME_KEY = 'username';
export const PASSWORD_KEY = 'password';

/** 32 random bytes: far beyond identity-idp's 12-character minimum, and never typed by hand. */
const PASSWORD_BYTES = 32;

export interface IdpSyncContext {
  readonly resource: ServiceResource;
  readonly row: KindRow;
  readonly api: KubeApi;
  readonly admin: IdpAdmin;
  readonly announce: (type: 'Normal' | 'Warning', reason: string, note: string) => Promise<void>;
}

/** What a group sync did, for status and for the next sync. */
export interface GroupSyncResult {
  readonly managedGroups: number;
  readonly applied: number;
  /** Managed groups present now: a later sync that misses one knows it was deleted through the API. */
  readonly present: readonly string[];
  /** Problems of single groups (the others were applied); empty when all went well. */
  readonly failures: readonly string[];
}

/** `status.bootstrapAdmin`: the user spec.bootstrapAdmin asked for exists, and the operator is done with it. */
export interface BootstrapAdminStatus {
  readonly username: string;
  readonly createdTime?: string;
}


/** What changed, as seen by whoever changed it: the API (drift) or the operator (spec). */
function changes(op: Extract<GroupOp, { op: 'update' }>): string {
  const [added, removed] = op.cause === 'drift' ? [op.extra, op.missing] : [op.missing, op.extra];
  const parts = [added.length === 0 ? '' : `added ${added.join(' ')}`, removed.length === 0 ? '' : `removed ${removed.join(' ')}`].filter((part) => part !== '');
  return parts.length === 0 ? 'its marker' : parts.join('; ');
}

async function applyGroup(context: IdpSyncContext, op: GroupOp): Promise<void> {
  const { admin, announce } = context;
  switch (op.op) {
    case 'create':
      await admin.createGroup(op.name, op.scopes);
      if (op.recreated) await announce('Warning', 'DriftReverted', `group ${op.name} was deleted through identity-idp's API; created again (its members are not restored)`);
      else await announce('Normal', 'GroupCreated', `group ${op.name} created in identity-idp`);
      return;
    case 'update':
      await admin.updateGroup(op.name, op.scopes);
      if (op.cause === 'drift') await announce('Warning', 'DriftReverted', `group ${op.name} was changed through identity-idp's API (${changes(op)}); reverted to spec.groups`);
      else await announce('Normal', 'GroupUpdated', `group ${op.name} updated in identity-idp (${changes(op)})`);
      return;
    case 'delete':
      await admin.deleteGroup(op.name);
      await announce('Normal', 'GroupDeleted', `group ${op.name} removed from spec.groups: deleted from identity-idp`);
  }
}

/** Brings identity-idp's groups in line with `spec.groups`; single failures are returned, not thrown. */
export async function syncGroups(context: IdpSyncContext, known: ReadonlySet<string>): Promise<GroupSyncResult> {
  const { resource } = context;
  const actual = await context.admin.listGroups();
  const plan = planGroups({ realm: resource.metadata.name, groups: realmSpec(resource).groups ?? [], actual, known });
  const failures: string[] = [];
  for (const op of plan.ops) {
    try {
      await applyGroup(context, op);
    } catch (error) {
      if (!(error instanceof ReconcileProblem)) throw error;
      failures.push(error.message);
    }
  }
  if (plan.conflicts.length > 0) failures.push(`group ${plan.conflicts.join(', ')} exists in identity-idp and is not managed by this realm; it is left as it is`);
  return { managedGroups: plan.managed, applied: plan.ops.length, present: plan.present, failures };
}

/** `<realm>-bootstrap-admin`. */
export function bootstrapAdminSecretName(resource: ServiceResource): string {
  return `${resource.metadata.name}-bootstrap-admin`;
}

function secretRef(resource: ServiceResource): ObjectRef {
  return { apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name: bootstrapAdminSecretName(resource) };
}

function decoded(secret: KubeObject | undefined, key: string): string | undefined {
  const value = (secret?.data as Readonly<Record<string, string>> | undefined)?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Writes the username and password, creating the Secret or replacing the realm's own. */
async function writeSecret(context: IdpSyncContext, existing: KubeObject | undefined, username: string, password: string): Promise<void> {
  const { resource } = context;
  const metadata = {
    name: bootstrapAdminSecretName(resource),
    namespace: resource.metadata.namespace,
    labels: childLabels(resource, context.row, 'bootstrap-admin'),
    ownerReferences: [controllerReference(resource)],
  };
  const data = secretData({ [USERNAME_KEY]: username, [PASSWORD_KEY]: password });
  const written = existing === undefined
    ? await context.api.create({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data })
    : await context.api.update({ ...existing, metadata: { ...existing.metadata, ...metadata, resourceVersion: existing.metadata.resourceVersion }, data });
  if (!written) throw new ReconcileProblem(SYNC_FAILED, `Secret ${metadata.name} changed while the operator wrote it; retrying`);
}

/**
 * Creates `spec.bootstrapAdmin` once. Resolves the status to keep: `previous` when there is nothing
 * (more) to do, else the user now known to exist.
 */
export async function syncBootstrapAdmin(context: IdpSyncContext, previous: BootstrapAdminStatus | undefined, now: () => Date): Promise<BootstrapAdminStatus | undefined> {
  const { resource, announce } = context;
  const wanted = realmSpec(resource).bootstrapAdmin;
  if (wanted === undefined || previous?.username === wanted.username) return previous;
  const name = bootstrapAdminSecretName(resource);
  const existing = await context.api.get(secretRef(resource));
  if (existing !== undefined && !ownedBy(existing, resource)) {
    throw new ReconcileProblem(SYNC_FAILED, `Secret ${name} exists and is not owned by this IdentityRealm; bootstrap admin ${wanted.username} is not created`);
  }
  // A password of an earlier attempt whose answer never came is used again: it may be the user's.
  const kept = decoded(existing, USERNAME_KEY) === wanted.username ? decoded(existing, PASSWORD_KEY) : undefined;
  const password = kept ?? randomBytes(PASSWORD_BYTES).toString('base64url');
  if (kept === undefined) await writeSecret(context, existing, wanted.username, password);
  const groups = [ADMIN_GROUP, ...(wanted.groups ?? []).filter((group) => group !== ADMIN_GROUP)];
  const email = wanted.email ?? `${wanted.username}@${resource.metadata.name}.invalid`;
  if (await context.admin.createUser({ username: wanted.username, email, password, groups })) {
    await announce('Normal', 'BootstrapAdminCreated', `user ${wanted.username} created in identity-idp (groups ${groups.join(', ')}); its initial password is in Secret ${name}`);
    return { username: wanted.username, createdTime: now().toISOString() };
  }
  if (kept === undefined) {
    // The password just written is not that user's: a Secret that says otherwise would mislead.
    await context.api.delete(secretRef(resource));
    await announce('Normal', 'BootstrapAdminExists', `user ${wanted.username} already exists in identity-idp: left as it is, no password written`);
  } else {
    await announce('Normal', 'BootstrapAdminExists', `user ${wanted.username} already exists in identity-idp: left as it is; Secret ${name} keeps the password of an earlier attempt, which may be its own`);
  }
  return { username: wanted.username };
}
