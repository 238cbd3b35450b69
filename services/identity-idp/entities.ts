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

/**
 * A user's TOTP authenticator (RFC 6238). The secret exists only as barrier ciphertext bound to the
 * user by the AAD `identity-idp/idp_totp/<userId>`. `lastStep` is the last time step a code was
 * accepted for: a code is consumed by one guarded UPDATE that requires a later step, so it is never
 * accepted twice.
 */
export const IdpTotp = defineEntity({
  name: 'IdpTotp',
  tableName: 'idp_totp',
  properties: {
    userId: p.uuid().primary(),
    /** `barrier.encrypt(base32 secret, "identity-idp/idp_totp/<userId>")`. */
    sealedSecret: p.blob().hidden(),
    /** Null until the user has entered one valid code: an unconfirmed secret never guards a login. */
    confirmedAt: p.datetime().nullable(),
    lastStep: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdpTotp = InferEntity<typeof IdpTotp>;

/** One recovery code, stored only as its HighEntropyRandom hash; `usedAt` set once, by a guarded UPDATE. */
export const IdpRecoveryCode = defineEntity({
  name: 'IdpRecoveryCode',
  tableName: 'idp_recovery_codes',
  properties: {
    id: uuidPrimaryKey(),
    userId: p.uuid(),
    codeHash: p.string().hidden(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdpRecoveryCode = InferEntity<typeof IdpRecoveryCode>;

/**
 * A login whose password was right and whose second factor is still to come: bound to the browser
 * (the cookie value's HighEntropyDeterministic hash) and to one login request (its `jti`).
 */
export const IdpPendingLogin = defineEntity({
  name: 'IdpPendingLogin',
  tableName: 'idp_pending_logins',
  properties: {
    id: uuidPrimaryKey(),
    tokenHash: p.string().hidden(),
    userId: p.uuid(),
    requestId: p.string(),
    /** A step-up's session `amr` (space-separated); null when the login began with the password. */
    stepUpAmr: p.string().nullable(),
    /** A step-up's session `auth_time`, which the upgraded session keeps. */
    stepUpAuthTime: p.datetime().nullable(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdpPendingLogin = InferEntity<typeof IdpPendingLogin>;

/**
 * A user's passkey (WebAuthn credential). Only public material is kept: the credential id the
 * authenticator names it by, its COSE public key, and the signature counter it last reported.
 */
export const IdpPasskey = defineEntity({
  name: 'IdpPasskey',
  tableName: 'idp_passkeys',
  properties: {
    id: uuidPrimaryKey(),
    userId: p.uuid(),
    /** base64url, as the browser reports it; unique over all users. */
    credentialId: p.string(),
    /** The COSE_Key of the credential (WebAuthn §6.5.1.1). */
    publicKey: p.blob(),
    /** The authenticator's signature counter (WebAuthn §6.1.1); moved only forward, by a guarded UPDATE. */
    counter: p.bigint('number'),
    /** Space-separated (`internal hybrid`), as the browser reported them at registration. */
    transports: p.string(),
    /** `hwk` for a credential bound to one device, `swk` for a synced one (RFC 8176 §2). */
    amr: p.string(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime().nullable(),
  },
});
export type IdpPasskey = InferEntity<typeof IdpPasskey>;

/**
 * One WebAuthn ceremony's challenge: single use (one guarded DELETE consumes it), short-lived, and
 * bound to what it was issued for (`purpose`) and to whom (`binding`: the session, the pending
 * login or the login request).
 */
export const IdpPasskeyChallenge = defineEntity({
  name: 'IdpPasskeyChallenge',
  tableName: 'idp_passkey_challenges',
  properties: {
    challenge: p.string().primary(),
    purpose: p.string(),
    binding: p.string(),
    expiresAt: p.datetime(),
  },
});
export type IdpPasskeyChallenge = InferEntity<typeof IdpPasskeyChallenge>;

/** The service's own entities; the definition puts the signing-key entities before them. */
export const entities = [IdpUser, IdpSession, IdpLoginCounter, IdpGroup, IdpGroupMember, IdpTotp, IdpRecoveryCode, IdpPendingLogin, IdpPasskey, IdpPasskeyChallenge];
