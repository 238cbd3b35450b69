import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { x509 } from '../../template/tls/x509.ts';
import { tempFiles } from '../testing/test-ca.ts';
import { generateCsrKeys, makeCsr, type TestCsrKeys } from '../testing/test-csr.ts';
import { readCsr, readKey, signatureHolds } from './csr-facts.ts';

const run = promisify(execFile);

describe('CSR facts', () => {
  let p256: TestCsrKeys;
  let p384: TestCsrKeys;
  let p521: TestCsrKeys;
  let rsa: TestCsrKeys;
  let ed25519: TestCsrKeys;

  before(async () => {
    [p256, p384, p521, rsa, ed25519] = await Promise.all([generateCsrKeys('P-256'), generateCsrKeys('P-384'), generateCsrKeys('P-521'), generateCsrKeys('RSA-2048'), generateCsrKeys('Ed25519')]);
  });

  it('reads the key type and size of EC, RSA and Ed25519 keys', async () => {
    expect((await readCsr(await makeCsr(p256))).key).to.deep.equal({ type: 'EC', curve: 'P-256' });
    expect((await readCsr(await makeCsr(p384))).key).to.deep.equal({ type: 'EC', curve: 'P-384' });
    expect((await readCsr(await makeCsr(p521))).key).to.deep.equal({ type: 'EC', curve: 'P-521' });
    expect((await readCsr(await makeCsr(rsa))).key).to.deep.equal({ type: 'RSA', bits: 2048 });
    expect((await readCsr(await makeCsr(ed25519))).key).to.deep.equal({ type: 'Ed25519' });
  });

  it('a key it cannot parse is of type unknown', () => {
    expect(readKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]).buffer)).to.deep.equal({ type: 'unknown' });
  });

  it('a signature made by the CSR key holds; one made by another key does not', async () => {
    expect((await readCsr(await makeCsr(p256))).signatureValid).to.equal(true);
    expect((await readCsr(await makeCsr(ed25519))).signatureValid).to.equal(true);
    expect((await readCsr(await makeCsr(rsa))).signatureValid).to.equal(true);
    expect((await readCsr(await makeCsr(p256, { signWith: p384 }))).signatureValid).to.equal(false);
  });

  it('verifies the signature of one parsed request once, however often it is asked', async () => {
    const csr = await makeCsr(p256);
    const verify = csr.verify.bind(csr);
    let calls = 0;
    csr.verify = async (...args) => {
      calls += 1;
      return await verify(...args);
    };
    expect(await signatureHolds(csr)).to.equal(true);
    expect((await readCsr(csr)).signatureValid).to.equal(true);
    expect(await signatureHolds(csr)).to.equal(true);
    expect(calls).to.equal(1);
  });

  it('an Ed448 CSR made by openssl: WebCrypto cannot verify it, so its signature does not hold, and its key type is named', async () => {
    const files = await tempFiles({});
    try {
      await run('openssl', ['genpkey', '-algorithm', 'ED448', '-out', files.path('key.pem')]);
      await run('openssl', ['req', '-new', '-key', files.path('key.pem'), '-subj', '/CN=ed448', '-out', files.path('csr.pem')]);
      const facts = await readCsr(new x509.Pkcs10CertificateRequest(await readFile(files.path('csr.pem'), 'utf8')));
      expect(facts.signatureValid).to.equal(false);
      expect(facts.key).to.deep.equal({ type: 'ed448' });
    } finally {
      await files.cleanup();
    }
  });

  it('lists subject attributes in order, multi-valued RDNs flattened, unknown types as OIDs', async () => {
    const csr = await makeCsr(p256, { subject: [{ CN: ['web,1'] }, { O: ['Example'] }, { CN: ['a'], L: ['b'] }, { '2.5.4.5': ['42'] }] });
    const facts = await readCsr(csr);
    expect(facts.subjectAttributes).to.deep.equal([
      { type: 'CN', value: 'web,1' },
      { type: 'O', value: 'Example' },
      { type: 'CN', value: 'a' },
      { type: 'L', value: 'b' },
      { type: '2.5.4.5', value: '42' },
    ]);
    expect(facts.subject).to.equal('CN=web\\,1, O=Example, CN=a+L=b, 2.5.4.5=42');
    expect(new x509.Name(facts.subject).toJSON()).to.deep.equal(csr.subjectName.toJSON());
  });

  it('reads the extensionRequest SANs, naming URIs uri and keeping other types by their name', async () => {
    const facts = await readCsr(await makeCsr(p256, {
      sans: [
        { type: 'dns', value: 'a.example.com' },
        { type: 'ip', value: '192.0.2.1' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'email', value: 'a@example.com' },
        { type: 'url', value: 'spiffe://td/ns/a/sa/b' },
        { type: 'dn', value: 'CN=x' },
      ],
    }));
    expect(facts.subjectAltNames).to.deep.equal([
      { type: 'dns', value: 'a.example.com' },
      { type: 'ip', value: '192.0.2.1' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'email', value: 'a@example.com' },
      { type: 'uri', value: 'spiffe://td/ns/a/sa/b' },
      { type: 'dn', value: 'CN=x' },
    ]);
  });

  it('an empty subject and no SAN extension read as nothing', async () => {
    const facts = await readCsr(await makeCsr(p256));
    expect(facts.subject).to.equal('');
    expect(facts.subjectAttributes).to.deep.equal([]);
    expect(facts.subjectAltNames).to.deep.equal([]);
  });
});
