/**
 * Entitlements: a user holds the scopes its groups grant, and a login result carries only those.
 * Two groups are built in and cannot be changed: `users`, which every new user joins unless the
 * request names other groups, grants every ordinary scope (`*`); `admin` grants every scope,
 * admin scopes (`<prefix>:admin`) included. Admin scopes come only from `admin`: an ordinary group
 * that names one is refused. OpenID scopes (`openid`, `profile`, `email`, `offline_access`) only
 * ask for claims about the user, so every user holds them.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError } from '../template/errors/index.ts';
import { IdpGroup, IdpGroupMember } from './entities.ts';

export const ADMIN_GROUP = 'admin';
export const DEFAULT_GROUP = 'users';
/** In a group's scopes: every ordinary (non-admin) scope. */
export const ANY_ORDINARY_SCOPE = '*';

const OPENID_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** The API shape of a group. */
export interface PresentedGroup {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly builtIn: boolean;
}

export const BUILT_IN_GROUPS: readonly PresentedGroup[] = [
  { name: ADMIN_GROUP, scopes: [ANY_ORDINARY_SCOPE, '*:admin'], builtIn: true },
  { name: DEFAULT_GROUP, scopes: [ANY_ORDINARY_SCOPE], builtIn: true },
];

export function isBuiltIn(name: string): boolean {
  return BUILT_IN_GROUPS.some((group) => group.name === name);
}

/** True for a scope only the `admin` group grants (`kms:admin`, `idp:admin`, …). */
export function isAdminScope(scope: string): boolean {
  return scope.endsWith(':admin');
}

/** Refuses (400, naming it) an admin scope in an ordinary group. */
export function checkGroupScopes(scopes: readonly string[]): void {
  const admin = scopes.find(isAdminScope);
  if (admin !== undefined) throw new BadRequestError(`${admin} is an admin scope: only the built-in ${ADMIN_GROUP} group grants admin scopes`);
}

export function presentGroup(group: IdpGroup): PresentedGroup {
  return { name: group.name, scopes: [...group.scopes], builtIn: false };
}

/** What one user may be granted. */
export interface Entitlement {
  readonly admin: boolean;
  readonly scopes: ReadonlySet<string>;
}

/** The names of the groups `userId` belongs to, sorted. */
export async function groupsOf(em: EntityManager, userId: string): Promise<string[]> {
  const rows = await em.find(IdpGroupMember, { userId }, { orderBy: { groupName: 'asc' } });
  return rows.map((row) => row.groupName);
}

/** The entitlement of `userId`, from the groups it belongs to. */
export async function entitlementOf(em: EntityManager, userId: string): Promise<Entitlement> {
  const names = await groupsOf(em, userId);
  const scopes = new Set<string>();
  for (const name of names) {
    for (const scope of BUILT_IN_GROUPS.find((group) => group.name === name)?.scopes ?? []) scopes.add(scope);
  }
  const custom = await em.find(IdpGroup, { name: { $in: names } });
  for (const group of custom) for (const scope of group.scopes) scopes.add(scope);
  return { admin: names.includes(ADMIN_GROUP), scopes };
}

/** The part of `requested` the user holds, in the requested order. */
export function entitledScopes(requested: readonly string[], entitlement: Entitlement): string[] {
  return requested.filter((scope) => {
    if (OPENID_SCOPES.has(scope)) return true;
    if (isAdminScope(scope)) return entitlement.admin;
    return entitlement.scopes.has(ANY_ORDINARY_SCOPE) || entitlement.scopes.has(scope);
  });
}

/** Checks that every name is a group, built in or stored; 400 naming the first that is not. */
export async function checkGroupsExist(em: EntityManager, names: readonly string[]): Promise<void> {
  const stored = new Set((await em.find(IdpGroup, { name: { $in: [...names] } })).map((group) => group.name));
  const unknown = names.find((name) => !isBuiltIn(name) && !stored.has(name));
  if (unknown !== undefined) throw new BadRequestError(`no such group: ${unknown}`);
}
