/**
 * `spec.resources` (docs/decisions/0006-realm-content.md): the realm's resource servers, kept in
 * identity-authz through its resource-server API. The plan is a pure function; the sync applies it
 * in two halves, so that clients can be given a new resource's scopes (created first) and let go of
 * a removed one's (deleted last) in the same reconcile.
 *
 * A resource server the operator manages carries `managedBy: IdentityRealm <realm> <digest>`, the
 * digest being that of the settings last applied: settings that differ from the spec while the
 * marker still has the spec's digest were changed through the API (drift, reverted); settings that
 * differ with another digest follow a change of the CR.
 */
import { createHash } from 'node:crypto';
import type { RealmResource } from '../api/kinds.ts';
import { realmSpec } from '../children/realm.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import type { ServiceResource } from '../resources/types.ts';
import type { AuthzAdmin } from './admin.ts';

/** The body identity-authz's create and update take, as the operator sends it. */
export interface ResourceServerBody {
  readonly name: string;
  readonly identifier: string;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly managedBy: string | null;
}

/** A resource server as identity-authz's API shows it. */
export interface ActualResourceServer extends ResourceServerBody {
  readonly builtIn: boolean;
}

export type ResourceServerOp =
  /** `recreated`: a managed one present at an earlier sync was deleted through the API (drift). */
  | { readonly op: 'create'; readonly body: ResourceServerBody; readonly recreated: boolean }
  | { readonly op: 'update'; readonly body: ResourceServerBody; readonly cause: 'spec' | 'drift'; readonly fields: readonly string[] }
  | { readonly op: 'delete'; readonly name: string };

export interface ResourceServerPlan {
  /** Creates and updates, applied before the clients are synced. */
  readonly ops: readonly ResourceServerOp[];
  /** Deletions, applied after the clients are synced. */
  readonly deletions: readonly ResourceServerOp[];
  /** Declared managed ones whose name one not managed by this realm already holds: never taken over. */
  readonly conflicts: readonly string[];
  /** Declared ones the operator manages (unmanaged and conflicting ones not counted). */
  readonly managed: number;
  /** Names of the managed ones identity-authz holds once the plan is applied. */
  readonly present: readonly string[];
}

export interface ResourceServerPlanInput {
  readonly realm: string;
  readonly declared: readonly RealmResource[];
  readonly actual: readonly ActualResourceServer[];
  /** Managed ones present at the previous sync, to tell a deletion through the API from a new one. */
  readonly known: ReadonlySet<string>;
}

const MARKER = 'IdentityRealm';

function markerPrefix(realm: string): string {
  return `${MARKER} ${realm} `;
}

/** The settings a declared resource server asks for, without the marker. */
function settings(declared: RealmResource): Omit<ResourceServerBody, 'managedBy'> {
  return { name: declared.name, identifier: declared.identifier, description: declared.description ?? '', scopes: [...new Set(declared.scopes)].sort() };
}

/** The digest of the settings, independent of the order of the scopes. */
export function settingsDigest(declared: RealmResource): string {
  const { identifier, description, scopes } = settings(declared);
  return createHash('sha256').update(JSON.stringify([identifier, description, scopes])).digest('base64url').slice(0, 22);
}

/** What the operator sends for a declared resource server. */
export function desiredBody(realm: string, declared: RealmResource): ResourceServerBody {
  return { ...settings(declared), managedBy: declared.unmanaged === true ? null : `${markerPrefix(realm)}${settingsDigest(declared)}` };
}

function managedBy(realm: string, actual: ActualResourceServer): boolean {
  return !actual.builtIn && actual.managedBy?.startsWith(markerPrefix(realm)) === true;
}

/** The fields that differ between what identity-authz holds and what is wanted. */
function differing(actual: ActualResourceServer, wanted: ResourceServerBody): string[] {
  const fields: string[] = [];
  if (actual.identifier !== wanted.identifier) fields.push('identifier');
  if (actual.description !== wanted.description) fields.push('description');
  if (JSON.stringify([...actual.scopes].sort()) !== JSON.stringify(wanted.scopes)) fields.push('scopes');
  if (actual.managedBy !== wanted.managedBy) fields.push('managedBy');
  return fields;
}

/** Everything to do so that identity-authz holds the declared resource servers and no other managed one. */
export function planResourceServers(input: ResourceServerPlanInput): ResourceServerPlan {
  const { realm } = input;
  const actualByName = new Map(input.actual.map((server) => [server.name, server]));
  const ops: ResourceServerOp[] = [];
  const deletions: ResourceServerOp[] = [];
  const conflicts: string[] = [];
  const present: string[] = [];
  for (const declared of input.declared) {
    const actual = actualByName.get(declared.name);
    const body = desiredBody(realm, declared);
    if (declared.unmanaged === true) {
      // Created once for the user; from then on it is theirs.
      if (actual === undefined) ops.push({ op: 'create', body, recreated: false });
      continue;
    }
    if (actual === undefined) {
      ops.push({ op: 'create', body, recreated: input.known.has(declared.name) });
      present.push(declared.name);
      continue;
    }
    if (!managedBy(realm, actual)) {
      conflicts.push(declared.name);
      continue;
    }
    present.push(declared.name);
    const fields = differing(actual, body);
    if (fields.length === 0) continue;
    if (fields.includes('identifier')) {
      // identity-authz keeps an identifier for good (tokens name it): another one is another
      // resource server. The CRD refuses the change, so this is one made behind the operator's back.
      ops.push({ op: 'delete', name: declared.name }, { op: 'create', body, recreated: false });
      continue;
    }
    ops.push({ op: 'update', body, cause: actual.managedBy === body.managedBy ? 'drift' : 'spec', fields: fields.filter((field) => field !== 'managedBy') });
  }
  const declaredNames = new Set(input.declared.map((declared) => declared.name));
  for (const actual of input.actual) {
    if (!declaredNames.has(actual.name) && managedBy(realm, actual)) deletions.push({ op: 'delete', name: actual.name });
  }
  return { ops, deletions, conflicts, managed: present.length, present };
}

export interface ResourceServerSyncContext {
  readonly resource: ServiceResource;
  readonly admin: AuthzAdmin;
  readonly announce: (type: 'Normal' | 'Warning', reason: string, note: string) => Promise<void>;
}

async function apply(context: ResourceServerSyncContext, op: ResourceServerOp): Promise<void> {
  const { admin, announce } = context;
  switch (op.op) {
    case 'create':
      await admin.createResourceServer(op.body);
      if (op.recreated) await announce('Warning', 'DriftReverted', `resource server ${op.body.name} was deleted through identity-authz's API; created again`);
      else await announce('Normal', 'ResourceServerCreated', `resource server ${op.body.name} (${op.body.identifier}) created in identity-authz`);
      return;
    case 'update': {
      const what = op.fields.length === 0 ? 'its marker' : op.fields.join(', ');
      await admin.updateResourceServer(op.body);
      if (op.cause === 'drift') await announce('Warning', 'DriftReverted', `resource server ${op.body.name} was changed through identity-authz's API (${what}); reverted to spec.resources`);
      else await announce('Normal', 'ResourceServerUpdated', `resource server ${op.body.name} updated in identity-authz (${what})`);
      return;
    }
    case 'delete':
      await admin.deleteResourceServer(op.name);
      await announce('Normal', 'ResourceServerDeleted', `resource server ${op.name} not in spec.resources as it is: deleted from identity-authz`);
  }
}

/** Applies a list of operations; problems of single ones are returned, the others still applied. */
export async function applyResourceServerOps(context: ResourceServerSyncContext, ops: readonly ResourceServerOp[]): Promise<string[]> {
  const failures: string[] = [];
  for (const op of ops) {
    try {
      await apply(context, op);
    } catch (error) {
      if (!(error instanceof ReconcileProblem)) throw error;
      failures.push(error.message);
    }
  }
  return failures;
}

/** Lists identity-authz's resource servers and plans `spec.resources` against them. */
export async function planRealmResourceServers(context: ResourceServerSyncContext, known: ReadonlySet<string>): Promise<ResourceServerPlan> {
  const actual = await context.admin.listResourceServers();
  return planResourceServers({ realm: context.resource.metadata.name, declared: realmSpec(context.resource).resources ?? [], actual, known });
}
