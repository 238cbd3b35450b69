import { expect } from 'chai';
import { Registry } from 'prom-client';
import { CaExpiryWatch, DAYS_LEFT_METRIC, caExpiry, daysLeft, expiryResult, type CaValidity } from './expiry.ts';

const DAY_MS = 86_400_000;
const NOW = new Date('2027-01-01T00:00:00Z');
const inDays = (days: number): Date => new Date(NOW.getTime() + days * DAY_MS);

interface Warning { readonly fields: Record<string, unknown>; readonly message: string }

function watchOf(cas: CaValidity[], clock: { now: Date } = { now: NOW }): { watch: CaExpiryWatch; warnings: Warning[]; metrics: Registry } {
  const warnings: Warning[] = [];
  const metrics = new Registry();
  const log = { warn: (fields: Record<string, unknown>, message: string) => { warnings.push({ fields, message }); } };
  const watch = new CaExpiryWatch({ listCas: () => Promise.resolve(cas), log: log as never, metrics, now: () => clock.now });
  return { watch, warnings, metrics };
}

async function gaugeValues(metrics: Registry): Promise<Record<string, number>> {
  const metric = await metrics.getSingleMetric(DAYS_LEFT_METRIC)?.get();
  return Object.fromEntries((metric?.values ?? []).map((value) => [String(value.labels.ca), value.value]));
}

describe('pki-ca CA expiry watch', () => {
  it('counts days to notAfter, negative after it, and tells valid, expiring and expired apart', () => {
    expect(daysLeft(inDays(10.5), NOW)).to.equal(10.5);
    expect(daysLeft(inDays(-2), NOW)).to.equal(-2);
    expect(caExpiry({ name: 'a', status: 'active', notAfter: inDays(31) }, NOW).state).to.equal('valid');
    expect(caExpiry({ name: 'a', status: 'active', notAfter: inDays(30) }, NOW).state).to.equal('expiring');
    expect(caExpiry({ name: 'a', status: 'active', notAfter: inDays(0) }, NOW).state).to.equal('expired');
    expect(caExpiry({ name: 'a', status: 'active', notAfter: inDays(5) }, NOW, 3).state).to.equal('valid');
  });

  it('is ready with days left per CA, ready but saying so while one expires soon, unready once one has expired', async () => {
    const cas: CaValidity[] = [
      { name: 'root', status: 'active', notAfter: inDays(3650.7) },
      { name: 'default', status: 'active', notAfter: inDays(12.2) },
    ];
    const { watch } = watchOf(cas);
    const check = watch.readiness();
    expect(check.name).to.equal('ca-expiry');
    expect(await check.check()).to.deep.equal({ ok: true, detail: `root 3650 days left; default expires within 13 days (${inDays(12.2).toISOString()})` });
    cas.push({ name: 'old', status: 'retiring', notAfter: inDays(-1) });
    expect(await check.check()).to.deep.equal({ ok: true, detail: `root 3650 days left; default expires within 13 days (${inDays(12.2).toISOString()}); old EXPIRED at ${inDays(-1).toISOString()}` });
    expect(expiryResult([])).to.deep.equal({ ok: true, detail: 'no CA yet' });
  });

  it('leaves retired CAs out of the detail, the gauge and the log', async () => {
    const { watch, warnings, metrics } = watchOf([{ name: 'gone', status: 'retired', notAfter: inDays(-100) }, { name: 'root', status: 'active', notAfter: inDays(400) }]);
    expect(await watch.readiness().check()).to.deep.equal({ ok: true, detail: 'root 400 days left' });
    expect(await gaugeValues(metrics)).to.deep.equal({ root: 400 });
    expect(warnings).to.deep.equal([]);
  });

  it('keeps a retiring CA in the gauge and the detail but warns only of the active one', async () => {
    const { watch, warnings, metrics } = watchOf([{ name: 'old', status: 'retiring', notAfter: inDays(5) }, { name: 'new', status: 'active', notAfter: inDays(20) }]);
    const detail = (await watch.readiness().check()).detail ?? '';
    expect(detail).to.include('old expires within 5 days').and.include('new expires within 20 days');
    expect(warnings.map((warning) => warning.fields.ca)).to.deep.equal(['new']);
    expect(await metrics.metrics()).to.include('pki_ca_certificate_days_left{ca="old"} 5');
  });

  it('publishes days left per CA as a gauge, read afresh at each scrape', async () => {
    const clock = { now: NOW };
    const { metrics } = watchOf([{ name: 'root', status: 'active', notAfter: inDays(100.256) }, { name: 'default', status: 'active', notAfter: inDays(-3) }], clock);
    expect(await gaugeValues(metrics)).to.deep.equal({ root: 100.26, default: -3 });
    clock.now = inDays(50);
    expect(await gaugeValues(metrics)).to.deep.equal({ root: 50.26, default: -53 });
    expect(await metrics.metrics()).to.contain(`${DAYS_LEFT_METRIC}{ca="root"} 50.26`);
  });

  it('logs one warning per CA certificate when it comes within 30 days, and again when it expires or is replaced', async () => {
    const clock = { now: NOW };
    const cas: CaValidity[] = [{ name: 'default', status: 'active', notAfter: inDays(45) }];
    const { watch, warnings } = watchOf(cas, clock);
    await watch.refresh();
    expect(warnings).to.have.length(0);
    clock.now = inDays(20);
    await watch.refresh();
    await watch.refresh();
    expect(warnings).to.have.length(1);
    expect(warnings[0]?.message).to.equal('pki-ca: CA default expires within 30 days; replace its certificate (an issuing CA: POST /cas/default/rotate)');
    expect(warnings[0]?.fields).to.deep.equal({ ca: 'default', notAfter: inDays(45).toISOString(), daysLeft: 25 });
    cas[0] = { name: 'default', status: 'active', notAfter: inDays(40) };
    await watch.refresh();
    expect(warnings).to.have.length(2);
    clock.now = inDays(41);
    await watch.refresh();
    await watch.refresh();
    expect(warnings.map((warning) => warning.message)).to.deep.equal([
      'pki-ca: CA default expires within 30 days; replace its certificate (an issuing CA: POST /cas/default/rotate)',
      'pki-ca: CA default expires within 30 days; replace its certificate (an issuing CA: POST /cas/default/rotate)',
      'pki-ca: CA default has expired; retire it or replace its certificate',
    ]);
  });

  it('looks on its own on a timer, which a failed look does not stop', async () => {
    let calls = 0;
    const warnings: string[] = [];
    const watch = new CaExpiryWatch({
      listCas: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('database down')) : Promise.resolve([{ name: 'default', status: 'active', notAfter: inDays(1) }]);
      },
      log: { warn: (_fields: unknown, message: string) => { warnings.push(message); } } as never,
      metrics: new Registry(),
      now: () => NOW,
      pollMs: 5,
    });
    watch.start();
    watch.start();
    try {
      const deadline = Date.now() + 5000;
      while (warnings.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      watch.stop();
    }
    expect(calls).to.be.greaterThan(1);
    expect(warnings).to.deep.equal(['pki-ca: CA default expires within 30 days; replace its certificate (an issuing CA: POST /cas/default/rotate)']);
  });

  it('uses the wall clock when none is given', async () => {
    const watch = new CaExpiryWatch({ listCas: () => Promise.resolve([{ name: 'root', status: 'active', notAfter: new Date(Date.now() + 10 * DAY_MS) }]), log: { warn: () => undefined } as never, metrics: new Registry() });
    const [expiry] = await watch.refresh();
    // A tolerance either way: the wall clock may be stepped between the two readings.
    expect(expiry?.daysLeft).to.be.within(9.99, 10.01);
  });
});
