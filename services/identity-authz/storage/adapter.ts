/**
 * oidc-provider's storage adapter on the service's database (the library's `adapter` setting: one
 * instance per model, `new Adapter(modelName)`). The library hands it bearer secrets: opaque token
 * ids are the token values, and payloads carry PKCE challenges, claims and session state. So a row
 * is found by a deterministic hash of what the library asks for, never by the value itself, and the
 * payload is stored only under the barrier.
 *
 * Hash inputs (all through `hash.highEntropyDeterministic`, whose HKDF needs 16 bytes of input, which
 * the fixed label guarantees even for a short id a client made up):
 * `cryptoutil/identity-authz/<model>:<id>`, `…/Session/uid:<uid>`,
 * `…/DeviceCode/userCode:<userCode>`, `…/grant:<grantId>`, `…/account:<accountId>` and
 * `…/client:<clientId>`.
 */
import type { MikroORM } from '@mikro-orm/core';
import { errors } from 'oidc-provider';
import type { Barrier } from '../../template/barrier/index.ts';
import { InternalError } from '../../template/errors/index.ts';
import type { HashService } from '../../template/hash/index.ts';
import { defineRead, type Reads } from '../../template/database/index.ts';
import { OidcPayload } from './entities.ts';

/** A model instance as the library stores it: plain JSON. */
export type AdapterPayload = Record<string, unknown>;

/** The contract oidc-provider expects of `new Adapter(model)` (its docs, "adapter"). */
export interface OidcAdapter {
  /** Creates or replaces; `expiresIn` is in seconds from now. */
  upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
  /** Undefined when unknown or expired; `consumed` (epoch seconds) is present once consumed. */
  find(id: string): Promise<AdapterPayload | undefined>;
  /** Session only. */
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  /** DeviceCode only. */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /**
   * Marks as used, as a compare-and-set: only the caller that flips an unconsumed row resolves; any
   * other (a concurrent or later redemption) revokes the grant and rejects with `invalid_grant`.
   */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Deletes every stored token of the grant, whatever its model. */
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface OidcStorageOptions {
  readonly orm: MikroORM;
  /** The same database's prepared reads: every look-up of a payload goes through them. */
  readonly reads: Reads;
  readonly barrier: Barrier;
  /** The template hash service: look-up keys are hash.highEntropyDeterministic.hashWithLatest(...). */
  readonly hash: HashService;
  /** Model 'Client' is not stored here: it is answered by this function (client metadata or undefined). */
  readonly findClient: (clientId: string) => Promise<Record<string, unknown> | undefined>;
  readonly now?: () => number;
}

export interface OidcStorage {
  /** The class to pass as oidc-provider's `adapter` configuration (`new Adapter(modelName)`). */
  readonly Adapter: new (model: string) => OidcAdapter;
  /** Deletes expired rows; returns how many. Called on a timer by the service. */
  sweep(): Promise<number>;
  /** The unexpired sessions of an account, opened (read before `revokeAccount`, for back-channel logout). */
  sessionsOf(accountId: string): Promise<AdapterPayload[]>;
  /** Deletes every grant, session, code and token of an account (identity-idp's account events). */
  revokeAccount(accountId: string): Promise<void>;
  /** Deletes every grant, code and token of a client (the client is being deleted). */
  revokeClient(clientId: string): Promise<void>;
}

interface ModelRow {
  /** Carries a `grantId` that a grant revocation deletes (oidc-provider's revoke helper lists these). */
  readonly grantable: boolean;
  /** Found by `uid` as well as by id (Session). */
  readonly byUid: boolean;
  /** Found by `userCode` as well as by id (DeviceCode, RFC 8628 §3.3). */
  readonly byUserCode: boolean;
}

const PLAIN: ModelRow = { grantable: false, byUid: false, byUserCode: false };
const GRANTABLE: ModelRow = { grantable: true, byUid: false, byUserCode: false };

/** Every model the library persists; Client is answered by `findClient` instead. */
const MODELS: Readonly<Record<string, ModelRow>> = Object.assign(Object.create(null) as object, {
  Session: { grantable: false, byUid: true, byUserCode: false },
  AccessToken: GRANTABLE,
  AuthorizationCode: GRANTABLE,
  RefreshToken: GRANTABLE,
  DeviceCode: { grantable: true, byUid: false, byUserCode: true },
  BackchannelAuthenticationRequest: GRANTABLE,
  PreAuthorizedCode: GRANTABLE,
  ClientCredentials: PLAIN,
  InitialAccessToken: PLAIN,
  RegistrationAccessToken: PLAIN,
  Interaction: PLAIN,
  ReplayDetection: PLAIN,
  PushedAuthorizationRequest: PLAIN,
  Grant: PLAIN,
});

/** The model names the adapter stores, for documentation and tests. */
export const STORED_MODELS: readonly string[] = Object.keys(MODELS);

/** Domain label of every hashed look-up key, so keys of this table never match another table's. */
const LABEL = 'cryptoutil/identity-authz/';

/** The AAD binding a sealed payload to its row (docs/barrier.md "AAD bindings"). */
export function payloadAad(key: string): string {
  return `authz_oidc_payloads/${key}`;
}

const PAYLOAD_COLUMNS = { key: 'string', payload: 'bytes', consumedAt: 'date?' } as const;
const SELECT_UNEXPIRED = 'select key, payload, consumed_at as "consumedAt" from authz_oidc_payloads where (expires_at is null or expires_at > ?) and';

/** The unexpired row by each look-up key a model has (prepared reads: the token path's hottest query). */
const PAYLOAD_BY = {
  key: defineRead(`${SELECT_UNEXPIRED} key = ?`, PAYLOAD_COLUMNS),
  uidKey: defineRead(`${SELECT_UNEXPIRED} uid_key = ?`, PAYLOAD_COLUMNS),
  userCodeKey: defineRead(`${SELECT_UNEXPIRED} user_code_key = ?`, PAYLOAD_COLUMNS),
} as const;

/** The parts of the storage every model adapter shares. */
class PayloadStore {
  readonly #orm: MikroORM;
  readonly #reads: Reads;
  readonly #barrier: Barrier;
  readonly #hash: HashService;
  readonly now: () => number;

  constructor(options: OidcStorageOptions) {
    this.#orm = options.orm;
    this.#reads = options.reads;
    this.#barrier = options.barrier;
    this.#hash = options.hash;
    this.now = options.now ?? Date.now;
  }

  lookupKey(input: string): Promise<string> {
    return this.#hash.highEntropyDeterministic.hashWithLatest(`${LABEL}${input}`);
  }

  async write(row: OidcPayload, payload: AdapterPayload): Promise<void> {
    const plaintext = Buffer.from(JSON.stringify(payload), 'utf8');
    try {
      row.payload = Buffer.from(await this.#barrier.encrypt(plaintext, payloadAad(row.key)));
    } finally {
      plaintext.fill(0);
    }
    // One statement, so a replaced row is never seen half written.
    await this.#orm.em.fork().upsert(OidcPayload, row);
  }

  /** The unexpired row whose look-up key `by` is `value`, opened; undefined when there is none. */
  async read(by: keyof typeof PAYLOAD_BY, value: string): Promise<AdapterPayload | undefined> {
    const row = await this.#reads.one(PAYLOAD_BY[by], [new Date(this.now()), value]);
    return row === undefined ? undefined : this.#open(row);
  }

  /** Every unexpired Session row of an account, opened. */
  async sessionsOf(accountKey: string): Promise<AdapterPayload[]> {
    const rows = await this.#orm.em.fork().find(OidcPayload, { accountKey, model: 'Session', $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(this.now()) } }] });
    return Promise.all(rows.map((row) => this.#open(row)));
  }

  async #open(row: Pick<OidcPayload, 'key' | 'payload' | 'consumedAt'>): Promise<AdapterPayload> {
    const plaintext = await this.#barrier.decrypt(row.payload, payloadAad(row.key));
    let payload: AdapterPayload;
    try {
      payload = JSON.parse(new TextDecoder().decode(plaintext)) as AdapterPayload;
    } finally {
      plaintext.fill(0);
    }
    const consumedAt = row.consumedAt?.getTime();
    // The library reads `consumed` to refuse a used code and to detect refresh-token reuse (RFC 9700 §4.14.2).
    return consumedAt === undefined ? payload : { ...payload, consumed: Math.floor(consumedAt / 1000) };
  }

  /** True for the one caller whose guarded update flipped the row; a second consume keeps the first time. */
  async consume(key: string): Promise<boolean> {
    // One guarded statement decides (STYLE "Concurrency"): the library reads `consumed` before it
    // calls consume, so concurrent redemptions all pass that read and only this write tells them apart.
    const updated = await this.#orm.em.fork().nativeUpdate(OidcPayload, { key, consumedAt: null }, { consumedAt: new Date(this.now()) });
    return updated === 1;
  }

  async destroy(where: { key: string } | { grantKey: string } | { accountKey: string } | { clientKey: string }): Promise<void> {
    await this.#orm.em.fork().nativeDelete(OidcPayload, where);
  }

  sweep(): Promise<number> {
    return this.#orm.em.fork().nativeDelete(OidcPayload, { expiresAt: { $lte: new Date(this.now()) } });
  }
}

/** One model's rows. */
class ModelAdapter implements OidcAdapter {
  readonly #store: PayloadStore;
  readonly #model: string;
  readonly #row: ModelRow;

  constructor(store: PayloadStore, model: string, row: ModelRow) {
    this.#store = store;
    this.#model = model;
    this.#row = row;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const { grantId, uid, userCode, accountId, clientId } = payload;
    const [key, grantKey, uidKey, userCodeKey, accountKey, clientKey] = await Promise.all([
      this.#key(id),
      this.#row.grantable && typeof grantId === 'string' ? this.#store.lookupKey(`grant:${grantId}`) : null,
      this.#row.byUid && typeof uid === 'string' ? this.#uidKey(uid) : null,
      this.#row.byUserCode && typeof userCode === 'string' ? this.#userCodeKey(userCode) : null,
      typeof accountId === 'string' ? this.#store.lookupKey(`account:${accountId}`) : null,
      typeof clientId === 'string' ? this.#store.lookupKey(`client:${clientId}`) : null,
    ]);
    const expiresAt = typeof expiresIn === 'number' ? new Date(this.#store.now() + expiresIn * 1000) : null;
    // A replaced row starts unconsumed, as the library's own memory adapter does.
    await this.#store.write({ key, model: this.#model, payload: Buffer.alloc(0), grantKey, uidKey, userCodeKey, accountKey, clientKey, expiresAt, consumedAt: null }, payload);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.read('key', await this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#row.byUid ? this.#store.read('uidKey', await this.#uidKey(uid)) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#row.byUserCode ? this.#store.read('userCodeKey', await this.#userCodeKey(userCode)) : undefined;
  }

  async consume(id: string): Promise<void> {
    const key = await this.#key(id);
    if (await this.#store.consume(key)) return;
    // Lost the race, or used before: the library's reuse detection (RFC 9700 §4.14.2) had no chance
    // to see `consumed`, so it fires here: the grant's tokens and the grant itself go.
    const grantId = (await this.#store.read('key', key))?.grantId;
    if (typeof grantId === 'string') {
      await Promise.all([this.revokeByGrantId(grantId), this.#store.destroy({ key: await this.#store.lookupKey(`Grant:${grantId}`) })]);
    }
    throw new errors.InvalidGrant(`${this.#model} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.#store.destroy({ key: await this.#key(id) });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.destroy({ grantKey: await this.#store.lookupKey(`grant:${grantId}`) });
  }

  #key(id: string): Promise<string> {
    return this.#store.lookupKey(`${this.#model}:${id}`);
  }

  #uidKey(uid: string): Promise<string> {
    return this.#store.lookupKey(`${this.#model}/uid:${uid}`);
  }

  #userCodeKey(userCode: string): Promise<string> {
    return this.#store.lookupKey(`${this.#model}/userCode:${userCode}`);
  }
}

/** Clients live in identity-authz's own tables; the library only ever reads them through here. */
class ClientAdapter implements OidcAdapter {
  readonly #findClient: OidcStorageOptions['findClient'];

  constructor(findClient: OidcStorageOptions['findClient']) {
    this.#findClient = findClient;
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#findClient(id);
  }

  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  // Dynamic registration (RFC 7591) would write here; it stays off, so any write is a wiring bug.
  upsert(): Promise<void> {
    return Promise.reject(readOnlyClients());
  }

  consume(): Promise<void> {
    return Promise.reject(readOnlyClients());
  }

  destroy(): Promise<void> {
    return Promise.reject(readOnlyClients());
  }

  revokeByGrantId(): Promise<void> {
    return Promise.reject(readOnlyClients());
  }
}

function readOnlyClients(): InternalError {
  return new InternalError(new Error('client metadata is read-only through the oidc-provider adapter'));
}

/** The adapter class for oidc-provider and the sweep of expired rows, on one table. */
export function createOidcStorage(options: OidcStorageOptions): OidcStorage {
  const store = new PayloadStore(options);

  class Adapter implements OidcAdapter {
    readonly #target: OidcAdapter;

    constructor(model: string) {
      if (model === 'Client') {
        this.#target = new ClientAdapter(options.findClient);
        return;
      }
      const row = MODELS[model];
      if (row === undefined) throw new TypeError(`the oidc-provider adapter does not store model "${model}"`);
      this.#target = new ModelAdapter(store, model, row);
    }

    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
      return this.#target.upsert(id, payload, expiresIn);
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return this.#target.find(id);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#target.findByUid(uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#target.findByUserCode(userCode);
    }

    consume(id: string): Promise<void> {
      return this.#target.consume(id);
    }

    destroy(id: string): Promise<void> {
      return this.#target.destroy(id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return this.#target.revokeByGrantId(grantId);
    }
  }

  return {
    Adapter,
    sweep: () => store.sweep(),
    sessionsOf: async (accountId) => store.sessionsOf(await store.lookupKey(`account:${accountId}`)),
    revokeAccount: async (accountId) => { await store.destroy({ accountKey: await store.lookupKey(`account:${accountId}`) }); },
    revokeClient: async (clientId) => { await store.destroy({ clientKey: await store.lookupKey(`client:${clientId}`) }); },
  };
}

// The service definition takes the table from here too, beside the adapter it belongs to.
export { storageEntities, OidcPayload } from './entities.ts';
export { storageMigrations } from './migrations.ts';
