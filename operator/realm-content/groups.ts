/**
 * The group plan as a pure function (docs/decisions/0006-realm-content.md): what `spec.groups`
 * asks for, against the groups identity-idp lists, becomes operations for sync-groups.ts.
 *
 * identity-idp's groups have a name and a flat list of scopes, no description. A group the
 * operator manages carries one more scope, its marker `managed-by-identityrealm.<realm>:<digest>`:
 * no resource server has such a scope, so it grants nothing, and every listing shows whose the
 * group is. The digest is that of the declared scopes when they were last applied: scopes that
 * differ from the spec while the marker still has the spec's digest were changed through the API
 * (drift, reverted); scopes that differ with another digest follow a change of the CR.
 */
import { createHash } from 'node:crypto';
import { GROUP_MARKER_PREFIX, type RealmGroup } from '../api/kinds.ts';

/** A group as identity-idp's API shows it. */
export interface ActualGroup {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly builtIn: boolean;
}

export type GroupOp =
  /** `recreated`: a managed group seen at an earlier sync was deleted through the API (drift). */
  | { readonly op: 'create'; readonly name: string; readonly scopes: readonly string[]; readonly recreated: boolean }
  | { readonly op: 'update'; readonly name: string; readonly scopes: readonly string[]; readonly cause: 'spec' | 'drift'; readonly extra: readonly string[]; readonly missing: readonly string[] }
  | { readonly op: 'delete'; readonly name: string };

export interface GroupPlan {
  readonly ops: readonly GroupOp[];
  /** Declared managed groups whose name a group without this realm's marker already holds. */
  readonly conflicts: readonly string[];
  /** Declared groups the operator manages (unmanaged and conflicting ones not counted). */
  readonly managed: number;
  /** Names of the managed groups identity-idp holds once the plan is applied. */
  readonly present: readonly string[];
}

export interface GroupPlanInput {
  readonly realm: string;
  readonly groups: readonly RealmGroup[];
  readonly actual: readonly ActualGroup[];
  /** Managed groups present at the previous sync, to tell a deletion through the API from a new group. */
  readonly known: ReadonlySet<string>;
}

/** The scopes of a declared group as one sorted list without repeats (identity-idp's form). */
export function flatScopes(group: RealmGroup): string[] {
  return [...new Set(Object.values(group.scopes).flat())].sort();
}

/** The marker scope's prefix for `realm`; the digest follows the colon. */
function markerPrefix(realm: string): string {
  return `${GROUP_MARKER_PREFIX}${realm}:`;
}

/** The digest of a declared group's scopes, independent of order and of the resources they are listed under. */
export function scopesDigest(scopes: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([...new Set(scopes)].sort())).digest('base64url').slice(0, 22);
}

/** The scope that marks a group as managed by `realm`, with the digest of `scopes`. */
export function groupMarker(realm: string, scopes: readonly string[]): string {
  return `${markerPrefix(realm)}${scopesDigest(scopes)}`;
}

/** The scopes a group gets: the declared ones, and the marker unless it is unmanaged. */
export function desiredScopes(realm: string, group: RealmGroup): string[] {
  const scopes = flatScopes(group);
  return group.unmanaged === true ? scopes : [...scopes, groupMarker(realm, scopes)].sort();
}

/** The marker of `realm` among a group's scopes, if it carries one. */
function markerOf(realm: string, group: ActualGroup): string | undefined {
  return group.scopes.find((scope) => scope.startsWith(markerPrefix(realm)));
}

function managedBy(realm: string, group: ActualGroup): boolean {
  return !group.builtIn && markerOf(realm, group) !== undefined;
}

/** Everything to do so that identity-idp holds the declared groups and no other managed one. */
export function planGroups(input: GroupPlanInput): GroupPlan {
  const { realm } = input;
  const actualByName = new Map(input.actual.map((group) => [group.name, group]));
  const ops: GroupOp[] = [];
  const conflicts: string[] = [];
  const present: string[] = [];
  for (const group of input.groups) {
    const actual = actualByName.get(group.name);
    const scopes = desiredScopes(realm, group);
    if (group.unmanaged === true) {
      // Created once for the user; from then on it is theirs.
      if (actual === undefined) ops.push({ op: 'create', name: group.name, scopes, recreated: false });
      continue;
    }
    if (actual === undefined) {
      ops.push({ op: 'create', name: group.name, scopes, recreated: input.known.has(group.name) });
      present.push(group.name);
      continue;
    }
    if (!managedBy(realm, actual)) {
      conflicts.push(group.name);
      continue;
    }
    present.push(group.name);
    const current = [...new Set(actual.scopes)].sort();
    if (JSON.stringify(current) === JSON.stringify(scopes)) continue;
    const ordinary = (list: readonly string[]): string[] => list.filter((scope) => !scope.startsWith(markerPrefix(realm)));
    // Scopes identity-idp has and the spec does not, and the other way round.
    const extra = ordinary(current).filter((scope) => !scopes.includes(scope));
    const missing = ordinary(scopes).filter((scope) => !current.includes(scope));
    const cause = markerOf(realm, actual) === groupMarker(realm, flatScopes(group)) ? 'drift' : 'spec';
    ops.push({ op: 'update', name: group.name, scopes, cause, extra, missing });
  }
  const declared = new Set(input.groups.map((group) => group.name));
  for (const actual of input.actual) {
    if (!declared.has(actual.name) && managedBy(realm, actual)) ops.push({ op: 'delete', name: actual.name });
  }
  return { ops, conflicts, managed: present.length, present };
}
