/**
 * The table behind oidc-provider's adapter. Opaque token ids are the token values, so nothing here
 * holds an id in clear: `key` is a deterministic hash of `<model>:<id>`, the secondary look-ups
 * (session uid, device user code, grant id) are hashed the same way, and the payload exists only as
 * barrier ciphertext bound to its row by the AAD `authz_oidc_payloads/<key>`.
 */
import { defineEntity, p, type EntitySchema, type InferEntity } from '@mikro-orm/core';

export const OidcPayload = defineEntity({
  name: 'OidcPayload',
  tableName: 'authz_oidc_payloads',
  properties: {
    /** `hash.highEntropyDeterministic` of the model and id (docs: identity-authz storage). */
    key: p.string().primary(),
    /** The oidc-provider model name, e.g. `AccessToken`; kept in clear for sweeps and statistics. */
    model: p.string(),
    /** `barrier.encrypt(JSON of the payload, "authz_oidc_payloads/<key>")`. */
    payload: p.blob(),
    /** Hash of the grant id, on models a grant revocation deletes. */
    grantKey: p.string().nullable(),
    /** Hash of a Session's `uid`. */
    uidKey: p.string().nullable(),
    /** Hash of a DeviceCode's `userCode`. */
    userCodeKey: p.string().nullable(),
    /** Hash of the payload's `accountId`: revoking an account deletes its grants, sessions and tokens. */
    accountKey: p.string().nullable(),
    /** Hash of the payload's `clientId`: deleting a client deletes its grants and tokens. */
    clientKey: p.string().nullable(),
    /** Null when the library gave no lifetime. */
    expiresAt: p.datetime().nullable(),
    consumedAt: p.datetime().nullable(),
  },
});
export type OidcPayload = InferEntity<typeof OidcPayload>;

/** Add these to identity-authz's entities. */
export const storageEntities: readonly EntitySchema[] = [OidcPayload];
