/**
 * Key sets and their lifecycle (issue 17 point 1): a set is made with an `active` key and a
 * published `next` key; a rotation retires the active key, promotes the next one and publishes a
 * new next; retired keys are deleted once their retention ends. Every change of a set's keys is one
 * transaction guarded by the set's `version`, with its audit row, so of two concurrent changes
 * exactly one commits.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { flushOrConflict } from '../template/database/index.ts';
import { appendAudit, type LifecycleAction } from './audit.ts';
import { SERVICE_ACTOR, type Actor, type JaContext } from './context.ts';
import { JwkKey, KeySet, type KeyStatus } from './entities.ts';
import { generateKey, type NewKey } from './keys.ts';
import type { KeySetUse } from './ports.ts';
import { checkKeySetInput, type KeySetInput } from './rules.ts';

const DAY_MS = 86_400_000;

/** The API shape of one key: never a private member, and not even the public JWK (that is the JWKS). */
export interface KeyView {
  readonly kid: string;
  readonly status: KeyStatus;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly retiredAt: string | null;
  readonly deleteAfter: string | null;
}

/** The API shape of a key set. */
export interface KeySetView {
  readonly name: string;
  readonly use: KeySetUse;
  readonly alg: string;
  readonly rotationDays: number;
  readonly retentionDays: number;
  readonly issuer: string;
  readonly tokenType: string;
  readonly pairedWith: string | null;
  readonly jwksUrl: string;
  readonly createdAt: string;
  readonly keys: readonly KeyView[];
}

/** JWKS and API order: the active key, then the next one, then retired keys newest first. */
const STATUS_ORDER: Readonly<Record<KeyStatus, number>> = { active: 0, next: 1, retired: 2 };

/** The set's keys in JWKS order. */
export async function keysOf(em: EntityManager, set: KeySet): Promise<JwkKey[]> {
  const keys = await em.find(JwkKey, { keySetId: set.id }, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return keys.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}


/** Where verifiers fetch the set's public keys. */
export function jwksUrlOf(ja: JaContext, name: string): string {
  return `${ja.publicUrl()}/jwks/${name}/.well-known/jwks.json`;
}

function iso(date: Date | null | undefined): string | null {
  return date == null ? null : date.toISOString();
}

/** The API shape of `set` with `keys`. */
export function presentKeySet(ja: JaContext, set: KeySet, keys: readonly JwkKey[]): KeySetView {
  return {
    name: set.name,
    use: set.use,
    alg: set.alg,
    rotationDays: set.rotationDays,
    retentionDays: set.retentionDays,
    issuer: set.issuer,
    tokenType: set.tokenType,
    pairedWith: set.pairedWith ?? null,
    jwksUrl: jwksUrlOf(ja, set.name),
    createdAt: set.createdAt.toISOString(),
    keys: keys.map((key) => ({
      kid: key.kid,
      status: key.status,
      createdAt: key.createdAt.toISOString(),
      activatedAt: iso(key.activatedAt),
      retiredAt: iso(key.retiredAt),
      deleteAfter: iso(key.deleteAfter),
    })),
  };
}

/** The named set; a 404 problem when there is none. */
export async function findKeySet(em: EntityManager, name: string): Promise<KeySet> {
  const set = await em.findOne(KeySet, { name });
  if (set === null) throw new NotFoundError(`no key set named ${name}`);
  return set;
}

/** The named set as the API shows it. */
export async function getKeySet(em: EntityManager, ja: JaContext, name: string): Promise<KeySetView> {
  const set = await findKeySet(em, name);
  return presentKeySet(ja, set, await keysOf(em, set));
}

/** One page of sets, by name. */
export async function listKeySets(em: EntityManager, ja: JaContext, page: number, size: number): Promise<{ items: KeySetView[]; total: number }> {
  const [sets, total] = await em.findAndCount(KeySet, {}, { orderBy: { name: 'asc' }, limit: size, offset: page * size });
  const keys = sets.length === 0 ? [] : await em.find(JwkKey, { keySetId: { $in: sets.map((set) => set.id) } }, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  const items = sets.map((set) => presentKeySet(ja, set, keys.filter((key) => key.keySetId === set.id).sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status])));
  return { items, total };
}

function storeKey(tx: EntityManager, setId: string, key: NewKey, status: KeyStatus, at: Date): void {
  tx.create(JwkKey, {
    id: key.id,
    keySetId: setId,
    kid: key.kid,
    status,
    publicJwk: key.publicJwk,
    sealedJwk: key.sealedJwk,
    createdAt: at,
    activatedAt: status === 'active' ? at : null,
    retiredAt: null,
    deleteAfter: null,
  });
}

/** A pairing names an existing `sig` set. */
async function checkPairing(em: EntityManager, pairedWith: string | undefined): Promise<void> {
  if (pairedWith === undefined) return;
  const paired = await em.findOne(KeySet, { name: pairedWith });
  if (paired === null) throw new NotFoundError(`pairedWith names no key set: ${pairedWith}`);
  if (paired.use !== 'sig') throw new BadRequestError(`pairedWith must name a sig set; ${pairedWith} is an ${paired.use} set`);
}

/** Checks a body or a declared set against the rules; a BadRequestError names the first problem. */
export function validInput(input: unknown): KeySetInput {
  const problem = checkKeySetInput(input);
  if (problem !== undefined) throw new BadRequestError(problem);
  return input as KeySetInput;
}

/**
 * Holds the paired sig set's row until the transaction ends; false when it is gone. The write
 * changes nothing (a sig set pairs with no set), but a delete of that set waits for it and then
 * sees the new enc set (409), or got there first and this finds no row.
 */
async function holdPairing(tx: EntityManager, pairedWith: string): Promise<boolean> {
  return await tx.nativeUpdate(KeySet, { name: pairedWith, use: 'sig' }, { pairedWith: null }) === 1;
}

/**
 * Makes a set with its active and next keys. The keys are generated before the transaction; the
 * unique name decides between concurrent creations (one commits, the others are 409).
 */
export async function createKeySet(em: EntityManager, ja: JaContext, body: unknown, actor: Actor): Promise<KeySetView> {
  const input = validInput(body);
  const taken = `a key set named ${input.name} exists`;
  if (await em.count(KeySet, { name: input.name }) > 0) throw new ConflictError(taken);
  await checkPairing(em, input.pairedWith);
  const [active, next] = await Promise.all([generateKey(ja.barrier, input.alg), generateKey(ja.barrier, input.alg)]);
  const at = ja.now();
  const set = await em.transactional(async (tx) => {
    if (input.pairedWith !== undefined && !await holdPairing(tx, input.pairedWith)) throw new NotFoundError(`pairedWith names no key set: ${input.pairedWith}`);
    const created = tx.create(KeySet, {
      name: input.name,
      use: input.use,
      alg: input.alg,
      rotationDays: input.rotationDays,
      retentionDays: input.retentionDays,
      issuer: input.issuer ?? `${ja.publicUrl()}/jwks/${input.name}`,
      tokenType: input.tokenType ?? 'JWT',
      pairedWith: input.pairedWith ?? null,
      version: 1,
    });
    // The unique name decides between concurrent creations; and keys name the set by a foreign key
    // the unit of work does not know, so the set is written first.
    await flushOrConflict(tx, taken);
    storeKey(tx, created.id, active, 'active', at);
    storeKey(tx, created.id, next, 'next', at);
    appendAudit(tx, actor, { keySet: input.name, action: 'create', kid: active.kid, outcome: 'success', detail: `next key ${next.kid} published` }, at);
    return created;
  });
  ja.changed(set.name);
  return presentKeySet(ja, set, await keysOf(em, set));
}

/** Moves the set from `version` to the next one; false when another change got there first. */
async function claimVersion(tx: EntityManager, set: KeySet, at: Date): Promise<boolean> {
  return await tx.nativeUpdate(KeySet, { id: set.id, version: set.version }, { version: set.version + 1, updatedAt: at }) === 1;
}

/** Why a rotation must wait: the next key is younger than the JWKS max-age. */
function tooEarly(ja: JaContext, next: JwkKey, at: Date): string | undefined {
  const possibleAt = new Date(next.createdAt.getTime() + ja.jwksMaxAgeSeconds * 1000);
  if (possibleAt <= at) return undefined;
  return `the next key ${next.kid} was published less than ${String(ja.jwksMaxAgeSeconds)} s ago (the JWKS max-age), so verifiers may not have it yet; rotate from ${possibleAt.toISOString()}, or with immediate: true if the active key is compromised`;
}

export interface RotationOptions {
  /** Rotate even when verifiers may not have the next key yet (the compromise case). */
  readonly immediate?: boolean;
  readonly action?: Extract<LifecycleAction, 'rotate' | 'rotate.scheduled'>;
}

/**
 * Retires the active key, activates the next one and publishes a new next key, in one transaction
 * that first claims the set's version: of concurrent rotations exactly one commits, the others are
 * 409, and the partial unique indexes keep one active key whatever happens.
 */
export async function rotateKeySet(em: EntityManager, ja: JaContext, name: string, actor: Actor, options: RotationOptions = {}): Promise<KeySetView> {
  const set = await findKeySet(em, name);
  const keys = await keysOf(em, set);
  const active = keys.find((key) => key.status === 'active');
  const next = keys.find((key) => key.status === 'next');
  if (active === undefined || next === undefined) throw new ConflictError(`key set ${name} is being changed; try again`);
  const wait = options.immediate === true ? undefined : tooEarly(ja, next, ja.now());
  if (wait !== undefined) throw new ConflictError(wait);
  const fresh = await generateKey(ja.barrier, set.alg);
  const at = ja.now();
  await em.transactional(async (tx) => {
    if (!await claimVersion(tx, set, at)) throw new ConflictError(`key set ${name} was rotated or changed meanwhile`);
    await tx.nativeUpdate(JwkKey, { id: active.id }, { status: 'retired', retiredAt: at, deleteAfter: new Date(at.getTime() + set.retentionDays * DAY_MS) });
    await tx.nativeUpdate(JwkKey, { id: next.id }, { status: 'active', activatedAt: at });
    storeKey(tx, set.id, fresh, 'next', at);
    appendAudit(tx, actor, { keySet: name, action: options.action ?? 'rotate', kid: next.kid, outcome: 'success', detail: `retired ${active.kid}; published next ${fresh.kid}` }, at);
  });
  ja.changed(name);
  return getKeySet(em.fork(), ja, name);
}

/** Deletes the set and every key of it; its audit records stay. An enc set paired with it keeps it alive (409). */
export async function deleteKeySet(em: EntityManager, ja: JaContext, name: string, actor: Actor): Promise<void> {
  const set = await findKeySet(em, name);
  const at = ja.now();
  await em.transactional(async (tx) => {
    // The set's row first: this waits for a rotation that claimed it to commit, so the key it adds is
    // deleted too (not left to break the foreign key), and a rotation after this finds no set (409);
    // likewise for an enc set being paired with it, which is then seen below.
    if (await tx.nativeUpdate(KeySet, { id: set.id }, { updatedAt: at }) !== 1) throw new NotFoundError(`no key set named ${name}`);
    const dependant = await tx.findOne(KeySet, { pairedWith: name });
    if (dependant !== null) throw new ConflictError(`key set ${dependant.name} is paired with ${name}; delete it first`);
    await tx.nativeDelete(JwkKey, { keySetId: set.id });
    await tx.nativeDelete(KeySet, { id: set.id });
    appendAudit(tx, actor, { keySet: name, action: 'delete', outcome: 'success', detail: 'every key destroyed' }, at);
  });
  ja.changed(name);
}

/** Sets whose active key is older than their rotation period at `at`. */
export async function dueForRotation(em: EntityManager, at: Date): Promise<string[]> {
  const sets = await em.find(KeySet, {});
  if (sets.length === 0) return [];
  const actives = await em.find(JwkKey, { status: 'active', keySetId: { $in: sets.map((set) => set.id) } });
  return sets.filter((set) => {
    const active = actives.find((key) => key.keySetId === set.id);
    return active?.activatedAt != null && active.activatedAt.getTime() + set.rotationDays * DAY_MS <= at.getTime();
  }).map((set) => set.name);
}

/**
 * Deletes each retired key whose retention has ended, one transaction per key with its audit row;
 * the key's delete is guarded, so replicas sweeping at once delete (and audit) each key once.
 * Returns the kids deleted.
 */
export async function deleteExpiredKeys(fork: () => EntityManager, ja: JaContext): Promise<string[]> {
  const at = ja.now();
  const expired = await fork().find(JwkKey, { status: 'retired', deleteAfter: { $lte: at } });
  const deleted: string[] = [];
  for (const key of expired) {
    const name = await fork().transactional(async (tx) => {
      const set = await tx.findOne(KeySet, { id: key.keySetId });
      // Claimed first: a rotation or sweep of another replica that got there first wins this round.
      if (set === null || !await claimVersion(tx, set, at)) return undefined;
      // Gone already (another replica's sweep): the claim commits alone, which only renews caches.
      if (await tx.nativeDelete(JwkKey, { id: key.id, status: 'retired' }) !== 1) return undefined;
      appendAudit(tx, SERVICE_ACTOR, { keySet: set.name, action: 'key.delete', kid: key.kid, outcome: 'success', detail: 'retention ended' }, at);
      return set.name;
    });
    if (name === undefined) continue;
    deleted.push(key.kid);
    ja.changed(name);
  }
  return deleted;
}

/**
 * Gives an existing set the declared rotation and retention periods (its keys stay), with an
 * `update` audit row; a no-op when they already match. Guarded by the version like every change.
 */
export async function updatePeriods(em: EntityManager, ja: JaContext, input: KeySetInput, actor: Actor): Promise<boolean> {
  const set = await findKeySet(em, input.name);
  if (set.rotationDays === input.rotationDays && set.retentionDays === input.retentionDays) return false;
  const at = ja.now();
  await em.transactional(async (tx) => {
    if (!await claimVersion(tx, set, at)) throw new ConflictError(`key set ${input.name} was changed meanwhile`);
    await tx.nativeUpdate(KeySet, { id: set.id }, { rotationDays: input.rotationDays, retentionDays: input.retentionDays });
    const detail = `rotationDays ${String(set.rotationDays)} → ${String(input.rotationDays)}, retentionDays ${String(set.retentionDays)} → ${String(input.retentionDays)}`;
    appendAudit(tx, actor, { keySet: input.name, action: 'update', outcome: 'success', detail }, at);
  });
  ja.changed(input.name);
  return true;
}
