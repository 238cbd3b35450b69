import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { leaseMigration, PkiLease } from '../lease.ts';
import { MemoryCrlSource, readCrl } from '../testing/crl-source.ts';
import { createTestHierarchy } from '../testing/test-ca.ts';
import type { RevokedEntry } from './build.ts';
import { readDerChildren, readDerElement } from './der.ts';
import { PkiCrl } from './entities.ts';
import { crlMigration } from './migrations.ts';
import { CrlPublisher } from './publisher.ts';

const DAY_MS = 86_400_000;
const COUNT = 100_000;

/** `count` revoked entries with pki-ca serials, drawn from one random buffer (a call per serial would dominate). */
function revokedEntries(count: number, before: Date): RevokedEntry[] {
  const random = randomBytes(16 * count);
  return Array.from({ length: count }, (_, index) => {
    random[index * 16] = ((random[index * 16] ?? 0) & 0x7f) | 0x40;
    return { serialHex: random.toString('hex', index * 16, index * 16 + 16), revokedAt: new Date(before.getTime() - index * 1000), reason: 'keyCompromise' };
  });
}

describeOnDatabases('pki-ca CRL publishing at scale', { entities: [PkiCrl, PkiLease], migrations: [leaseMigration, crlMigration] }, (db, engine) => {
  it('builds, signs and stores a CRL of 100,000 revoked certificates in under 5 s', async function () {
    this.timeout(30_000);
    const clock = new Date();
    const { issuing } = await createTestHierarchy('ES256');
    const source = new MemoryCrlSource({ big: issuing });
    source.entries.set('big', revokedEntries(COUNT, new Date(clock.getTime() - DAY_MS)));
    source.streaming = false;
    const crls = new CrlPublisher({ fork: () => db().fork(), source, publicUrl: 'https://ca.test:8380', holder: 'scale', log: pino({ level: 'silent' }), now: () => clock });
    const started = performance.now();
    const { full, delta } = await crls.regenerate('big');
    const ms = performance.now() - started;
    process.stdout.write(`      ${String(COUNT)} entries on ${engine.title}: ${String(Math.round(ms))} ms, ${String(full.der.length)} bytes\n`);
    expect(ms).to.be.below(5000);
    const [tbs] = readDerChildren(readDerElement(full.der).content);
    const fields = readDerChildren(tbs?.content ?? new Uint8Array());
    expect(readDerChildren(fields[5]?.content ?? new Uint8Array())).to.have.length(COUNT);
    expect(readCrl(delta.der).serials).to.deep.equal([]);
    const [row] = await db().fork().getConnection().execute<{ n: number | string }[]>(`select length(der) as n from pki_crls where ca_name = 'big' and kind = 'full'`);
    expect(Number(row?.n)).to.equal(full.der.length);
  });
});
