/**
 * A named lease in the database: with several replicas on one database, the one that holds the
 * lease does a scheduled job (CRL generation) and the others skip it, instead of every replica
 * doing it. Taking the lease is one guarded UPDATE: it succeeds when the lease is free, has
 * expired, or is already this holder's, so two replicas racing for it cannot both win.
 */
import { defineEntity, p, type EntityManager, type InferEntity, type MigrationObject } from '@mikro-orm/core';
import { isUniqueViolation, PortableMigration } from '../template/database/index.ts';

export const PkiLease = defineEntity({
  name: 'PkiLease',
  tableName: 'pki_leases',
  properties: {
    name: p.string().primary(),
    /** Who holds it ('' when released). */
    holder: p.string(),
    expiresAt: p.datetime(),
  },
});
export type PkiLease = InferEntity<typeof PkiLease>;

class CreatePkiLeases extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pki_leases (
      name ${t.text} not null primary key,
      holder ${t.text} not null,
      expires_at ${t.timestamp} not null
    )`);
  }
}

/** The lease table's migration; pki-ca lists it after its own first ones. */
export const leaseMigration: MigrationObject = { name: '0050-create-pki-leases', class: CreatePkiLeases };

export interface LeaseOptions {
  readonly name: string;
  /** This replica's name (unique per process). */
  readonly holder: string;
  /** How long a taken lease lasts unless renewed. */
  readonly ttlMs: number;
  readonly now?: () => Date;
}

export class DatabaseLease {
  readonly #options: LeaseOptions;
  readonly #now: () => Date;

  constructor(options: LeaseOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Takes the lease or renews it; true when this holder has it until now + ttl. */
  async acquire(em: EntityManager): Promise<boolean> {
    const { name, holder, ttlMs } = this.#options;
    const now = this.#now();
    await em.insert(PkiLease, { name, holder: '', expiresAt: new Date(0) }).catch((error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
    });
    const taken = await em.nativeUpdate(
      PkiLease,
      { name, $or: [{ holder }, { expiresAt: { $lte: now } }] },
      { holder, expiresAt: new Date(now.getTime() + ttlMs) },
    );
    return taken === 1;
  }

  /** Gives the lease up at once (on shutdown), so another replica need not wait for it to expire. */
  async release(em: EntityManager): Promise<void> {
    const { name, holder } = this.#options;
    await em.nativeUpdate(PkiLease, { name, holder }, { holder: '', expiresAt: new Date(0) });
  }
}
