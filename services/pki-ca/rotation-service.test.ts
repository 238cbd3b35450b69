import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { x509 } from '../template/tls/x509.ts';
import { loadRules } from './index.ts';
import { startPkiCa, type PkiHarness } from './testing/harness.ts';
import { askOcsp, curl, enrollWithOpenssl, run, splitPem, type Files } from './testing/openssl-client.ts';
import { tempFiles } from './testing/test-ca.ts';

interface Rotated {
  readonly retiring: { readonly name: string; readonly status: string; readonly successor: string; readonly certificate: string };
  readonly active: { readonly name: string; readonly status: string; readonly certificate: string };
}

describe('pki-ca rotation through the API, checked with openssl and curl', function () {
  this.timeout(60_000);
  let pki: PkiHarness;
  let files: Files;
  let base: string;

  before(async () => {
    pki = await startPkiCa({ rules: loadRules });
    base = pki.harness.service.publicUrl;
    files = await tempFiles({});
    const [issuing, intermediate, root] = splitPem((await pki.api('GET', '/cas/default/chain')).text);
    await writeFile(files.path('old-issuing.pem'), issuing ?? '');
    await writeFile(files.path('root.pem'), root ?? '');
    await writeFile(files.path('old-untrusted.pem'), `${issuing ?? ''}${intermediate ?? ''}`);
  });

  after(async () => {
    await pki.close();
    await files.cleanup();
  });

  it('rotates without downtime: the bundle holds both CAs, new issuance moves, the old CA still answers CRL and OCSP', async () => {
    const old = await enrollWithOpenssl(pki, files, 'old-leaf', 'old.example.com');
    expect(old.ca).to.equal('default');
    expect((await pki.api('POST', '/cas/default/rotate', { token: await pki.token(['ca:issue']) })).status).to.equal(403);

    const rotation = await pki.api('POST', '/cas/default/rotate');
    expect(rotation.status, rotation.text).to.equal(201);
    const { retiring, active } = rotation.json as Rotated;
    expect(retiring).to.include({ name: 'default', status: 'retiring', successor: 'default-g2' });
    expect(active).to.include({ name: 'default-g2', status: 'active' });

    // The published bundle trusts both issuing CAs during the overlap, and the chain above them.
    const bundle = await curl(pki, files, [`${base}/pki/v1/ca/bundle.pem`]);
    expect(bundle.status).to.equal(200);
    const subjects = splitPem(bundle.body.toString('utf8')).map((pem) => new x509.X509Certificate(pem).subject);
    expect(subjects).to.deep.equal([
      'CN=Issuing CA default, O=cryptoutil',
      'CN=Issuing CA default-g2, O=cryptoutil',
      'CN=Intermediate CA, O=cryptoutil',
      'CN=Root CA, O=cryptoutil',
    ]);
    await writeFile(files.path('bundle.pem'), bundle.body);

    // An enrollment that names nothing (or the old CA) is signed by the new CA; openssl verifies
    // both leaves against the bundle.
    const fresh = await enrollWithOpenssl(pki, files, 'new-leaf', 'new.example.com', 'default');
    expect(fresh.ca).to.equal('default-g2');
    for (const leaf of ['old-leaf.pem', 'new-leaf.pem']) {
      const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', files.path('bundle.pem'), files.path(leaf)]);
      expect(stdout).to.include(': OK');
    }
    const issuerOfNew = await run('openssl', ['x509', '-in', files.path('new-leaf.pem'), '-noout', '-issuer', '-ext', 'crlDistributionPoints']);
    expect(issuerOfNew.stdout).to.include('Issuing CA default-g2').and.include(`${base}/pki/v1/crl/default-g2.crl`);

    // The retiring CA revokes, publishes its CRL and answers OCSP for what it issued.
    expect((await pki.api('POST', `/certificates/${old.serial}/revoke`, { body: { reason: 'superseded' } })).status).to.equal(200);
    expect((await pki.api('POST', '/cas/default/crl')).status).to.equal(200);
    const crl = await curl(pki, files, [`${base}/pki/v1/crl/default.crl`]);
    expect(crl.status).to.equal(200);
    await writeFile(files.path('default.crl'), crl.body);
    const crlText = (await run('openssl', ['crl', '-inform', 'DER', '-in', files.path('default.crl'), '-noout', '-text', '-CAfile', files.path('bundle.pem')])).stdout;
    expect(crlText.toUpperCase()).to.include(old.serial.toUpperCase());
    const revoked = await askOcsp(pki, files, 'default', { issuer: 'old-issuing.pem', leaf: 'old-leaf.pem', root: 'root.pem', untrusted: 'old-untrusted.pem' });
    expect(revoked).to.contain('old-leaf.pem: revoked').and.contain('Reason: superseded');

    await writeFile(files.path('new-issuing.pem'), active.certificate);
    await writeFile(files.path('new-untrusted.pem'), `${active.certificate}${splitPem((await pki.api('GET', '/cas/intermediate/chain')).text)[0] ?? ''}`);
    const good = await askOcsp(pki, files, 'default-g2', { issuer: 'new-issuing.pem', leaf: 'new-leaf.pem', root: 'root.pem', untrusted: 'new-untrusted.pem' });
    expect(good).to.contain('new-leaf.pem: good');

    // Rotating the retiring CA again is a 409 naming its successor; the list shows both.
    const again = await pki.api('POST', '/cas/default/rotate', { body: {} });
    expect(again.status).to.equal(409);
    expect(again.text).to.include('rotated to default-g2');
    const listed = (await pki.api('GET', '/cas')).json as { items: { name: string; status: string; successor: string | null }[] };
    expect(listed.items.map((ca) => [ca.name, ca.status, ca.successor])).to.deep.equal([
      ['root', 'active', null], ['intermediate', 'active', null], ['default', 'retiring', 'default-g2'], ['default-g2', 'active', null],
    ]);
  });

  it('answers 400 for a body the document refuses and for a CA that does not rotate, 404 for an unknown one', async () => {
    expect((await pki.api('POST', '/cas/default-g2/rotate', { body: { name: 'Bad Name' } })).status).to.equal(400);
    expect((await pki.api('POST', '/cas/default-g2/rotate', { body: { extra: true } })).status).to.equal(400);
    expect((await pki.api('POST', '/cas/intermediate/rotate')).status).to.equal(400);
    expect((await pki.api('POST', '/cas/nope/rotate')).status).to.equal(404);
    expect((await pki.open('HEAD', '/pki/v1/ca/bundle.pem')).status).to.equal(200);
    expect((await pki.open('POST', '/pki/v1/ca/bundle.pem')).status).to.equal(404);
  });
});
