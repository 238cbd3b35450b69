import { X509Certificate, createPrivateKey } from 'node:crypto';
import { expect } from 'chai';
import { combine } from 'shamir-secret-sharing';
import { BOOTSTRAP_CA_SUBJECT, caState, createBootstrapCa, issueServerCertificate, renewalDue, renewalTime } from './bootstrap-ca.ts';
import { DAY_MS } from '../../services/template/tls/issuing.ts';
import { generatePassword } from './generated.ts';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { combineShares } from '../../services/template/barrier/index.ts';
import { UsageError } from '../../services/template/errors/index.ts';

const now = new Date();

describe('operator bootstrap CA', () => {
  it('issues ECDSA P-256 server certificates for DNS names and IP addresses', async () => {
    const ca = await createBootstrapCa(now);
    const root = new X509Certificate(ca.cert);
    expect(root.subject).to.equal(BOOTSTRAP_CA_SUBJECT);
    expect(root.ca).to.equal(true);
    expect(root.checkPrivateKey(createPrivateKey(ca.key))).to.equal(true);
    const material = await issueServerCertificate(ca, 'demo', ['demo.default.svc', '127.0.0.1'], now);
    const server = new X509Certificate(material.cert);
    expect(material.ca).to.equal(ca.cert);
    expect(server.checkIssued(root)).to.equal(true);
    expect(server.verify(root.publicKey)).to.equal(true);
    expect(server.ca).to.equal(false);
    expect(server.checkHost('demo.default.svc')).to.equal('demo.default.svc');
    expect(server.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(server.publicKey.asymmetricKeyDetails).to.deep.equal({ namedCurve: 'prime256v1' });
    expect(server.checkPrivateKey(createPrivateKey(material.key))).to.equal(true);
    expect(new Date(server.validTo).getTime()).to.be.greaterThan(now.getTime() + 300 * 86_400_000);
  });
});

describe('renewal at two thirds of a certificate life', () => {
  it('is due two thirds of the way from notBefore to notAfter, and at once for what is no certificate', async () => {
    const ca = await createBootstrapCa(now);
    const { cert } = await issueServerCertificate(ca, 'demo', ['demo'], now);
    const server = new X509Certificate(cert);
    const life = server.validToDate.getTime() - server.validFromDate.getTime();
    expect(renewalTime(cert).getTime()).to.equal(server.validFromDate.getTime() + life * 2 / 3);
    expect(renewalDue(cert, new Date(renewalTime(cert).getTime() - 1))).to.equal(false);
    expect(renewalDue(cert, renewalTime(cert))).to.equal(true);
    expect(renewalDue(undefined, now)).to.equal(true);
    expect(renewalDue('not a certificate', now)).to.equal(true);
  });

  it('reports the bootstrap CA valid, expiring from two thirds of its ten years, then expired', async () => {
    const { cert } = await createBootstrapCa(now);
    const at = (days: number): Date => new Date(now.getTime() + days * DAY_MS);
    expect([caState(cert, at(2400)), caState(cert, at(2440)), caState(cert, at(3651))]).to.deep.equal(['valid', 'expiring', 'expired']);
  });
});

describe('generated secret material', () => {
  it('makes distinct URL-safe passwords of 256 bits', () => {
    const first = generatePassword();
    expect(first).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(generatePassword()).to.not.equal(first);
  });

  it('splits one 32-byte unseal key so that any threshold of the shares rebuild it', async () => {
    const shares = (await newUnsealShares(5, 3)).map((share) => new Uint8Array(Buffer.from(share, 'base64url')));
    expect(shares).to.have.length(5);
    const fromFirst = await combine(shares.slice(0, 3));
    const fromLast = await combine(shares.slice(2));
    expect(fromFirst).to.have.length(32);
    expect(Buffer.from(fromLast).equals(Buffer.from(fromFirst))).to.equal(true);
    const fromTwo = await combine(shares.slice(0, 2));
    expect(Buffer.from(fromTwo).equals(Buffer.from(fromFirst))).to.equal(false);
  });

  it('splits exactly as the barrier does, so a barrier accepts operator shares', async () => {
    const shares = await newUnsealShares(3, 2);
    for (const share of shares) expect(share).to.match(/^[A-Za-z0-9_-]{44}$/);
    const key = await combineShares(shares.slice(1));
    expect(Buffer.from(key).equals(Buffer.from(await combineShares(shares.slice(0, 2))))).to.equal(true);
    let refused: unknown;
    try { await newUnsealShares(2, 1); } catch (error) { refused = error; }
    expect(refused).to.be.instanceOf(UsageError);
  });
});
