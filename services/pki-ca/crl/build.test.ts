import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { FreshestCRL, IssuingDistributionPoint } from '@peculiar/asn1-x509';
import { x509 } from '../../template/tls/x509.ts';
import type { CaKeyAlgorithm, CaSigner } from '../contract.ts';
import { createTestHierarchy, issueTestCertificate, pem, tempFiles, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import { buildCrl, type CrlOptions, type RevokedEntry } from './build.ts';
import { derBitString, derContext, derInteger, derNull, derOid, derSequence, readDerChildren, readDerElement } from './der.ts';
import { reasonCode, reasonNames } from './reasons.ts';

const run = promisify(execFile);
const HOUR_MS = 3_600_000;
const fullUrl = 'https://ca.test:8380/pki/v1/crl/test-issuing.crl';
const deltaUrl = 'https://ca.test:8380/pki/v1/crl/test-issuing-delta.crl';

/** Runs openssl and returns its exit code and both outputs joined. */
async function openssl(args: readonly string[]): Promise<{ readonly code: number; readonly output: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args);
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** PEM with the `X509 CRL` label openssl reads (RFC 7468 §5). */
function crlPem(der: Uint8Array): string {
  return `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END X509 CRL-----\n`;
}

/** The value of a CRL extension, by OID, with its criticality. */
function crlExtension(crl: x509.X509Crl, oid: string): { readonly critical: boolean; readonly value: ArrayBuffer } {
  const found = crl.getExtension(oid);
  if (found === null) throw new Error(`no extension ${oid}`);
  return { critical: found.critical, value: found.value };
}

function integerValue(value: ArrayBuffer): bigint {
  return (asn1js.fromBER(value).result as asn1js.Integer).toBigInt();
}

function secondOf(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

function options(signer: CaSigner, overrides: Partial<CrlOptions> = {}): CrlOptions {
  const now = Date.now();
  return { signer, number: 1n, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 24 * HOUR_MS), entries: [], distributionPoint: fullUrl, ...overrides };
}

const leafExtensions = [new x509.CRLDistributionPointsExtension([fullUrl])];

describe('pki-ca CRL building (RFC 5280 §5)', function () {
  this.timeout(60_000);
  const hierarchies = new Map<CaKeyAlgorithm, TestHierarchy>();
  const algorithms: readonly CaKeyAlgorithm[] = ['ES256', 'ES384', 'RSA-3072', 'Ed25519'];

  before(async () => {
    for (const algorithm of algorithms) hierarchies.set(algorithm, await createTestHierarchy(algorithm));
  });

  function hierarchy(algorithm: CaKeyAlgorithm): TestHierarchy {
    const found = hierarchies.get(algorithm);
    if (found === undefined) throw new Error(`no ${algorithm} hierarchy`);
    return found;
  }

  for (const algorithm of algorithms) {
    describe(`with a ${algorithm} CA`, () => {
      it('writes a v2 CRL with every field and extension, which @peculiar/x509 parses and verifies', async () => {
        const { issuing } = hierarchy(algorithm);
        const revokedAt = new Date(Date.now() - HOUR_MS);
        const entries: RevokedEntry[] = reasonNames.map((reason, index) => ({ serialHex: testSerial(), revokedAt: new Date(revokedAt.getTime() + index * 1000 + 999), reason }));
        const base = options(issuing, { number: 42n, entries, freshestCrl: deltaUrl });
        const crl = new x509.X509Crl(await buildCrl(base));

        expect(crl.version).to.equal(1);
        expect(crl.issuer).to.equal(issuing.certificate.subject);
        expect(Buffer.from(crl.issuerName.toArrayBuffer()).equals(Buffer.from(issuing.certificate.subjectName.toArrayBuffer()))).to.equal(true);
        expect(crl.thisUpdate.getTime()).to.equal(secondOf(base.thisUpdate));
        expect(crl.nextUpdate?.getTime()).to.equal(secondOf(base.nextUpdate));
        expect(await crl.verify({ publicKey: issuing.certificate })).to.equal(true);
        expect(await crl.verify({ publicKey: hierarchy(algorithm).root.certificate })).to.equal(false);

        expect(crl.entries.map((entry) => entry.serialNumber)).to.deep.equal(entries.map((entry) => entry.serialHex));
        expect(crl.entries.map((entry) => entry.revocationDate.getTime())).to.deep.equal(entries.map((entry) => secondOf(entry.revokedAt)));
        expect(crl.entries.map((entry) => entry.reason)).to.deep.equal(entries.map((entry) => (entry.reason === 'unspecified' ? undefined : reasonCode(entry.reason))));
        // §5.3.1: no reasonCode extension at all for unspecified.
        expect(crl.entries[0]?.extensions).to.deep.equal([]);
        expect(crl.entries.slice(1).every((entry) => entry.extensions.length === 1 && !(entry.extensions[0]?.critical ?? true))).to.equal(true);

        expect(crl.extensions.map((extension) => extension.type)).to.deep.equal(['2.5.29.35', '2.5.29.20', '2.5.29.28', '2.5.29.46']);
        const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension);
        expect(aki?.critical).to.equal(false);
        expect(aki?.keyId).to.equal(issuing.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
        const number = crlExtension(crl, '2.5.29.20');
        expect(number.critical).to.equal(false);
        expect(integerValue(number.value)).to.equal(42n);
        const idp = crlExtension(crl, '2.5.29.28');
        expect(idp.critical).to.equal(true);
        const idpValue = AsnConvert.parse(idp.value, IssuingDistributionPoint);
        expect(idpValue.distributionPoint?.fullName?.map((name) => name.uniformResourceIdentifier)).to.deep.equal([fullUrl]);
        expect(idpValue.onlyContainsUserCerts).to.equal(false);
        expect(idpValue.onlyContainsCACerts).to.equal(false);
        expect(idpValue.indirectCRL).to.equal(false);
        const freshest = crlExtension(crl, '2.5.29.46');
        expect(freshest.critical).to.equal(false);
        expect(AsnConvert.parse(freshest.value, FreshestCRL).map((point) => point.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier)).to.deep.equal([deltaUrl]);
        expect(crl.getExtension('2.5.29.27')).to.equal(null);
      });

      it('is accepted by openssl crl, and openssl verify -crl_check finds the revoked leaf and passes the good one', async () => {
        const { root, issuing } = hierarchy(algorithm);
        const revoked = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
        const good = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
        const der = await buildCrl(options(issuing, { number: 7n, entries: [{ serialHex: revoked.certificate.serialNumber.toLowerCase(), revokedAt: new Date(Date.now() - 1000), reason: 'keyCompromise' }], freshestCrl: deltaUrl }));
        const files = await tempFiles({ 'root.pem': pem(root.certificate), 'issuing.pem': pem(issuing.certificate), 'crl.der': der, 'crl.pem': crlPem(der), 'revoked.pem': pem(revoked.certificate), 'good.pem': pem(good.certificate) });
        try {
          const parsed = await openssl(['crl', '-inform', 'DER', '-in', files.path('crl.der'), '-noout', '-text', '-CAfile', files.path('issuing.pem')]);
          expect(parsed.output).to.contain('verify OK');
          expect(parsed.output).to.contain('X509v3 Issuing Distribution Point: critical');
          expect(parsed.output).to.contain('Key Compromise');
          const verify = ['verify', '-crl_check', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), '-CRLfile', files.path('crl.pem')];
          const revokedResult = await openssl([...verify, files.path('revoked.pem')]);
          expect(revokedResult.output).to.contain('certificate revoked');
          expect(revokedResult.code).to.not.equal(0);
          const goodResult = await openssl([...verify, files.path('good.pem')]);
          expect(goodResult.output).to.contain(': OK');
          expect(goodResult.code).to.equal(0);
        } finally {
          await files.cleanup();
        }
      });
    });
  }

  describe('delta CRLs (RFC 5280 §5.2.4)', () => {
    it('carries a critical deltaCRLIndicator naming the base and no freshestCRL', async () => {
      const { issuing } = hierarchy('ES256');
      const crl = new x509.X509Crl(await buildCrl(options(issuing, { number: 12n, delta: { baseNumber: 11n } })));
      expect(crl.extensions.map((extension) => extension.type)).to.deep.equal(['2.5.29.35', '2.5.29.20', '2.5.29.27', '2.5.29.28']);
      const indicator = crlExtension(crl, '2.5.29.27');
      expect(indicator.critical).to.equal(true);
      expect(integerValue(indicator.value)).to.equal(11n);
      expect(integerValue(crlExtension(crl, '2.5.29.20').value)).to.equal(12n);
      expect(crl.entries).to.deep.equal([]);
      expect(await crl.verify({ publicKey: issuing.certificate })).to.equal(true);
    });

    it('is used by openssl verify -use_deltas -crl_check together with its full CRL, and ignored without -use_deltas', async () => {
      const { root, issuing } = hierarchy('ES256');
      const inFull = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
      const inDelta = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
      const good = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
      const revokedAt = new Date(Date.now() - 1000);
      const full = await buildCrl(options(issuing, { number: 20n, entries: [{ serialHex: inFull.certificate.serialNumber, revokedAt, reason: 'superseded' }], freshestCrl: deltaUrl }));
      const delta = await buildCrl(options(issuing, { number: 21n, delta: { baseNumber: 20n }, entries: [{ serialHex: inDelta.certificate.serialNumber, revokedAt, reason: 'cessationOfOperation' }] }));
      const files = await tempFiles({ 'root.pem': pem(root.certificate), 'issuing.pem': pem(issuing.certificate), 'crls.pem': crlPem(full) + crlPem(delta), 'delta.der': delta, 'full.pem': pem(inFull.certificate), 'delta.pem': pem(inDelta.certificate), 'good.pem': pem(good.certificate) });
      try {
        expect((await openssl(['crl', '-inform', 'DER', '-in', files.path('delta.der'), '-noout', '-text', '-CAfile', files.path('issuing.pem')])).output).to.contain('verify OK').and.to.contain('Delta CRL Indicator: critical');
        const verify = ['verify', '-crl_check', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), '-CRLfile', files.path('crls.pem')];
        expect((await openssl([...verify, '-use_deltas', files.path('full.pem')])).output).to.contain('certificate revoked');
        expect((await openssl([...verify, '-use_deltas', files.path('delta.pem')])).output).to.contain('certificate revoked');
        expect((await openssl([...verify, '-use_deltas', files.path('good.pem')])).code).to.equal(0);
        // Without -use_deltas openssl reads only the full CRL.
        expect((await openssl([...verify, files.path('full.pem')])).output).to.contain('certificate revoked');
        expect((await openssl([...verify, files.path('delta.pem')])).code).to.equal(0);
      } finally {
        await files.cleanup();
      }
    });
  });

  it('is not applied by openssl to a certificate without the same CRL distribution point (RFC 5280 §5.2.5)', async () => {
    const { root, issuing } = hierarchy('ES256');
    const leaf = await issueTestCertificate(issuing);
    const der = await buildCrl(options(issuing, { entries: [{ serialHex: leaf.certificate.serialNumber, revokedAt: new Date(Date.now() - 1000), reason: 'keyCompromise' }] }));
    const files = await tempFiles({ 'root.pem': pem(root.certificate), 'issuing.pem': pem(issuing.certificate), 'crl.pem': crlPem(der), 'leaf.pem': pem(leaf.certificate) });
    try {
      const result = await openssl(['verify', '-crl_check', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), '-CRLfile', files.path('crl.pem'), files.path('leaf.pem')]);
      expect(result.output).to.contain('different CRL scope');
      expect(result.code).to.not.equal(0);
    } finally {
      await files.cleanup();
    }
  });

  describe('entries', () => {
    it('omits revokedCertificates when there are none (§5.1.2.6), and openssl passes a good leaf', async () => {
      const { root, issuing } = hierarchy('ES256');
      const der = await buildCrl(options(issuing));
      const tbsFields = readDerChildren(readDerChildren(readDerElement(der).content)[0]?.content ?? new Uint8Array(0));
      expect(tbsFields.map((field) => field.tag)).to.deep.equal([0x02, 0x30, 0x30, 0x17, 0x17, 0xa0]);
      const good = await issueTestCertificate(issuing, { extraExtensions: leafExtensions });
      const files = await tempFiles({ 'root.pem': pem(root.certificate), 'issuing.pem': pem(issuing.certificate), 'crl.pem': crlPem(der), 'good.pem': pem(good.certificate) });
      try {
        expect((await openssl(['verify', '-crl_check', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), '-CRLfile', files.path('crl.pem'), files.path('good.pem')])).code).to.equal(0);
      } finally {
        await files.cleanup();
      }
    });

    it('writes serials as minimal positive INTEGERs whatever their hex looks like', async () => {
      const { issuing } = hierarchy('ES256');
      const revokedAt = new Date('2030-01-02T03:04:05Z');
      const serials = ['ff00ff00ff00ff00ff00ff00ff00ff00', '00000000000000000000000000000abc', 'ABC', '1', '7f'.padEnd(40, 'f')];
      const der = await buildCrl(options(issuing, { entries: serials.map((serialHex) => ({ serialHex, revokedAt, reason: 'superseded' })) }));
      const crl = new x509.X509Crl(der);
      expect(crl.entries.map((entry) => entry.serialNumber)).to.deep.equal(['ff00ff00ff00ff00ff00ff00ff00ff00', '0abc', '0abc', '01', '7f'.padEnd(40, 'f')]);
      const tbs = readDerChildren(readDerElement(der).content)[0];
      const list = readDerChildren(tbs?.content ?? new Uint8Array(0))[5];
      const firstSerial = readDerChildren(readDerChildren(list?.content ?? new Uint8Array(0))[0]?.content ?? new Uint8Array(0))[0];
      expect(Buffer.from(firstSerial?.encoded ?? []).toString('hex')).to.equal('021100ff00ff00ff00ff00ff00ff00ff00ff00');
    });

    it('writes revocation dates from 2050 on as GeneralizedTime (§5.1.2.6)', async () => {
      const { issuing } = hierarchy('ES256');
      const dates = [new Date('2049-12-31T23:59:59Z'), new Date('2050-01-01T00:00:00Z'), new Date('2107-07-07T07:07:07Z')];
      const der = await buildCrl(options(issuing, { entries: dates.map((revokedAt) => ({ serialHex: testSerial(), revokedAt, reason: 'unspecified' })) }));
      const crl = new x509.X509Crl(der);
      expect(crl.entries.map((entry) => entry.revocationDate.toISOString())).to.deep.equal(dates.map((date) => date.toISOString()));
      const list = readDerChildren(readDerChildren(readDerElement(der).content)[0]?.content ?? new Uint8Array(0))[5];
      const tags = readDerChildren(list?.content ?? new Uint8Array(0)).map((entry) => readDerChildren(entry.content)[1]?.tag);
      expect(tags).to.deep.equal([0x17, 0x18, 0x18]);
    });

    it('takes any iterable, read once', async () => {
      const { issuing } = hierarchy('ES256');
      const serials = [testSerial(), testSerial()];
      function* generate(): Generator<RevokedEntry> {
        for (const serialHex of serials) yield { serialHex, revokedAt: new Date(), reason: 'affiliationChanged' };
      }
      const crl = new x509.X509Crl(await buildCrl(options(issuing, { entries: generate() })));
      expect(crl.entries.map((entry) => entry.serialNumber)).to.deep.equal(serials);
    });

    it('builds and signs 10,000 entries in under 1 s', async () => {
      const { issuing } = hierarchy('ES256');
      const revokedAt = new Date();
      const entries: RevokedEntry[] = Array.from({ length: 10_000 }, (_, index) => ({ serialHex: testSerial(), revokedAt, reason: reasonNames[index % reasonNames.length] ?? 'unspecified' }));
      await buildCrl(options(issuing, { entries: entries.slice(0, 100) }));
      const started = performance.now();
      const der = await buildCrl(options(issuing, { entries }));
      const elapsed = performance.now() - started;
      expect(elapsed).to.be.below(1000);
      // Read back with the DER reader: @peculiar/x509 takes seconds to parse 10,000 entries.
      const [tbs, , signature] = readDerChildren(readDerElement(der).content);
      const list = readDerChildren(readDerChildren(tbs?.content ?? new Uint8Array(0))[5]?.content ?? new Uint8Array(0));
      expect(list.length).to.equal(10_000);
      const last = readDerChildren(list[9_999]?.content ?? new Uint8Array(0));
      expect(last[0]?.content.toString('hex')).to.equal(entries[9_999]?.serialHex);
      const publicKey = createPublicKey({ key: Buffer.from(issuing.certificate.publicKey.rawData), format: 'der', type: 'spki' });
      expect(verify('sha256', tbs?.encoded ?? Buffer.alloc(0), { key: publicKey, dsaEncoding: 'der' }, signature?.content.subarray(1) ?? Buffer.alloc(0))).to.equal(true);
    });
  });

  describe('the CA certificate', () => {
    /** A stand-in certificate of hand-written DER, for shapes the generator does not make. */
    function standIn(signer: CaSigner, rawData: Uint8Array, publicKey: Uint8Array): CaSigner {
      const certificate = {
        rawData: rawData.buffer.slice(rawData.byteOffset, rawData.byteOffset + rawData.byteLength),
        publicKey: { rawData: publicKey.buffer.slice(publicKey.byteOffset, publicKey.byteOffset + publicKey.byteLength) },
        getExtension: () => null,
      } as unknown as x509.X509Certificate;
      return { ...signer, certificate };
    }

    const name = derSequence(derSet(derSequence(derOid('2.5.4.3'), Buffer.concat([Buffer.of(0x0c, 2), Buffer.from('v1')]))));
    function derSet(part: Buffer): Buffer {
      return Buffer.concat([Buffer.of(0x31, part.length), part]);
    }

    it('takes a v1 certificate\'s subject and, without a subjectKeyIdentifier, the SHA-1 of its key bits', async () => {
      const { issuing } = hierarchy('ES256');
      const keyBits = Buffer.from(issuing.certificate.publicKey.rawData).subarray(-65);
      const spki = derSequence(derSequence(derOid('1.2.840.10045.2.1'), derOid('1.2.840.10045.3.1.7')), derBitString(keyBits));
      const validity = derSequence();
      const tbs = derSequence(derInteger(5n), derSequence(derOid('1.2.840.10045.4.3.2')), name, validity, name, spki);
      const signer = standIn(issuing, derSequence(tbs, derSequence(derOid('1.2.840.10045.4.3.2')), derBitString(Buffer.of(0))), spki);
      const crl = new x509.X509Crl(await buildCrl(options(signer)));
      expect(crl.issuer).to.equal('CN=v1');
      expect(crl.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).to.equal(createHash('sha1').update(keyBits).digest('hex'));
      expect(await crl.verify({ publicKey: issuing.certificate })).to.equal(true);
    });

    it('refuses a certificate it cannot read a subject or public key from', async () => {
      const { issuing } = hierarchy('ES256');
      const spki = derSequence(derSequence(derOid('1.2.840.10045.2.1')));
      await expectRejection(buildCrl(options(standIn(issuing, derSequence(), spki))), /no tbsCertificate/);
      await expectRejection(buildCrl(options(standIn(issuing, derSequence(derSequence(derContext(0, true, derInteger(2n)), derInteger(1n))), spki))), /no subject/);
      await expectRejection(buildCrl(options(standIn(issuing, derSequence(derSequence(derInteger(1n), derNull(), name, derNull(), name)), spki))), /no public key/);
    });
  });

  describe('refusals', () => {
    const cases: readonly (readonly [string, (signer: CaSigner) => Partial<CrlOptions>, RegExp])[] = [
      ['a negative CRL number', () => ({ number: -1n }), /CRL number/],
      ['a CRL number over 20 octets', () => ({ number: 1n << 159n }), /20 octets/],
      ['a negative base CRL number', () => ({ number: 2n, delta: { baseNumber: -1n } }), /base CRL number/],
      ['a base CRL number not below the delta\'s number', () => ({ number: 2n, delta: { baseNumber: 2n } }), /must exceed/],
      ['freshestCRL in a delta CRL', () => ({ number: 2n, delta: { baseNumber: 1n }, freshestCrl: deltaUrl }), /freshestCRL/],
      ['nextUpdate not after thisUpdate', () => ({ thisUpdate: new Date(1_000_000), nextUpdate: new Date(1_000_000) }), /nextUpdate/],
      ['an invalid nextUpdate', () => ({ nextUpdate: new Date(Number.NaN) }), /nextUpdate/],
      ['an invalid thisUpdate', () => ({ thisUpdate: new Date(Number.NaN) }), /nextUpdate/],
      ['a serial that is not hex', () => ({ entries: [{ serialHex: 'zz', revokedAt: new Date(), reason: 'unspecified' }] }), /not hex/],
      ['an empty serial', () => ({ entries: [{ serialHex: '', revokedAt: new Date(), reason: 'unspecified' }] }), /not hex/],
      ['a serial of more than 32 bytes of text', () => ({ entries: [{ serialHex: '1'.repeat(66), revokedAt: new Date(), reason: 'unspecified' }] }), /not hex/],
      ['a serial over 20 octets', () => ({ entries: [{ serialHex: '80'.repeat(20), revokedAt: new Date(), reason: 'unspecified' }] }), /longer than 20 octets/],
      ['an unknown reason', () => ({ entries: [{ serialHex: '01', revokedAt: new Date(), reason: 'stolen' as 'unspecified' }] }), /unknown reason/],
      ['an invalid revocation date', () => ({ entries: [{ serialHex: '01', revokedAt: new Date(Number.NaN), reason: 'unspecified' }] }), /invalid date/],
      ['a distribution point that is not ASCII', () => ({ distributionPoint: 'https://ca.test/é.crl' }), /ASCII/],
      ['an unknown key algorithm', (signer) => ({ signer: { ...signer, keyAlgorithm: 'DSA' as CaKeyAlgorithm } }), /unknown CA key algorithm/],
    ];
    for (const [what, change, message] of cases) {
      it(`refuses ${what}`, async () => {
        const { issuing } = hierarchy('ES256');
        await expectRejection(buildCrl(options(issuing, change(issuing))), message);
      });
    }
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).to.be.instanceOf(RangeError);
  expect((error as Error).message).to.match(message);
}
