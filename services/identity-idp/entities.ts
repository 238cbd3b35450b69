/**
 * identity-idp tables. A password exists here only as a LowEntropyRandom (PBKDF2) hash and a
 * session only as the HighEntropyDeterministic hash of its cookie value, so a copy of the database
 * lets nobody log in or ride a session.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';

export const IdpUser = defineEntity({
  name: 'IdpUser',
  tableName: 'idp_users',
  properties: {
    id: uuidPrimaryKey(),
    username: p.string(),
    email: p.string(),
    /** Hidden: never serialized, whatever a handler does with the entity. */
    passwordHash: p.string().hidden(),
    /** Wrong passwords since the last success or lock. */
    failedAttempts: p.integer(),
    lockedUntil: p.datetime().nullable(),
    ...timestamps(),
  },
});
export type IdpUser = InferEntity<typeof IdpUser>;

export const IdpSession = defineEntity({
  name: 'IdpSession',
  tableName: 'idp_sessions',
  properties: {
    id: uuidPrimaryKey(),
    /** highEntropyDeterministic hash of the cookie value: the look-up key, never the value. */
    tokenHash: p.string().hidden(),
    userId: p.uuid(),
    /** When the password was checked (OIDC Core §2 auth_time). */
    authTime: p.datetime(),
    /** RFC 8176 method references of that login, space-separated (`pwd`, later `pwd otp`). */
    amr: p.string(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdpSession = InferEntity<typeof IdpSession>;

/**
 * Failed-login counters of usernames no user has: an unknown name is locked after the same number
 * of failures as a real account, without a user being created for it.
 */
export const IdpLoginCounter = defineEntity({
  name: 'IdpLoginCounter',
  tableName: 'idp_login_counters',
  properties: {
    username: p.string().primary(),
    failedAttempts: p.integer(),
    lockedUntil: p.datetime().nullable(),
  },
});
export type IdpLoginCounter = InferEntity<typeof IdpLoginCounter>;

/** A group defined through the API; the built-in `admin` and `users` groups are not stored (groups.ts). */
export const IdpGroup = defineEntity({
  name: 'IdpGroup',
  tableName: 'idp_groups',
  properties: {
    name: p.string().primary(),
    /** Ordinary scopes the group grants (`kms:read`), or `*` for all of them; never an admin scope. */
    scopes: p.json<string[]>(),
    ...timestamps(),
  },
});
export type IdpGroup = InferEntity<typeof IdpGroup>;

/** One user in one group (built in or stored). */
export const IdpGroupMember = defineEntity({
  name: 'IdpGroupMember',
  tableName: 'idp_group_members',
  properties: {
    groupName: p.string().primary(),
    userId: p.uuid().primary(),
  },
});
export type IdpGroupMember = InferEntity<typeof IdpGroupMember>;

/** The service's own entities; the definition puts the signing-key entities before them. */
export const entities = [IdpUser, IdpSession, IdpLoginCounter, IdpGroup, IdpGroupMember];
