// @ts-nocheck
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import { expect } from 'chai';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import {
  barrierEntities,
  barrierMigrations,
  BarrierIntegrityError,
  BarrierSealedError,
  createBarrier,
  newUnsealShares,
  type Barrier,
} from '../barrier/index.ts';
import { openDatabase, type Database } from '../database/index.ts';
import { describeOnDatabases } from '../testing/databases.ts';
import type { SigningAlgorithm } from './algorithms.ts';
import {
  createSigningKeys,
  DEFAULT_REFRESH_MS,
  signingKeyAad,
  signingKeyEntities,
  signingKeyMigrations,
  type SigningKeys,
  type SigningKeysOptions,
} from './index.ts';

const options = { entities: [...barrierEntities, ...signingKeyEntities], migrations: [...barrierMigrations, ...signingKeyMigrations] };
const HOUR = 3_600_000;

let counter = 0;
/** A purpose no other test of the run uses: tests share one database per engine. */
function purpose(): string {
  counter += 1;
  return `test-${String(counter)}`;
}

/** A clock the test moves. */
function clock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => { at += ms; } };
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => expect.fail('expected a rejection'), (error: unknown) => error);
}

/** Makes both parties wait until each has reached the meeting point. */
function rendezvous(parties: number): () => Promise<void> {
  let arrived = 0;
  let release = (): void => undefined;
  const everyone = new Promise<void>((resolve) => { release = resolve; });
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return everyone;
  };
}

/** The barrier with a hook run before each encrypt (i.e. after the table was read, before a key is written). */
function beforeEncrypt(barrier: Barrier, hook: () => Promise<void>): Barrier {
  return new Proxy(barrier, {
    get(target, property, receiver) {
      if (property === 'encrypt') {
        return async (plaintext: Uint8Array, aad: string) => {
          await hook();
          return target.encrypt(plaintext, aad);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The barrier with observers of the plaintext each encrypt is given and each decrypt returns. */
function watched(barrier: Barrier, watch: { encrypt?: (plaintext: Uint8Array) => void; decrypt?: (plaintext: Uint8Array) => void }): Barrier {
  return new Proxy(barrier, {
    get(target, property, receiver) {
      if (property === 'encrypt') {
        return (plaintext: Uint8Array, aad: string) => {
          watch.encrypt?.(plaintext);
          return target.encrypt(plaintext, aad);
        };
      }
      if (property === 'decrypt') {
        return async (ciphertext: Uint8Array, aad: string) => {
          const plaintext = await target.decrypt(ciphertext, aad);
          watch.decrypt?.(plaintext);
          return plaintext;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// Migrated inside the test rather than by the harness's before hook, so the migration runs as part of
// the test that checks its outcome.
describeOnDatabases('signing key migrations', { ...options, migrate: false }, (db, engine) => {
  it('migrate() makes the table, an index on purpose and the one-active-key-per-purpose unique index', async () => {
    await db().migrate();
    const sql = engine.kind === 'sqlite'
      ? "select name from sqlite_master where type = 'index' and tbl_name = 'signing_keys' and name not like 'sqlite_%' order by name"
      : "select indexname as name from pg_indexes where tablename = 'signing_keys' and indexname not like '%pkey' order by indexname";
    expect(await db().orm.em.getConnection().execute(sql)).to.deep.equal([{ name: 'signing_keys_active_unique' }, { name: 'signing_keys_purpose_index' }]);
  });
});

interface Row { id: string; purpose: string; algorithm: string; sealed: Uint8Array; created_at: unknown; retired_at: unknown }

describeOnDatabases('signing keys', options, (db, engine) => {
  let shares: string[];
  let barrier: Barrier;
  /**
   * A second process on the same database: its own connections and its own barrier. On SQLite, one
   * process owns the file (DESIGN "Data") and its driver waits for a lock synchronously, so two
   * connections in one test process would deadlock: there the second instance shares the connection.
   */
  let other: Database | undefined;
  let otherOrm: Database['orm'];
  let otherBarrier: Barrier;

  before(async () => {
    shares = await newUnsealShares(5, 3);
    barrier = createBarrier({ orm: db().orm, threshold: 3 });
    await barrier.unseal(shares.slice(0, 3));
    other = engine.kind === 'postgresql' ? await openDatabase({ url: engine.url(), entities: options.entities, migrations: options.migrations }) : undefined;
    otherOrm = other?.orm ?? db().orm;
    otherBarrier = createBarrier({ orm: otherOrm, threshold: 3 });
    await otherBarrier.unseal(shares.slice(2));
  });
  after(() => other?.close());

  const rows = (of: string): Promise<Row[]> =>
    db().orm.em.getConnection().execute<Row[]>('select * from signing_keys where purpose = ? order by id', [of]);

  /** Empties the table behind the ring's back: only a read of the table can then change its answer. */
  const deleteRows = (of: string): Promise<unknown> => db().orm.em.getConnection().execute('delete from signing_keys where purpose = ?', [of]);

  /** Deletes a row and inserts it again as it was, so that the table holds it after the others. */
  async function storeLast(kid: string): Promise<void> {
    const connection = db().orm.em.getConnection();
    const [row] = await connection.execute<Row[]>('select * from signing_keys where id = ?', [kid]);
    expect(row).to.not.equal(undefined);
    await connection.execute('delete from signing_keys where id = ?', [kid]);
    await connection.execute(
      'insert into signing_keys (id, purpose, algorithm, sealed, created_at, retired_at) values (?, ?, ?, ?, ?, ?)',
      [row?.id, row?.purpose, row?.algorithm, row?.sealed, row?.created_at, row?.retired_at],
    );
  }

  /** Makes the database refuse every insert of one purpose, as a failing disk or a full table would. */
  async function refuseInserts(of: string): Promise<() => Promise<void>> {
    const connection = db().orm.em.getConnection();
    const name = `refuse_${of.replace(/\W/g, '_')}`;
    if (engine.kind === 'sqlite') {
      await connection.execute(`create trigger ${name} before insert on signing_keys when new.purpose = '${of}' begin select raise(abort, 'refused by the test'); end`);
      return async () => { await connection.execute(`drop trigger ${name}`); };
    }
    await connection.execute(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
    await connection.execute(`create trigger ${name} before insert on signing_keys for each row when (new.purpose = '${of}') execute function ${name}()`);
    return async () => {
      await connection.execute(`drop trigger ${name} on signing_keys`);
      await connection.execute(`drop function ${name}()`);
    };
  }

  function keys(overrides: Partial<SigningKeysOptions> & Pick<SigningKeysOptions, 'purpose' | 'now'>): SigningKeys {
    return createSigningKeys({ orm: db().orm, barrier, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, refreshMs: 1000, ...overrides });
  }

  describe('the first key', () => {
    it('is created once, with a UUIDv7 kid, alg and use "sig"', async () => {
      const of = purpose();
      const ring = keys({ purpose: of, now: clock().now, refreshMs: 0 });
      const [first, second] = await Promise.all([ring.current(), ring.current()]);
      const third = await ring.current();
      expect(first).to.equal(second);
      // A refresh that finds the same keys answers the same ring: callers rebuild only on change.
      expect(third).to.equal(first);
      expect(first.privateJwks).to.have.length(1);
      const [jwk] = first.privateJwks;
      expect(jwk).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(jwk?.kid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const stored = await rows(of);
      expect(stored.map((row) => row.id)).to.deep.equal([jwk?.kid]);
      expect(stored[0]?.retired_at).to.equal(null);
    });

    it('created by two processes at once ends as one active key both see', async () => {
      const of = purpose();
      const time = clock();
      const meet = rendezvous(2);
      const a = createSigningKeys({ orm: db().orm, barrier: beforeEncrypt(barrier, meet), purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, now: time.now });
      const b = createSigningKeys({ orm: otherOrm, barrier: beforeEncrypt(otherBarrier, meet), purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, now: time.now });
      const [ringA, ringB] = await Promise.all([a.current(), b.current()]);
      expect(ringA.version).to.equal(ringB.version);
      expect(ringA.privateJwks.map((jwk) => jwk.kid)).to.deep.equal(ringB.privateJwks.map((jwk) => jwk.kid));
      expect(ringA.privateJwks).to.have.length(1);
      expect((await rows(of)).map((row) => row.id)).to.deep.equal([ringA.privateJwks[0]?.kid]);
    });
  });

  describe('caching', () => {
    it('answers the same ring without reading the table again before refreshMs, then reads it', async () => {
      const of = purpose();
      const time = clock();
      const ring = keys({ purpose: of, now: time.now, refreshMs: 5000 });
      const first = await ring.current();
      // With the rows gone, only a read of the table could change the answer.
      await db().orm.em.getConnection().execute('delete from signing_keys where purpose = ?', [of]);
      time.advance(4999);
      expect(await ring.current()).to.equal(first);
      time.advance(1);
      const reread = await ring.current();
      expect(reread.version).to.not.equal(first.version);
      expect(reread.privateJwks[0]?.kid).to.not.equal(first.privateJwks[0]?.kid);
    });

    it('reads the table again after forget()', async () => {
      const of = purpose();
      const ring = keys({ purpose: of, now: clock().now, refreshMs: HOUR });
      const first = await ring.current();
      await db().orm.em.getConnection().execute('delete from signing_keys where purpose = ?', [of]);
      ring.forget();
      expect((await ring.current()).version).to.not.equal(first.version);
    });

    it('answers its fresh cached ring without waiting for a rotation in progress', async () => {
      const of = purpose();
      let gate = Promise.resolve();
      const ring = createSigningKeys({ orm: db().orm, barrier: beforeEncrypt(barrier, () => gate), purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, refreshMs: HOUR, now: clock().now });
      const first = await ring.current();
      let release = (): void => undefined;
      gate = new Promise<void>((resolve) => { release = resolve; });
      const rotating = ring.rotate();
      // A fresh ring is answered from memory: before the loop even looks at I/O, however slow the machine.
      const during = await Promise.race([ring.current(), afterPendingIo('waited for the rotation')]);
      release();
      const rotated = await rotating;
      expect(during).to.equal(first);
      expect(rotated.privateJwks[1]?.kid).to.equal(first.privateJwks[0]?.kid);
      expect(await ring.current()).to.equal(rotated);
    });

    it('reads the table again when the first retired key reaches the end of its retention, not before', async () => {
      const of = purpose();
      const time = clock();
      const ring = keys({ purpose: of, now: time.now, rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, refreshMs: 10 * HOUR });
      await ring.current();
      time.advance(HOUR);
      const rotated = await ring.rotate();
      await deleteRows(of);
      time.advance(2 * HOUR - 1);
      expect(await ring.current()).to.equal(rotated);
      time.advance(1);
      expect((await ring.current()).version).to.not.equal(rotated.version);
    });

    it('answers but does not cache a ring it was reading when forget() was called', async () => {
      const of = purpose();
      let forget = (): void => undefined;
      const midway = beforeEncrypt(barrier, () => {
        forget();
        return Promise.resolve();
      });
      const ring = createSigningKeys({ orm: db().orm, barrier: midway, purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, refreshMs: HOUR, now: clock().now });
      forget = () => { ring.forget(); };
      const first = await ring.current();
      expect(first.privateJwks).to.have.length(1);
      await deleteRows(of);
      expect((await ring.current()).version).to.not.equal(first.version);
    });

    it('decrypts each key once: a refresh opens only keys it has not seen, forget() drops them all', async () => {
      const of = purpose();
      const time = clock();
      let decrypts = 0;
      const counted = watched(barrier, { decrypt: () => { decrypts += 1; } });
      const a = createSigningKeys({ orm: db().orm, barrier: counted, purpose: of, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, refreshMs: 1000, now: time.now });
      const b = createSigningKeys({ orm: otherOrm, barrier: otherBarrier, purpose: of, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, now: time.now });
      await a.current();
      expect(decrypts).to.equal(1);
      time.advance(1000);
      await a.current();
      expect(decrypts).to.equal(1);
      await b.rotate();
      time.advance(1000);
      expect((await a.current()).privateJwks).to.have.length(2);
      expect(decrypts).to.equal(2);
      time.advance(1000);
      await a.current();
      expect(decrypts).to.equal(2);
      a.forget();
      await a.current();
      expect(decrypts).to.equal(4);
    });

    it('refreshes every 30 s unless told otherwise', async () => {
      expect(DEFAULT_REFRESH_MS).to.equal(30_000);
      const of = purpose();
      const time = clock();
      const ring = createSigningKeys({ orm: db().orm, barrier, purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, now: time.now });
      const first = await ring.current();
      await db().orm.em.getConnection().execute('delete from signing_keys where purpose = ?', [of]);
      time.advance(29_999);
      expect(await ring.current()).to.equal(first);
      time.advance(1);
      expect(await ring.current()).to.not.equal(first);
    });
  });

  describe('rotation and retention', () => {
    it('rotate() makes a new active key and keeps the old one published as retired', async () => {
      const of = purpose();
      const time = clock();
      const ring = keys({ purpose: of, now: time.now });
      const before = await ring.current();
      const oldKid = before.privateJwks[0]?.kid;
      time.advance(1000);
      const after = await ring.rotate();
      expect(after.version).to.not.equal(before.version);
      expect(after.privateJwks).to.have.length(2);
      expect(after.privateJwks[1]?.kid).to.equal(oldKid);
      expect(after.publicJwks.keys.map((jwk) => jwk.kid)).to.deep.equal(after.privateJwks.map((jwk) => jwk.kid));
      expect(await ring.current()).to.equal(after);
      const stored = await rows(of);
      expect(stored.find((row) => row.id === oldKid)?.retired_at).to.not.equal(null);
      expect(stored.filter((row) => row.retired_at === null).map((row) => row.id)).to.deep.equal([after.privateJwks[0]?.kid]);
    });

    it('rotates on schedule once the active key is rotateAfterMs old', async () => {
      const of = purpose();
      const time = clock();
      const ring = keys({ purpose: of, now: time.now, rotateAfterMs: HOUR, refreshMs: 10 * HOUR });
      const first = await ring.current();
      time.advance(HOUR - 1);
      expect(await ring.current()).to.equal(first);
      time.advance(1);
      const rotated = await ring.current();
      expect(rotated.privateJwks.map((jwk) => jwk.kid)).to.deep.equal([rotated.privateJwks[0]?.kid, first.privateJwks[0]?.kid]);
      expect(rotated.privateJwks[0]?.kid).to.not.equal(first.privateJwks[0]?.kid);
    });

    it('drops a retired key from ring and table once retainMs has passed, most recently retired listed first', async () => {
      const of = purpose();
      const time = clock();
      const ring = keys({ purpose: of, now: time.now, retainMs: 2 * HOUR, refreshMs: 10 * HOUR });
      const k1 = (await ring.current()).privateJwks[0]?.kid;
      time.advance(HOUR);
      const k2 = (await ring.rotate()).privateJwks[0]?.kid;
      time.advance(HOUR);
      const three = await ring.rotate();
      const k3 = three.privateJwks[0]?.kid;
      expect(three.privateJwks.map((jwk) => jwk.kid)).to.deep.equal([k3, k2, k1]);
      // k1 was retired at +1 h: it goes at +3 h, without waiting for the 10 h refresh.
      time.advance(HOUR - 1);
      expect(await ring.current()).to.equal(three);
      time.advance(1);
      expect((await ring.current()).privateJwks.map((jwk) => jwk.kid)).to.deep.equal([k3, k2]);
      expect((await rows(of)).map((row) => row.id)).to.deep.equal([k2, k3]);
      time.advance(HOUR);
      expect((await ring.current()).privateJwks.map((jwk) => jwk.kid)).to.deep.equal([k3]);
      expect((await rows(of)).map((row) => row.id)).to.deep.equal([k3]);
    });

    it('lists keys retired in the same millisecond newest first, whatever order the table returns them in', async () => {
      const of = purpose();
      const ring = keys({ purpose: of, now: clock().now });
      const k1 = (await ring.current()).privateJwks[0]?.kid;
      const k2 = (await ring.rotate()).privateJwks[0]?.kid;
      const three = await ring.rotate();
      const k3 = three.privateJwks[0]?.kid;
      expect(three.privateJwks.map((jwk) => jwk.kid)).to.deep.equal([k3, k2, k1]);
      await storeLast(String(k1));
      const reread = await keys({ purpose: of, now: clock().now }).current();
      expect(reread.privateJwks.map((jwk) => jwk.kid)).to.deep.equal([k3, k2, k1]);
      expect(reread.version).to.equal(three.version);
    });

    it('lists retired keys by retirement time, not by age, when the clocks of two processes disagree', async () => {
      const of = purpose();
      const ahead = clock(Date.UTC(2030, 0, 1, 1));
      const behind = clock(Date.UTC(2030, 0, 1));
      const a = keys({ purpose: of, now: ahead.now });
      const k1 = (await a.current()).privateJwks[0]?.kid;
      const k2 = (await a.rotate()).privateJwks[0]?.kid;
      const b = createSigningKeys({ orm: otherOrm, barrier: otherBarrier, purpose: of, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, now: behind.now });
      // b retires k2 at 00:00 by its clock; a retired k1 at 01:00 by its own.
      const ring = await b.rotate();
      expect(ring.privateJwks.map((jwk) => jwk.kid)).to.deep.equal([ring.privateJwks[0]?.kid, k1, k2]);
    });

    it('a second process sees a rotation once its refreshMs has passed', async () => {
      const of = purpose();
      const time = clock();
      const a = keys({ purpose: of, now: time.now, refreshMs: 1000 });
      const b = createSigningKeys({ orm: otherOrm, barrier: otherBarrier, purpose: of, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: 2 * HOUR, refreshMs: 1000, now: time.now });
      const start = await a.current();
      expect((await b.current()).version).to.equal(start.version);
      const rotated = await a.rotate();
      time.advance(999);
      expect((await b.current()).version).to.equal(start.version);
      time.advance(1);
      const seen = await b.current();
      expect(seen.version).to.equal(rotated.version);
      expect(seen.privateJwks.map((jwk) => jwk.kid)).to.deep.equal(rotated.privateJwks.map((jwk) => jwk.kid));
    });

    it('two processes rotating the same key at once make one new active key', async () => {
      const of = purpose();
      const time = clock();
      const a = keys({ purpose: of, now: time.now, refreshMs: 0 });
      const first = await a.current();
      const meet = rendezvous(2);
      const racingA = createSigningKeys({ orm: db().orm, barrier: beforeEncrypt(barrier, meet), purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, refreshMs: 0, now: time.now });
      const racingB = createSigningKeys({ orm: otherOrm, barrier: beforeEncrypt(otherBarrier, meet), purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, refreshMs: 0, now: time.now });
      const [ringA, ringB] = await Promise.all([racingA.rotate(), racingB.rotate()]);
      expect(ringA.version).to.equal(ringB.version);
      expect(ringA.privateJwks).to.have.length(2);
      expect(ringA.privateJwks[1]?.kid).to.equal(first.privateJwks[0]?.kid);
      expect((await rows(of)).filter((row) => row.retired_at === null)).to.have.length(1);
    });

    it('replaces an active key whose algorithm the configuration no longer names', async () => {
      const of = purpose();
      const time = clock();
      const es256 = await keys({ purpose: of, now: time.now }).current();
      const moved = await keys({ purpose: of, now: time.now, algorithm: 'EdDSA' }).current();
      expect(moved.privateJwks.map((jwk) => jwk.alg)).to.deep.equal(['EdDSA', 'ES256']);
      expect(moved.privateJwks[1]?.kid).to.equal(es256.privateJwks[0]?.kid);
      expect(moved.publicJwks.keys).to.have.length(2);
    });
  });

  describe('at rest', () => {
    for (const algorithm of ['ES256', 'EdDSA', 'HS256'] as const) {
      it(`stores a ${algorithm} private key only as barrier ciphertext bound to its kid`, async () => {
        const of = purpose();
        const ring = await keys({ purpose: of, now: clock().now, algorithm }).current();
        const [jwk] = ring.privateJwks;
        const secret = String(jwk?.d ?? jwk?.k);
        const [row] = await rows(of);
        const everything = JSON.stringify(row) + Buffer.from(row?.sealed ?? []).toString('latin1') + Buffer.from(row?.sealed ?? []).toString('hex');
        for (const form of [secret, Buffer.from(secret, 'base64url').toString('hex'), Buffer.from(secret, 'base64url').toString('latin1'), Buffer.from(secret, 'base64url').toString('base64')]) {
          expect(everything).to.not.include(form);
        }
        const opened = JSON.parse(new TextDecoder().decode(await barrier.decrypt(row?.sealed ?? new Uint8Array(), signingKeyAad(String(jwk?.kid))))) as JWK;
        expect(opened).to.deep.equal(jwk);
        expect(await rejection(barrier.decrypt(row?.sealed ?? new Uint8Array(), signingKeyAad('another')))).to.be.instanceOf(BarrierIntegrityError);
      });
    }

    it('refuses a row whose algorithm column does not match its sealed key', async () => {
      const of = purpose();
      const time = clock();
      await keys({ purpose: of, now: time.now }).current();
      await db().orm.em.getConnection().execute("update signing_keys set algorithm = 'EdDSA' where purpose = ?", [of]);
      const [row] = await rows(of);
      const error = await rejection(keys({ purpose: of, now: time.now, algorithm: 'EdDSA' }).current());
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect((error as Error).message).to.include(String(row?.id));
    });

    it('refuses a row whose sealed key names another kid', async () => {
      const of = purpose();
      const time = clock();
      const [jwk] = (await keys({ purpose: of, now: time.now }).current()).privateJwks;
      const kid = String(jwk?.kid);
      // Sealed under the row's own AAD, so only the kid inside the key can tell.
      const forged = await barrier.encrypt(Buffer.from(JSON.stringify({ ...jwk, kid: 'another' })), signingKeyAad(kid));
      await db().orm.em.getConnection().execute('update signing_keys set sealed = ? where id = ?', [Buffer.from(forged), kid]);
      const error = await rejection(keys({ purpose: of, now: time.now }).current());
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect((error as Error).message).to.include(kid);
    });

    it('zeroes the serialized key it hands to the barrier and the one it gets back', async () => {
      const buffers: Uint8Array[] = [];
      const keep = (plaintext: Uint8Array): void => { buffers.push(plaintext); };
      const ring = createSigningKeys({ orm: db().orm, barrier: watched(barrier, { encrypt: keep, decrypt: keep }), purpose: purpose(), algorithm: 'HS256', rotateAfterMs: HOUR, retainMs: HOUR, now: clock().now });
      const [secret] = (await ring.current()).privateJwks;
      expect(buffers).to.have.length(2);
      for (const bytes of buffers) {
        expect(bytes.length).to.be.greaterThan(String(secret?.k).length);
        expect(bytes.every((byte) => byte === 0)).to.equal(true);
      }
    });

    it('passes on a database failure while writing a key, and writes nothing', async () => {
      const of = purpose();
      const allow = await refuseInserts(of);
      try {
        const error = await rejection(keys({ purpose: of, now: clock().now }).current());
        expect((error as Error).name).to.match(/Exception$/);
        expect((error as Error).message).to.include('refused by the test');
      } finally {
        await allow();
      }
      expect(await rows(of)).to.deep.equal([]);
    });
  });

  describe('sealed barrier', () => {
    it('refuses with BarrierSealedError before the first key exists, writing nothing', async () => {
      const of = purpose();
      const sealed = createBarrier({ orm: db().orm, threshold: 3 });
      const error = await rejection(createSigningKeys({ orm: db().orm, barrier: sealed, purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR }).current());
      expect(error).to.be.instanceOf(BarrierSealedError);
      expect(await rows(of)).to.deep.equal([]);
    });

    it('forgets the cached ring when the barrier seals, and refuses until it is unsealed', async () => {
      const of = purpose();
      const own = createBarrier({ orm: db().orm, threshold: 3 });
      await own.unseal(shares.slice(1, 4));
      const ring = createSigningKeys({ orm: db().orm, barrier: own, purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, now: clock().now });
      const first = await ring.current();
      own.seal();
      expect(await rejection(ring.current())).to.be.instanceOf(BarrierSealedError);
      expect(await rejection(ring.rotate())).to.be.instanceOf(BarrierSealedError);
      await own.unseal(shares.slice(0, 3));
      const again = await ring.current();
      expect(again.version).to.equal(first.version);
      expect(again).to.not.equal(first);
    });

    it('forgets the cached ring as the barrier seals, even when nothing asks for it while sealed', async () => {
      const of = purpose();
      const own = createBarrier({ orm: db().orm, threshold: 3 });
      await own.unseal(shares.slice(1, 4));
      const ring = createSigningKeys({ orm: db().orm, barrier: own, purpose: of, algorithm: 'ES256', rotateAfterMs: HOUR, retainMs: HOUR, refreshMs: HOUR, now: clock().now });
      const first = await ring.current();
      own.seal();
      await own.unseal(shares.slice(0, 3));
      await deleteRows(of);
      expect((await ring.current()).version).to.not.equal(first.version);
    });

    it('refuses current() and rotate() while sealed before touching the table', async () => {
      const of = purpose();
      const time = clock();
      const own = createBarrier({ orm: db().orm, threshold: 3 });
      await own.unseal(shares.slice(1, 4));
      const ring = createSigningKeys({ orm: db().orm, barrier: own, purpose: of, algorithm: 'ES256', rotateAfterMs: 24 * HOUR, retainMs: HOUR, refreshMs: HOUR, now: time.now });
      await ring.current();
      await ring.rotate();
      // The retired key is past its retention: any read of the table would delete it.
      time.advance(HOUR);
      own.seal();
      expect(await rejection(ring.current())).to.be.instanceOf(BarrierSealedError);
      expect(await rejection(ring.rotate())).to.be.instanceOf(BarrierSealedError);
      expect(await rows(of)).to.have.length(2);
    });
  });

  describe('JOSE interoperability', () => {
    for (const algorithm of ['ES256', 'RS256', 'EdDSA'] as const satisfies readonly SigningAlgorithm[]) {
      it(`an ${algorithm} ring signs with its active key and verifies through its public JWKS`, async () => {
        const ring = await keys({ purpose: purpose(), now: clock().now, algorithm }).current();
        const [privateJwk] = ring.privateJwks;
        const [publicJwk] = ring.publicJwks.keys;
        expect(publicJwk).to.include({ kid: privateJwk?.kid, alg: algorithm, use: 'sig' });
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(publicJwk).to.not.have.property(member);
        const token = await new SignJWT({ sub: 'alice' })
          .setProtectedHeader({ alg: algorithm, kid: String(privateJwk?.kid) })
          .sign(await importJWK(privateJwk ?? {}, algorithm));
        const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [...ring.publicJwks.keys] }));
        expect(payload.sub).to.equal('alice');
        expect(protectedHeader.kid).to.equal(privateJwk?.kid);
      });
    }

    it('an HS256 ring holds a 32-byte oct secret that signs and verifies, and publishes nothing', async () => {
      const ring = await keys({ purpose: purpose(), now: clock().now, algorithm: 'HS256' }).current();
      const [secret] = ring.privateJwks;
      expect(secret).to.include({ kty: 'oct', alg: 'HS256', use: 'sig' });
      expect(Buffer.from(String(secret?.k), 'base64url')).to.have.length(32);
      expect(ring.publicJwks.keys).to.deep.equal([]);
      const key = await importJWK(secret ?? {}, 'HS256');
      const token = await new SignJWT({ sub: 'cookie' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
      expect((await jwtVerify(token, key)).payload.sub).to.equal('cookie');
    });
  });

  it('refuses options no ring could honour', () => {
    const base = { orm: db().orm, barrier, purpose: 'p', algorithm: 'ES256', rotateAfterMs: 1, retainMs: 0 } as const;
    expect(() => createSigningKeys({ ...base, purpose: '' })).to.throw(RangeError, /purpose/);
    expect(() => createSigningKeys({ ...base, purpose: 'x'.repeat(101) })).to.throw(RangeError, /purpose/);
    expect(() => createSigningKeys({ ...base, purpose: 'x'.repeat(100), refreshMs: 0 })).to.not.throw();
    expect(() => createSigningKeys({ ...base, rotateAfterMs: 0 })).to.throw(RangeError, /rotateAfterMs/);
    expect(() => createSigningKeys({ ...base, rotateAfterMs: Number.NaN })).to.throw(RangeError, /rotateAfterMs/);
    expect(() => createSigningKeys({ ...base, retainMs: -1 })).to.throw(RangeError, /retainMs/);
    expect(() => createSigningKeys({ ...base, refreshMs: -1 })).to.throw(RangeError, /refreshMs/);
    expect(() => createSigningKeys({ ...base, algorithm: 'PS256' as SigningAlgorithm })).to.throw(TypeError, /PS256/);
  });
});
