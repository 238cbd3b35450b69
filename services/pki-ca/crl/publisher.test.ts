import { expect } from 'chai';
import pino from 'pino';
import { ServiceUnavailableError, ConflictError } from '../../template/errors/index.ts';
import { openDatabase, uuidv7, type Database } from '../../template/database/index.ts';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { leaseMigration, PkiLease } from '../lease.ts';
import { MemoryCrlSource, readCrl } from '../testing/crl-source.ts';
import { createTestHierarchy, type TestHierarchy } from '../testing/test-ca.ts';
import { PkiCrl } from './entities.ts';
import { crlMigration } from './migrations.ts';
import { CRL_LEASE, CrlPublisher, crlUrl, type CrlPublisherOptions } from './publisher.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const silent = pino({ level: 'silent' });

describe('pki-ca CRL publisher options', () => {
  it('names the CRL URLs under the public URL, the delta with -delta', () => {
    expect(crlUrl('https://ca.test:8380/', 'issuing')).to.equal('https://ca.test:8380/pki/v1/crl/issuing.crl');
    expect(crlUrl('https://ca.test:8380', 'issuing', 'delta')).to.equal('https://ca.test:8380/pki/v1/crl/issuing-delta.crl');
    expect(crlUrl('https://ca.test', 'a b')).to.equal('https://ca.test/pki/v1/crl/a%20b.crl');
  });

  it('refuses intervals, lease times and counts that are not positive whole numbers', () => {
    const base: CrlPublisherOptions = { fork: () => { throw new Error('unused'); }, source: new MemoryCrlSource({}), publicUrl: 'https://ca.test', holder: 'a', log: silent };
    for (const bad of [{ fullIntervalMs: 0 }, { deltaIntervalMs: 1.5 }, { keep: 0 }, { leaseTtlMs: -1 }]) {
      expect(() => new CrlPublisher({ ...base, ...bad }), JSON.stringify(bad)).to.throw(RangeError, /positive whole number/);
    }
    expect(new CrlPublisher(base).now().getTime()).to.be.closeTo(Date.now(), 1000);
  });
});

describeOnDatabases('pki-ca CRL publishing', { entities: [PkiCrl, PkiLease], migrations: [leaseMigration, crlMigration] }, (db, engine) => {
  let hierarchy: TestHierarchy;
  let clock = new Date('2026-06-01T12:00:00.250Z');
  const now = (): Date => clock;
  const advance = (ms: number): void => { clock = new Date(clock.getTime() + ms); };

  before(async () => {
    hierarchy = await createTestHierarchy('ES256');
  });

  function publisher(source: MemoryCrlSource, options: Partial<CrlPublisherOptions> = {}): CrlPublisher {
    return new CrlPublisher({ fork: () => db().fork(), source, publicUrl: 'https://ca.test:8380', holder: 'replica-a', log: silent, now, ...options });
  }

  async function storedNumbers(ca: string): Promise<string[]> {
    const rows = await db().fork().find(PkiCrl, { caName: ca }, { orderBy: { number: 'asc' }, exclude: ['der'] });
    return rows.map((row) => `${row.kind}:${String(row.number)}${row.baseNumber === null ? '' : `/${String(row.baseNumber)}`}`);
  }

  it('numbers full and delta CRLs from one sequence per CA (RFC 5280 §5.2.3) and publishes only what is due', async () => {
    const source = new MemoryCrlSource({ numbering: hierarchy.issuing, other: hierarchy.root });
    const crls = publisher(source);
    const first = await crls.publish('numbering');
    expect([first.full?.number, first.delta?.number, first.delta?.baseNumber]).to.deep.equal([1n, 2n, 1n]);
    expect(first.full?.thisUpdate.toISOString()).to.equal('2026-06-01T12:00:00.000Z');
    expect(first.full?.nextUpdate.getTime()).to.equal((first.full?.thisUpdate.getTime() ?? 0) + 2 * HOUR_MS);
    expect(first.delta?.nextUpdate.getTime()).to.equal((first.delta?.thisUpdate.getTime() ?? 0) + 10 * MINUTE_MS);
    // Another CA has its own sequence.
    expect((await crls.publish('other')).full?.number).to.equal(1n);

    expect(await crls.publish('numbering')).to.deep.equal({});
    advance(5 * MINUTE_MS);
    const second = await crls.publish('numbering');
    expect(second.full).to.equal(undefined);
    expect([second.delta?.number, second.delta?.baseNumber]).to.deep.equal([3n, 1n]);
    advance(56 * MINUTE_MS);
    const third = await crls.publish('numbering');
    expect([third.full?.number, third.delta?.number, third.delta?.baseNumber]).to.deep.equal([4n, 5n, 4n]);
    expect(await storedNumbers('numbering')).to.deep.equal(['full:1', 'delta:2/1', 'delta:3/1', 'full:4', 'delta:5/4']);

    const der = (await crls.latest('numbering', 'full'))?.der ?? new Uint8Array();
    const full = readCrl(der);
    expect([full.number, full.baseNumber, full.thisUpdate.toISOString()]).to.deep.equal([4n, undefined, '2026-06-01T13:01:00.000Z']);
    const delta = readCrl((await crls.latest('numbering', 'delta'))?.der ?? new Uint8Array());
    expect([delta.number, delta.baseNumber]).to.deep.equal([5n, 4n]);
    expect(await crls.latest('nobody', 'full')).to.equal(undefined);
  });

  it('puts in a delta only what was revoked since its base, and everything unexpired in the full CRL', async () => {
    const source = new MemoryCrlSource({ content: hierarchy.issuing });
    const crls = publisher(source);
    const old = source.revoke('content', new Date(clock.getTime() - DAY_MS));
    // A revocation dated just before the base's thisUpdate may have been committed after the base read the store.
    const late = source.revoke('content', new Date(clock.getTime() - 30_000), 'unspecified');
    const base = await crls.publish('content', { force: true });
    expect(readCrl(base.full?.der ?? new Uint8Array()).serials).to.have.members([old.serialHex, late.serialHex]);
    expect(readCrl(base.delta?.der ?? new Uint8Array()).serials).to.deep.equal([late.serialHex]);

    advance(MINUTE_MS);
    const fresh = source.revoke('content', clock, 'superseded');
    advance(5 * MINUTE_MS);
    const next = await crls.publish('content');
    expect(next.full).to.equal(undefined);
    const delta = readCrl(next.delta?.der ?? new Uint8Array());
    expect(delta.serials).to.have.members([late.serialHex, fresh.serialHex]);
    expect(delta.baseNumber).to.equal(base.full?.number);
  });

  it('regenerates with the next numbers whenever asked, and keeps the newest three of each kind', async () => {
    const source = new MemoryCrlSource({ regen: hierarchy.issuing });
    // A source may answer with a plain iterable as well as an async one.
    source.streaming = false;
    source.revoke('regen', new Date(clock.getTime() - DAY_MS));
    const crls = publisher(source);
    const numbers: bigint[] = [];
    for (let round = 0; round < 5; round += 1) {
      const { full, delta } = await crls.regenerate('regen');
      numbers.push(full.number, delta.number);
      expect(delta.baseNumber).to.equal(full.number);
      expect(readCrl(full.der).serials).to.have.length(1);
    }
    expect(numbers).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(await storedNumbers('regen')).to.deep.equal(['full:5', 'delta:6/5', 'full:7', 'delta:8/7', 'full:9', 'delta:10/9']);
    expect((await crls.latest('regen', 'full'))?.number).to.equal(9n);
  });

  it('serializes concurrent publishes of one CA within the process: distinct numbers, no failed insert', async () => {
    const source = new MemoryCrlSource({ serial: hierarchy.issuing });
    const crls = publisher(source);
    const results = await Promise.all([crls.regenerate('serial'), crls.regenerate('serial'), crls.publish('serial'), crls.regenerate('serial')]);
    expect(results.map((result) => result.full?.number)).to.deep.equal([1n, 3n, undefined, 5n]);
    expect(await storedNumbers('serial')).to.deep.equal(['full:1', 'delta:2/1', 'full:3', 'delta:4/3', 'full:5', 'delta:6/5']);
    // A failed job does not stop the next one.
    let fail = true;
    source.beforeSigner = () => {
      if (!fail) return Promise.resolve();
      fail = false;
      return Promise.reject(new ServiceUnavailableError('sealed'));
    };
    const [failed, after] = await Promise.allSettled([crls.regenerate('serial'), crls.regenerate('serial')]);
    expect(failed.status).to.equal('rejected');
    expect(after.status === 'fulfilled' ? after.value.full.number : undefined).to.equal(7n);
  });

  it('retries with the next number when another replica stores the same number first, and gives up after five tries', async () => {
    const source = new MemoryCrlSource({ race: hierarchy.issuing });
    const crls = publisher(source);
    let stolen = 0;
    let steal = 1;
    // Between reading the newest number and storing, "another replica" stores the next number.
    source.beforeSigner = async (ca) => {
      if (stolen >= steal) return;
      stolen += 1;
      const em = db().fork();
      const [newest] = await em.find(PkiCrl, { caName: ca }, { orderBy: { number: 'desc' }, limit: 1, exclude: ['der'] });
      const number = (newest?.number ?? 0n) + 1n;
      await em.insert(PkiCrl, { id: uuidv7(), caName: ca, number, kind: 'full', baseNumber: null, thisUpdate: clock, nextUpdate: new Date(clock.getTime() + HOUR_MS), der: Buffer.of(0x30, 0), createdAt: clock });
    };
    const result = await crls.regenerate('race');
    expect([result.full.number, result.delta.number]).to.deep.equal([2n, 3n]);
    expect(source.signerCalls.get('race')).to.equal(2);

    stolen = 0;
    steal = Infinity;
    let failure: unknown;
    try { await crls.regenerate('race'); } catch (error) { failure = error; }
    expect(failure).to.be.instanceOf(ConflictError);
    expect(stolen).to.equal(5);
  });

  it('passes on a store failure that is not a taken number', async () => {
    const source = new MemoryCrlSource({ 'broken': hierarchy.issuing });
    const crls = publisher(source, { fork: () => { const em = db().fork(); em.transactional = () => Promise.reject(new TypeError('disk full')); return em; } });
    let failure: unknown;
    try { await crls.regenerate('broken'); } catch (error) { failure = error; }
    expect(failure).to.be.instanceOf(TypeError);
  });

  it('builds the first CRLs of a CA on demand, once, however many ask at once', async () => {
    const source = new MemoryCrlSource({ demand: hierarchy.issuing });
    const crls = publisher(source);
    const [full, delta, again] = await Promise.all([crls.current('demand', 'full'), crls.current('demand', 'delta'), crls.current('demand', 'full')]);
    expect([full.number, delta.number, again.number]).to.deep.equal([1n, 2n, 1n]);
    expect(full.etag).to.match(/^"[\w-]{22}"$/);
    expect(source.signerCalls.get('demand')).to.equal(1);
    // A second process reads the stored bytes, not a new CRL.
    const other = publisher(source, { holder: 'replica-b' });
    const read = await other.current('demand', 'full');
    expect(Buffer.from(read.der).equals(Buffer.from(full.der))).to.equal(true);
    expect(read.etag).to.equal(full.etag);
    expect(await other.current('demand', 'full')).to.equal(read);
  });

  it('on a tick publishes only as the lease holder; a CA that fails is reported and the others go on', async () => {
    const source = new MemoryCrlSource({ 'tick-a': hierarchy.issuing, 'tick-b': hierarchy.root });
    const a = publisher(source, { holder: 'tick-1' });
    const b = publisher(source, { holder: 'tick-2' });
    await db().fork().nativeDelete(PkiLease, { name: CRL_LEASE });
    const first = await a.tick();
    expect(first.held).to.equal(true);
    expect(first.published.map((crl) => `${crl.ca}:${crl.kind}:${String(crl.number)}`)).to.deep.equal(['tick-a:full:1', 'tick-a:delta:2', 'tick-b:full:1', 'tick-b:delta:2']);
    expect(await b.tick()).to.deep.equal({ held: false, published: [], failed: [] });

    advance(5 * MINUTE_MS);
    source.sealed = true;
    const sealed = await a.tick();
    expect([sealed.held, sealed.published, sealed.failed]).to.deep.equal([true, [], ['tick-a', 'tick-b']]);
    source.sealed = false;
    const overlapping = await Promise.all([a.tick(), a.tick()]);
    expect(overlapping[0]).to.equal(overlapping[1]);
    expect(overlapping[0].published.map((crl) => `${crl.ca}:${crl.kind}:${String(crl.number)}`)).to.deep.equal(['tick-a:delta:3', 'tick-b:delta:3']);

    await a.stop();
    expect((await b.tick()).held).to.equal(true);
    await b.stop();
  });

  it('runs the schedule: a tick at start and one every interval, until stopped', async function () {
    this.timeout(10_000);
    const source = new MemoryCrlSource({ timer: hierarchy.issuing });
    await db().fork().nativeDelete(PkiLease, { name: CRL_LEASE });
    const crls = publisher(source, { holder: 'timer', deltaIntervalMs: 50, fullIntervalMs: 60_000, now: () => new Date() });
    crls.start();
    crls.start();
    const deadline = Date.now() + 8000;
    while ((await storedNumbers('timer')).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await crls.stop();
    const stored = await storedNumbers('timer');
    expect(stored.slice(0, 3)).to.deep.equal(['full:1', 'delta:2/1', 'delta:3/1']);
    const lease = await db().fork().findOneOrFail(PkiLease, { name: CRL_LEASE });
    expect(lease.holder).to.equal('');
    // Stopped: nothing more is published.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await storedNumbers('timer')).to.deep.equal(stored);
  });

  it('logs each CRL it stores at debug level, naming the CA, the kind and the number', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(line); } });
    await publisher(new MemoryCrlSource({ logged: hierarchy.issuing }), { log }).publish('logged');
    const published = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'pki-ca published a CRL');
    expect(published.map((entry) => [entry.level, entry.ca, entry.kind, entry.number])).to.deep.equal([[20, 'logged', 'full', '1'], [20, 'logged', 'delta', '2']]);
  });

  it('logs a tick that fails as a whole and keeps the schedule', async function () {
    this.timeout(10_000);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } });
    const crls = publisher(new MemoryCrlSource({}), { holder: 'broken-lease', deltaIntervalMs: 50, log, fork: () => { throw new Error('no database'); } });
    crls.start();
    const deadline = Date.now() + 8000;
    while (lines.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(lines.length).to.be.at.least(2);
    expect(JSON.parse(lines[0] ?? '{}')).to.include({ msg: 'pki-ca CRL schedule failed; the next tick retries' });
    // stop() waits for a running tick, even one that fails, then fails itself to release the lease.
    const ticking = crls.tick();
    const [stopped, ticked] = await Promise.allSettled([crls.stop(), ticking]);
    expect([stopped.status, ticked.status]).to.deep.equal(['rejected', 'rejected']);
  });

  if (engine.kind === 'postgresql') {
    describe('two replicas (two ORMs on one database)', () => {
      let second: Database;
      before(async () => {
        second = await openDatabase({ url: engine.url(), entities: [PkiCrl, PkiLease], migrations: [] });
      });
      after(async () => {
        await second.close();
      });

      it('only the lease holder generates on a tick', async () => {
        await db().fork().nativeDelete(PkiLease, { name: CRL_LEASE });
        const source = new MemoryCrlSource({ 'replicas': hierarchy.issuing });
        const one = publisher(source, { holder: 'pod-1' });
        const two = publisher(source, { holder: 'pod-2', fork: () => second.fork() });
        const results = await Promise.all([one.tick(), two.tick()]);
        expect(results.map((result) => result.held).filter(Boolean)).to.have.length(1);
        expect(results.flatMap((result) => result.published.map((crl) => String(crl.number)))).to.deep.equal(['1', '2']);
        advance(5 * MINUTE_MS);
        const again = await Promise.all([two.tick(), one.tick()]);
        expect(again.map((result) => result.held)).to.deep.equal(results.map((result) => result.held).reverse());
        expect(await storedNumbers('replicas')).to.deep.equal(['full:1', 'delta:2/1', 'delta:3/1']);
        await Promise.all([one.stop(), two.stop()]);
      });

      it('concurrent regenerations on both replicas store distinct numbers', async () => {
        const source = new MemoryCrlSource({ 'both': hierarchy.issuing });
        const one = publisher(source, { holder: 'pod-1' });
        const two = publisher(source, { holder: 'pod-2', fork: () => second.fork() });
        const results = await Promise.all([one.regenerate('both'), two.regenerate('both'), one.regenerate('both'), two.regenerate('both')]);
        const numbers = results.flatMap((result) => [result.full.number, result.delta.number]).sort((x, y) => Number(x - y));
        expect(numbers).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      });
    });
  }
});
