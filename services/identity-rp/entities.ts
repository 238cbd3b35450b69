/**
 * identity-rp keeps two kinds of record, both server-side so that nothing but an opaque cookie
 * reaches the browser: logins on their way through identity-authz, and signed-in sessions.
 * Cookies are stored only as look-up hashes; everything secret is sealed by the barrier.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';

/** A login between `/bff/login` and `/bff/callback`: single use, minutes long. */
export const RpLogin = defineEntity({
  name: 'RpLogin',
  tableName: 'rp_logins',
  properties: {
    id: uuidPrimaryKey(),
    /** HighEntropyDeterministic hash of the `__Host-rp_login` cookie. */
    bindingHash: p.string().unique(),
    /** `barrier.encrypt(JSON {state, nonce, verifier, returnTo?}, "identity-rp/rp_logins/<id>")`. */
    sealed: p.blob(),
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
  },
});
export type RpLogin = InferEntity<typeof RpLogin>;

/** A signed-in user: who, until when, and the sealed tokens that call APIs for them. */
export const RpSession = defineEntity({
  name: 'RpSession',
  tableName: 'rp_sessions',
  properties: {
    id: uuidPrimaryKey(),
    /** HighEntropyDeterministic hash of the `__Host-rp_session` cookie. */
    cookieHash: p.string().unique(),
    subject: p.string(),
    /** The OP's session id (`sid` of the ID token), for back-channel logout; empty when absent. */
    sid: p.string(),
    /**
     * `barrier.encrypt(JSON {accessToken, resource, resourceTokens, refreshToken, idToken, csrf}, "identity-rp/rp_sessions/<id>")`:
     * `resourceTokens` holds the access tokens of the other resources, each with its expiry.
     */
    sealed: p.blob(),
    /** Bumped on every refresh: a guarded write on it decides which request refreshes. */
    version: p.integer(),
    accessExpiresAt: p.datetime(),
    /** Set while one request refreshes the tokens; others wait for the new version. */
    refreshingUntil: p.datetime().nullable(),
    expiresAt: p.datetime(),
    ...timestamps(),
  },
});
export type RpSession = InferEntity<typeof RpSession>;

/**
 * A logout token already acted on (Back-Channel Logout 1.0 §2.6 step 9, replay): the digest of its
 * issuer and `jti`, kept until the token could no longer be accepted anyway.
 */
export const RpUsedLogoutToken = defineEntity({
  name: 'RpUsedLogoutToken',
  tableName: 'rp_used_logout_tokens',
  properties: {
    replayKey: p.string().primary(),
    expiresAt: p.datetime(),
  },
});
export type RpUsedLogoutToken = InferEntity<typeof RpUsedLogoutToken>;

export const entities = [RpLogin, RpSession, RpUsedLogoutToken];
