import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { HierarchyBootstrap } from './bootstrap.ts';
import { CertificateAuthority, entities } from './entities.ts';
import { migrations } from './migrations.ts';
import type { PkiRules } from './rules.ts';
import { fakeRules } from './testing/fake-rules.ts';
import { unsealedPki } from './testing/pki-context.ts';

describeOnDatabases('pki-ca bootstrap on unseal', { entities, migrations }, (db) => {
  it('does nothing when pki.bootstrap is off, and is ready at once', async () => {
    const t = await unsealedPki({ bootstrap: false });
    const bootstrap = new HierarchyBootstrap({ pki: t.pki, fork: () => db().fork(), log: { error: () => undefined } });
    bootstrap.start();
    await bootstrap.ensure();
    expect(await db().fork().count(CertificateAuthority, {})).to.equal(0);
    expect(await bootstrap.readiness().check()).to.deep.equal({ ok: true });
    bootstrap.stop();
  });

  it('waits while sealed, bootstraps once unsealed (the timer finds it), retries a failure, and is ready after', async function () {
    this.timeout(15_000);
    const t = await unsealedPki();
    let failing = true;
    const rules: PkiRules = fakeRules();
    const pki = { ...t.pki, rules: () => failing ? Promise.reject(new Error('no rules yet')) : Promise.resolve(rules) };
    const errors: unknown[] = [];
    const bootstrap = new HierarchyBootstrap({ pki, fork: () => db().fork(), log: { error: (...args: unknown[]) => { errors.push(args); } }, pollMs: 20 });
    t.barrier.seal();
    await bootstrap.ensure();
    expect(await bootstrap.readiness().check()).to.deep.equal({ ok: false, detail: 'waiting for the unseal to bootstrap the CA hierarchy' });
    expect(await db().fork().count(CertificateAuthority, {})).to.equal(0);
    // Another process, unsealed, on the same database.
    const open = await unsealedPki();
    const live = { ...open.pki, rules: pki.rules };
    const running = new HierarchyBootstrap({ pki: live, fork: () => db().fork(), log: { error: (...args: unknown[]) => { errors.push(args); } }, pollMs: 20 });
    expect((await running.readiness().check()).ok).to.equal(false);
    running.start();
    running.start();
    // Two failed attempts (20 ms, then 40 ms later), however slow the machine is.
    for (let tries = 0; tries < 400 && errors.length < 2; tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    // Each failure is logged once, and the timer waits twice as long before the next attempt.
    const waits = errors.map((args) => ((args as [{ retryInMs: number }])[0]).retryInMs);
    expect(waits.slice(0, 2)).to.deep.equal([40, 80]);
    failing = false;
    for (let tries = 0; tries < 200 && !running.settled; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(running.settled).to.equal(true);
    expect(await db().fork().count(CertificateAuthority, {})).to.equal(3);
    expect(await running.readiness().check()).to.deep.equal({ ok: true });
    // Sealing forgets it was done; the next unseal looks again (and finds everything there).
    open.barrier.seal();
    expect(running.settled).to.equal(false);
    running.stop();
    bootstrap.stop();
  });
});
