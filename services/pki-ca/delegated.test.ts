import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm } from './contract.ts';
import { delegatedSigner } from './delegated.ts';
import { DelegatedSigner } from './delegated-store.ts';
import { entities, IssuedCertificate } from './entities.ts';
import { bootstrapHierarchy } from './hierarchy.ts';
import { enroll } from './issue.ts';
import { loadRules } from './index.ts';
import { migrations } from './migrations.ts';
import { acmeDeps, crlSource } from './protocols.ts';
import type { RevokedEntry } from './crl/build.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { generateKeys } from './testing/test-ca.ts';

const DAY_MS = 86_400_000;

describeOnDatabases('pki-ca delegated signers and the ACME store', { entities, migrations }, (db) => {
  let t: TestPki;

  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki({}, await loadRules(''));
    await bootstrapHierarchy(() => db().fork(), t.pki);
  });

  it('makes one OCSP responder per CA, reuses it, and renews it once three quarters of its life are gone', async () => {
    const first = await delegatedSigner(db().fork(), t.pki, 'default', 'ocsp');
    expect(first.certificate.subject).to.contain('OCSP Responder default');
    expect(first.chain[0]?.subject).to.contain('Issuing CA default');
    expect(await delegatedSigner(db().fork(), t.pki, 'default', 'ocsp')).to.equal(first);
    t.pki.signers.wipe();
    const reopened = await delegatedSigner(db().fork(), t.pki, 'default', 'ocsp');
    expect(reopened.certificate.serialNumber).to.equal(first.certificate.serialNumber);
    const lifetime = first.certificate.notAfter.getTime() - first.certificate.notBefore.getTime();
    t.advance(Math.ceil(lifetime * 0.76));
    const renewed = await delegatedSigner(db().fork(), t.pki, 'default', 'ocsp');
    expect(renewed.certificate.serialNumber).to.not.equal(first.certificate.serialNumber);
    expect(await db().fork().count(DelegatedSigner, { purpose: 'ocsp' })).to.equal(2);
    const stored = await db().fork().findOne(IssuedCertificate, { serialHex: renewed.certificate.serialNumber.toLowerCase() });
    expect(stored?.profile).to.equal('ocsp-responder');
  });

  it('revokes for ACME once, then says already; unknown serials and CAs are unknown; finds certificates by serial', async () => {
    const keys = await generateKeys('ES256');
    const csr = (await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=acme.test', keys, signingAlgorithm: signingAlgorithm('ES256'),
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'acme.test' }])],
    })).toString('pem');
    const { serial } = await enroll(db().fork(), t.pki, { csr, profile: 'tls-server' });
    const deps = acmeDeps(() => db().fork(), t.pki);
    expect(await deps.certificateBySerial?.('default', serial)).to.have.property('certificatePem').that.includes('BEGIN CERTIFICATE');
    expect(await deps.certificateBySerial?.('root', serial)).to.equal(undefined);
    expect(await deps.certificateBySerial?.('other', serial)).to.equal(undefined);
    expect(await deps.certificateBySerial?.('default', '4'.repeat(32))).to.equal(undefined);
    expect(await deps.revoke('default', serial, 'keyCompromise')).to.equal('revoked');
    expect(await deps.revoke('default', serial, 'keyCompromise')).to.equal('already');
    expect(await deps.revoke('other', serial, 'keyCompromise')).to.equal('unknown');
    expect(await deps.revoke('default', '4'.repeat(32), 'keyCompromise')).to.equal('unknown');
    let failure: unknown;
    try { await deps.revoke('root', (await db().fork().findOneOrFail(IssuedCertificate, { profile: 'intermediate-ca' })).serialHex, 'nonsense'); } catch (error) { failure = error; }
    expect(String(failure)).to.contain('reason must be an RFC 5280 reason name');
    expect(await deps.knownCa('default')).to.equal(true);
    expect(await deps.knownCa('root')).to.equal(false);
    expect(t.pki.now().getTime() - Date.now()).to.be.greaterThan(DAY_MS);
    const source = crlSource(() => db().fork(), t.pki);
    const listed = async (since?: Date): Promise<RevokedEntry[]> => {
      const entries: RevokedEntry[] = [];
      for await (const entry of source.revoked('default', since)) entries.push(entry);
      return entries;
    };
    expect((await listed()).map((entry) => [entry.serialHex, entry.reason])).to.deep.include([serial, 'keyCompromise']);
    expect(await listed(new Date(t.pki.now().getTime() + DAY_MS))).to.deep.equal([]);
    // A row edited by hand into "revoked" without its time and reason still makes a valid CRL entry.
    await db().fork().nativeUpdate(IssuedCertificate, { serialHex: serial }, { revokedAt: null, revocationReason: null });
    expect((await listed()).find((entry) => entry.serialHex === serial)).to.deep.equal({ serialHex: serial, revokedAt: new Date(0), reason: 'unspecified' });
    expect(await source.caNames()).to.include.members(['root', 'intermediate', 'default']);
  });
});
