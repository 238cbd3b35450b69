/**
 * CRL publishing: each CA's full and delta CRLs are built on a schedule, stored, and served from
 * the store, never built on a revocation. With several replicas on one database, the one holding
 * the `crl` lease generates on the schedule; `regenerate` (POST /cas/{name}/crl) publishes at once
 * on any replica. CRL numbers come from one sequence per CA shared by both kinds (RFC 5280 §5.2.3);
 * the store refuses a number twice, and a publisher that loses that race builds again with the next.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { ConflictError } from '../../template/errors/index.ts';
import { isUniqueViolation, uuidv7 } from '../../template/database/index.ts';
import { errorClass } from '../../template/middleware/problem-details.ts';
import type { CaSigner } from '../contract.ts';
import { DatabaseLease } from '../lease.ts';
import { buildCrl, type RevokedEntry } from './build.ts';
import { PkiCrl, type CrlKind } from './entities.ts';

/** What publishing reads of the CA core: which CAs publish, their signers and their revocations. */
export interface CrlSource {
  /** Names of the CAs that publish CRLs (every CA that is not retired). */
  caNames(): Promise<readonly string[]>;
  /** The CA's signer (throws the barrier's 503 error while sealed). */
  signer(ca: string): Promise<CaSigner>;
  /** Every revoked, not yet expired certificate of the CA, or only those revoked at or after `since`. */
  revoked(ca: string, since?: Date): AsyncIterable<RevokedEntry> | Iterable<RevokedEntry>;
}

/** One stored CRL as it is served. */
export interface StoredCrl {
  readonly ca: string;
  readonly kind: CrlKind;
  readonly number: bigint;
  /** The full CRL a delta completes; undefined for a full CRL. */
  readonly baseNumber: bigint | undefined;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
  /** A strong HTTP entity tag of the DER (a digest, so a reused number never matches old bytes). */
  readonly etag: string;
}

/** What one publish stored: both kinds, only a delta, or nothing when neither was due. */
export interface PublishResult {
  readonly full?: StoredCrl;
  readonly delta?: StoredCrl;
}

/** What one scheduled tick did. */
export interface TickResult {
  /** True when this replica held the `crl` lease and so did the generating. */
  readonly held: boolean;
  readonly published: readonly StoredCrl[];
  /** CAs whose publishing failed (sealed barrier, database error); the next tick tries again. */
  readonly failed: readonly string[];
}

export interface CrlPublisherOptions {
  /** A fresh entity manager per unit of work. */
  readonly fork: () => EntityManager;
  readonly source: CrlSource;
  /** The service's public base URL (`https://host:8380`), which both CRLs' distribution points name. */
  readonly publicUrl: string | (() => string);
  /** This replica's name, unique among the replicas: the holder of the `crl` lease. */
  readonly holder: string;
  /** `pki.crlIntervalSeconds` × 1000: how often a new full CRL is published; default one hour. */
  readonly fullIntervalMs?: number;
  /** `pki.deltaCrlIntervalSeconds` × 1000: the schedule's tick, a new delta CRL each; default five minutes. */
  readonly deltaIntervalMs?: number;
  /** How many CRLs of each kind a CA keeps; default 3. */
  readonly keep?: number;
  /** How long the lease lasts unless renewed; default two ticks, so the holder renews it in time. */
  readonly leaseTtlMs?: number;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** The lease only the generating replica holds. */
export const CRL_LEASE = 'crl';
const DEFAULT_FULL_INTERVAL_MS = 3_600_000;
const DEFAULT_DELTA_INTERVAL_MS = 300_000;
const DEFAULT_KEEP = 3;
/** Tries of one publish when another replica stores the same CRL number first. */
const MAX_ATTEMPTS = 5;
/**
 * A delta lists revocations from one minute before its base's thisUpdate: a revocation committed
 * just after the full CRL read the store, but dated before its thisUpdate, is then in the delta
 * instead of in neither. Listing a certificate the base lists too is harmless.
 */
const DELTA_OVERLAP_MS = 60_000;

/** The public URL of a CA's full (certificates' CRL distribution point) or delta CRL. */
export function crlUrl(publicUrl: string, ca: string, kind: CrlKind = 'full'): string {
  return `${publicUrl.replace(/\/+$/, '')}/pki/v1/crl/${encodeURIComponent(ca)}${kind === 'delta' ? '-delta' : ''}.crl`;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive whole number`);
  return value;
}

/** CRL times are whole seconds in DER; the stored times (and the HTTP headers) say the same. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** The source's entries as an array; a plain iterable is copied without a microtask per entry. */
async function collect(entries: AsyncIterable<RevokedEntry> | Iterable<RevokedEntry>): Promise<readonly RevokedEntry[]> {
  if (!(Symbol.asyncIterator in entries)) return Array.from(entries);
  const list: RevokedEntry[] = [];
  for await (const entry of entries) list.push(entry);
  return list;
}

/** A CRL to store: built and signed, not yet numbered in the store. */
type Draft = Omit<StoredCrl, 'etag'>;
/** A stored row without its DER. */
type Head = Pick<PkiCrl, 'id' | 'number' | 'thisUpdate'>;

function etagOf(der: Uint8Array): string {
  return `"${createHash('sha256').update(der).digest('base64url').slice(0, 22)}"`;
}

function stored(draft: Draft): StoredCrl {
  return { ...draft, etag: etagOf(draft.der) };
}

/** Publishes, stores and reads back the CRLs of every CA; one instance per process. */
export class CrlPublisher {
  readonly #options: CrlPublisherOptions;
  /** How often each kind is published; a CRL's nextUpdate is twice its kind's interval after its thisUpdate. */
  readonly #intervalMs: Readonly<Record<CrlKind, number>>;
  readonly #keep: number;
  readonly #lease: DatabaseLease;
  readonly #now: () => Date;
  /** Each CA's last job; the next one waits for it, so one process publishes a CA's CRLs one at a time. */
  readonly #queues = new Map<string, Promise<void>>();
  /** The newest DER read of each CA and kind, reused while the store's newest number is the same. */
  readonly #cache = new Map<string, StoredCrl>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<TickResult> | undefined;

  constructor(options: CrlPublisherOptions) {
    this.#options = options;
    this.#intervalMs = {
      full: positive('fullIntervalMs', options.fullIntervalMs ?? DEFAULT_FULL_INTERVAL_MS),
      delta: positive('deltaIntervalMs', options.deltaIntervalMs ?? DEFAULT_DELTA_INTERVAL_MS),
    };
    this.#keep = positive('keep', options.keep ?? DEFAULT_KEEP);
    this.#now = options.now ?? (() => new Date());
    this.#lease = new DatabaseLease({
      name: CRL_LEASE,
      holder: options.holder,
      ttlMs: positive('leaseTtlMs', options.leaseTtlMs ?? 2 * this.#intervalMs.delta),
      now: this.#now,
    });
  }

  /** The clock CRL times and HTTP cache lifetimes are computed with. */
  now(): Date {
    return this.#now();
  }

  /** True when `ca` is a CA that publishes CRLs. */
  async hasCa(ca: string): Promise<boolean> {
    return (await this.#options.source.caNames()).includes(ca);
  }

  /**
   * Publishes what is due for the CA: a full CRL and a delta when there is no full CRL yet, the
   * full one is a full interval old, or `force`; otherwise a delta when the newest is a tick old.
   */
  publish(ca: string, options: { readonly force?: boolean } = {}): Promise<PublishResult> {
    return this.#serialize(ca, () => this.#publishNow(ca, options.force ?? false));
  }

  /** A new full and delta CRL now, whoever holds the lease (POST /cas/{name}/crl). */
  regenerate(ca: string): Promise<Required<PublishResult>> {
    return this.#serialize(ca, () => this.#forced(ca));
  }

  /** The newest stored CRL of a kind, or undefined when the CA has none yet. */
  async latest(ca: string, kind: CrlKind): Promise<StoredCrl | undefined> {
    const em = this.#options.fork();
    const head = await this.#newest(em, ca, kind);
    if (head === undefined) return undefined;
    const key = `${ca}\u0000${kind}`;
    const cached = this.#cache.get(key);
    if (cached?.number === head.number) return cached;
    const row = await em.fork().findOneOrFail(PkiCrl, { id: head.id });
    const crl = stored({
      ca, kind, number: row.number, baseNumber: row.baseNumber ?? undefined,
      thisUpdate: row.thisUpdate, nextUpdate: row.nextUpdate, der: new Uint8Array(row.der),
    });
    this.#cache.set(key, crl);
    return crl;
  }

  /** The newest stored CRL of a kind; when the CA has none yet, publishes its first ones. */
  async current(ca: string, kind: CrlKind): Promise<StoredCrl> {
    return await this.latest(ca, kind) ?? await this.#serialize(ca, async () => {
      // Another request of this process may have published while this one waited.
      const found = await this.latest(ca, kind);
      return found ?? (await this.#forced(ca))[kind];
    });
  }

  /**
   * One scheduled run: takes (or renews) the `crl` lease and, only when it has it, publishes what is
   * due for every CA. A CA that fails is logged and left to the next tick. Overlapping calls share one run.
   */
  tick(): Promise<TickResult> {
    this.#ticking ??= this.#tickOnce().finally(() => { this.#ticking = undefined; });
    return this.#ticking;
  }

  /** Starts the schedule: a tick now and one every delta interval. The timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => { this.#scheduledTick(); }, this.#intervalMs.delta);
    this.#timer.unref();
    this.#scheduledTick();
  }

  /** Stops the schedule, waits for a running tick and gives the lease up, so another replica takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking?.catch(() => undefined);
    await this.#lease.release(this.#options.fork());
  }

  #scheduledTick(): void {
    void this.tick().catch((error: unknown) => {
      this.#options.log.warn({ error: errorClass(error) }, 'pki-ca CRL schedule failed; the next tick retries');
    });
  }

  async #tickOnce(): Promise<TickResult> {
    if (!await this.#lease.acquire(this.#options.fork())) return { held: false, published: [], failed: [] };
    const published: StoredCrl[] = [];
    const failed: string[] = [];
    for (const ca of await this.#options.source.caNames()) {
      try {
        const result = await this.publish(ca);
        published.push(...[result.full, result.delta].filter((crl) => crl !== undefined));
      } catch (error) {
        failed.push(ca);
        this.#options.log.warn({ ca, error: errorClass(error) }, 'pki-ca could not publish a CA\'s CRLs; the next tick retries');
      }
    }
    return { held: true, published, failed };
  }

  #serialize<T>(ca: string, job: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(ca) ?? Promise.resolve()).then(job);
    const tail = run.then(() => undefined, () => undefined);
    this.#queues.set(ca, tail);
    void tail.then(() => {
      if (this.#queues.get(ca) === tail) this.#queues.delete(ca);
    });
    return run;
  }

  async #newest(em: EntityManager, ca: string, kind: CrlKind): Promise<Head | undefined> {
    const row = await em.findOne(PkiCrl, { caName: ca, kind }, { orderBy: { number: 'desc' }, fields: ['id', 'number', 'thisUpdate'] });
    return row ?? undefined;
  }

  #forced(ca: string): Promise<Required<PublishResult>> {
    // A forced publish always stores both kinds.
    return this.#publishNow(ca, true) as Promise<Required<PublishResult>>;
  }

  async #publishNow(ca: string, force: boolean): Promise<PublishResult> {
    for (let attempt = 1; ; attempt += 1) {
      const em = this.#options.fork();
      const drafts = await this.#plan(em, ca, force);
      try {
        await em.transactional(async (tx) => {
          for (const draft of drafts) {
            await tx.insert(PkiCrl, {
              id: uuidv7(), caName: ca, number: draft.number, kind: draft.kind, baseNumber: draft.baseNumber ?? null,
              thisUpdate: draft.thisUpdate, nextUpdate: draft.nextUpdate, der: Buffer.from(draft.der.buffer, draft.der.byteOffset, draft.der.byteLength), createdAt: new Date(),
            });
            await this.#prune(tx, ca, draft.kind);
          }
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (attempt === MAX_ATTEMPTS) throw new ConflictError(`CRL numbers of CA ${ca} kept being taken by another replica; try again`);
        continue;
      }
      const result: Partial<Record<CrlKind, StoredCrl>> = {};
      for (const draft of drafts) {
        const crl = stored(draft);
        this.#cache.set(`${ca}\u0000${crl.kind}`, crl);
        result[crl.kind] = crl;
        // Which replica published which number: with several replicas, one holder's lines at a time.
        this.#options.log.debug({ ca, kind: crl.kind, number: String(crl.number) }, 'pki-ca published a CRL');
      }
      return result;
    }
  }

  /** Deletes all but the newest `keep` CRLs of a kind. */
  async #prune(tx: EntityManager, ca: string, kind: CrlKind): Promise<void> {
    const [oldest] = await tx.find(PkiCrl, { caName: ca, kind }, { orderBy: { number: 'desc' }, offset: this.#keep, limit: 1, fields: ['number'] });
    if (oldest !== undefined) await tx.nativeDelete(PkiCrl, { caName: ca, kind, number: { $lte: oldest.number } });
  }

  #due(head: Head, kind: CrlKind, now: Date): boolean {
    // Half a tick of slack: a tick that fires a little early still publishes what its schedule promised.
    return now.getTime() + this.#intervalMs.delta / 2 >= head.thisUpdate.getTime() + this.#intervalMs[kind];
  }

  /** The CRLs due now, built and signed with the numbers that follow the CA's newest. */
  async #plan(em: EntityManager, ca: string, force: boolean): Promise<Draft[]> {
    const now = wholeSeconds(this.#now());
    const full = await this.#newest(em, ca, 'full');
    const delta = await this.#newest(em, ca, 'delta');
    const last = [full?.number ?? 0n, delta?.number ?? 0n].reduce((a, b) => (a > b ? a : b));
    const { source } = this.#options;
    if (force || full === undefined || this.#due(full, 'full', now)) {
      const signer = await source.signer(ca);
      const entries = await collect(source.revoked(ca));
      const since = now.getTime() - DELTA_OVERLAP_MS;
      return [
        await this.#build(signer, ca, { kind: 'full', number: last + 1n, now }, entries),
        await this.#build(signer, ca, { kind: 'delta', number: last + 2n, base: last + 1n, now }, entries.filter((entry) => entry.revokedAt.getTime() >= since)),
      ];
    }
    if (delta !== undefined && !this.#due(delta, 'delta', now)) return [];
    const signer = await source.signer(ca);
    const entries = await collect(source.revoked(ca, new Date(full.thisUpdate.getTime() - DELTA_OVERLAP_MS)));
    return [await this.#build(signer, ca, { kind: 'delta', number: last + 1n, base: full.number, now }, entries)];
  }

  async #build(signer: CaSigner, ca: string, crl: { readonly kind: CrlKind; readonly number: bigint; readonly base?: bigint; readonly now: Date }, entries: readonly RevokedEntry[]): Promise<Draft> {
    const { kind, number, now } = crl;
    const nextUpdate = new Date(now.getTime() + 2 * this.#intervalMs[kind]);
    const publicUrl = typeof this.#options.publicUrl === 'string' ? this.#options.publicUrl : this.#options.publicUrl();
    const der = await buildCrl({
      signer,
      number,
      thisUpdate: now,
      nextUpdate,
      entries,
      // Both kinds name the full CRL's URL: one scope, which OpenSSL requires of a delta and its base.
      distributionPoint: crlUrl(publicUrl, ca, 'full'),
      ...(crl.base === undefined ? { freshestCrl: crlUrl(publicUrl, ca, 'delta') } : { delta: { baseNumber: crl.base } }),
    });
    return { ca, kind, number, baseNumber: crl.base, thisUpdate: now, nextUpdate, der };
  }
}
