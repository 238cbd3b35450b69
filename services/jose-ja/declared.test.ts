import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { pino } from 'pino';
import { ConflictError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { listAudit } from './audit.ts';
import { DeclaredKeySets, ensureDeclared } from './declared.ts';
import { entities, JwkKey, KeySet } from './entities.ts';
import { createKeySet, getKeySet } from './key-sets.ts';
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares } from '../template/barrier/index.ts';
import { migrations } from './migrations.ts';
import type { KeySetInput } from './rules.ts';
import { ALICE, rejection, unique, unsealedJa, type TestJa } from './testing/context.ts';

const silent = pino({ level: 'silent' });

function declaredPair(): KeySetInput[] {
  const signer = unique('decl-sig');
  // The enc set comes first on purpose: sig sets are made first whatever the order.
  return [
    { name: unique('decl-enc'), use: 'enc', alg: 'A256GCM/RSA-OAEP-256', rotationDays: 30, retentionDays: 30, pairedWith: signer },
    { name: signer, use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
  ];
}

describeOnDatabases('jose-ja declared key sets', { entities, migrations }, (db) => {
  let t: TestJa;
  beforeEach(async () => { t = await unsealedJa(); });

  it('makes the missing sets as actor jose-ja, and gives existing ones the declared periods', async () => {
    const declared = declaredPair();
    await ensureDeclared(() => db().fork(), t.ja, declared);
    const [enc, signer] = declared;
    const made = await getKeySet(db().fork(), t.ja, enc?.name ?? '');
    expect(made).to.include({ pairedWith: signer?.name, rotationDays: 30 });
    expect((await listAudit(db().fork(), enc?.name ?? '', 0, 5)).items[0]).to.deep.include({ action: 'create', actor: { subject: 'jose-ja', clientId: 'jose-ja' } });
    const kids = made.keys.map((key) => key.kid);
    await ensureDeclared(() => db().fork(), t.ja, [{ ...declared[0], rotationDays: 45 } as KeySetInput]);
    const updated = await getKeySet(db().fork(), t.ja, enc?.name ?? '');
    expect(updated.rotationDays).to.equal(45);
    expect(updated.keys.map((key) => key.kid)).to.deep.equal(kids);
  });

  it('leaves sets made through the API alone', async () => {
    const own = unique('own');
    await createKeySet(db().fork(), t.ja, { name: own, use: 'sig', alg: 'ES256', rotationDays: 5, retentionDays: 5 }, ALICE);
    await ensureDeclared(() => db().fork(), t.ja, declaredPair());
    expect(await getKeySet(db().fork(), t.ja, own)).to.include({ rotationDays: 5 });
  });

  it('two replicas ensuring at once make each set once, with one active key', async () => {
    const declared = declaredPair();
    const other = await unsealedJa(300, t.barrier);
    await Promise.all([ensureDeclared(() => db().fork(), t.ja, declared), ensureDeclared(() => db().fork(), other.ja, declared), ensureDeclared(() => db().fork(), t.ja, declared)]);
    for (const input of declared) {
      const set = await db().fork().findOneOrFail(KeySet, { name: input.name });
      expect(await db().fork().count(JwkKey, { keySetId: set.id, status: 'active' })).to.equal(1);
      expect((await listAudit(db().fork(), input.name, 0, 10)).items.map((item) => item.action)).to.deep.equal(['create']);
    }
  });

  it('runs once per unseal: on demand, from the readiness check, and again after a seal', async () => {
    const declared = declaredPair();
    const sets = new DeclaredKeySets({ fork: () => db().fork(), ja: t.ja, declared, log: silent, pollMs: 5 });
    expect(sets.settled).to.equal(false);
    expect(await sets.readiness().check()).to.deep.equal({ ok: true });
    expect(sets.settled).to.equal(true);
    t.barrier.seal();
    expect(sets.settled).to.equal(false);
    expect(await sets.readiness().check()).to.include({ ok: false });
    expect(new DeclaredKeySets({ fork: () => db().fork(), ja: t.ja, declared: [], log: silent }).settled).to.equal(true);
  });

  it('reports a failure in readiness and retries from the timer, one log line per attempt', async () => {
    const bad: KeySetInput[] = [{ name: unique('orphan'), use: 'enc', alg: 'A256GCM/ECDH-ES', rotationDays: 1, retentionDays: 1, pairedWith: unique('missing') }];
    const errors: unknown[] = [];
    const sets = new DeclaredKeySets({ fork: () => db().fork(), ja: t.ja, declared: bad, log: { error: (...args: unknown[]) => { errors.push(args); } }, pollMs: 5, retryMs: 20 });
    expect(await sets.readiness().check()).to.deep.equal({ ok: false, detail: 'making the declared key sets failed; see the log' });
    // Requests go on: the sets that exist are still served.
    await sets.settle();
    expect(sets.settled).to.equal(false);
    sets.start();
    sets.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    sets.stop();
    // Ticks every 5 ms, attempts after 20, 40, 80 ms…: a handful of lines, not forty.
    expect(errors.length).to.be.within(1, 5);
    new DeclaredKeySets({ fork: () => db().fork(), ja: t.ja, declared: [], log: silent }).start();
  });

  it('backs off after a failed run: 1 s, doubling, capped, and from 1 s again after a seal', async () => {
    const shares = (await newUnsealShares(5, 3)).slice(0, 3);
    const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
    await barrier.unseal(shares);
    const own = await unsealedJa(300, barrier);
    const bad: KeySetInput[] = [{ name: unique('orphan'), use: 'enc', alg: 'A256GCM/ECDH-ES', rotationDays: 1, retentionDays: 1, pairedWith: unique('missing') }];
    let now = 1_000_000;
    let runs = 0;
    const fork = (): EntityManager => { runs += 1; return db().fork(); };
    const sets = new DeclaredKeySets({ fork, ja: own.ja, declared: bad, log: silent, maxRetryMs: 3_000, now: () => now });
    let last = await rejection(sets.ensure());
    let failedAt = now;
    for (const wait of [1_000, 2_000, 3_000, 3_000]) {
      now = failedAt + wait - 1;
      const before = runs;
      // Within the backoff the same error comes back without touching the database.
      expect(await rejection(sets.ensure()), `the last error before ${String(wait)} ms`).to.equal(last);
      expect(runs, `no run before ${String(wait)} ms`).to.equal(before);
      now = failedAt + wait;
      last = await rejection(sets.ensure());
      expect(runs, `a run at ${String(wait)} ms`).to.be.greaterThan(before);
      failedAt = now;
    }
    barrier.seal();
    await barrier.unseal(shares);
    now += 1;
    const beforeUnseal = runs;
    await rejection(sets.ensure());
    expect(runs, 'a fresh unseal runs at once').to.be.greaterThan(beforeUnseal);
  });

  it('gives up with the conflict after three attempts when every change loses its race', async () => {
    const name = unique('busy');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 5, retentionDays: 5 }, ALICE);
    const bound = (target: EntityManager, prop: string | symbol): unknown => {
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    };
    let attempts = 0;
    // Every transaction finds its version claimed by someone else.
    const losing = (): EntityManager => new Proxy(db().fork(), {
      get: (target, prop) => (prop === 'transactional'
        ? (work: (tx: EntityManager) => Promise<unknown>) => {
          attempts += 1;
          return work(new Proxy(target, { get: (inner, innerProp) => (innerProp === 'nativeUpdate' ? () => Promise.resolve(0) : bound(inner, innerProp)) }));
        }
        : bound(target, prop)),
    });
    const failure = await rejection(ensureDeclared(losing, t.ja, [{ name, use: 'sig', alg: 'ES256', rotationDays: 6, retentionDays: 5 }]));
    expect(failure).to.be.instanceOf(ConflictError);
    expect(attempts).to.equal(3);
  });
});
