import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { x509 } from '../template/tls/x509.ts';
import { loadRules } from './index.ts';
import { parseEabKeys } from './protocols.ts';
import { startPkiCa, type PkiHarness } from './testing/harness.ts';
import { createTestHierarchy, issueTestCertificate, pem, privateKeyPem, tempFiles } from './testing/test-ca.ts';
import type * as acme from 'acme-client';
import { http01Responder, orderLocalhost, type Http01Responder } from './testing/http01.ts';
import { askOcsp, curl, enrollWithOpenssl, splitPem } from './testing/openssl-client.ts';

const run = promisify(execFile);

describe('pki-ca protocols wired to the store: CRL, OCSP, time-stamps and EST, with openssl and curl', function () {
  this.timeout(60_000);
  let pki: PkiHarness;
  let files: Awaited<ReturnType<typeof tempFiles>>;
  let base: string;

  let challenges: Http01Responder;

  before(async () => {
    // http-01 answers for `localhost` on a port of this test; pki-ca validates there (pki.acmeHttpPort).
    challenges = await http01Responder();
    pki = await startPkiCa({ rules: loadRules, pki: { acmeHttpPort: challenges.port } });
    base = pki.harness.service.publicUrl;
    files = await tempFiles({});
    const chain = (await pki.api('GET', '/cas/default/chain')).text;
    const pems = splitPem(chain);
    await writeFile(files.path('issuing.pem'), pems[0] ?? '');
    await writeFile(files.path('intermediate.pem'), pems[1] ?? '');
    await writeFile(files.path('root.pem'), pems[2] ?? '');
    await writeFile(files.path('untrusted.pem'), `${pems[0] ?? ''}${pems[1] ?? ''}`);
  });

  after(async () => {
    challenges.close();
    await pki.close();
    await files.cleanup();
  });

  /** An openssl-made key and CSR for `name`, enrolled with tls-server; the PEM lands in `<label>.pem`. */
  async function enrolled(label: string, name: string): Promise<{ readonly serial: string }> {
    return await enrollWithOpenssl(pki, files, label, name);
  }

  it('names the CRL, the OCSP responder and the issuer certificate in what it issues, and each URL answers', async () => {
    await enrolled('named', 'named.example.com');
    const certificate = new x509.X509Certificate(await readFile(files.path('named.pem'), 'utf8'));
    const text = (await run('openssl', ['x509', '-in', files.path('named.pem'), '-noout', '-ext', 'crlDistributionPoints,authorityInfoAccess'])).stdout;
    expect(text).to.contain(`URI:${base}/pki/v1/crl/default.crl`).and.contain(`OCSP - URI:${base}/pki/v1/ocsp/default`).and.contain(`CA Issuers - URI:${base}/pki/v1/ca/default.crt`);
    expect(certificate.subject).to.equal('CN=named.example.com');
    const issuer = await curl(pki, files, [`${base}/pki/v1/ca/default.crt`]);
    expect(issuer.status).to.equal(200);
    expect(new x509.X509Certificate(issuer.body).subject).to.equal(new x509.X509Certificate(await readFile(files.path('issuing.pem'), 'utf8')).subject);
  });

  it('lists a revoked certificate in the CRL published on request, which openssl verifies and applies', async () => {
    const revoked = await enrolled('revoked', 'revoked.example.com');
    await enrolled('good', 'good.example.com');
    expect((await pki.api('POST', `/certificates/${revoked.serial}/revoke`, { body: { reason: 'keyCompromise' } })).status).to.equal(200);
    const published = await pki.api('POST', '/cas/default/crl');
    expect(published.status, published.text).to.equal(200);
    expect(published.json).to.have.nested.property('full.url', `${base}/pki/v1/crl/default.crl`);
    expect((await pki.api('POST', '/cas/default/crl', { token: await pki.token(['ca:revoke']) })).status).to.equal(403);
    const crl = await curl(pki, files, [`${base}/pki/v1/crl/default.crl`]);
    expect(crl.status).to.equal(200);
    await writeFile(files.path('default.crl'), crl.body);
    const shown = await run('openssl', ['crl', '-inform', 'DER', '-in', files.path('default.crl'), '-noout', '-text', '-CAfile', files.path('untrusted.pem')]);
    expect(shown.stderr + shown.stdout).to.contain('verify OK');
    expect(shown.stdout.toLowerCase()).to.contain(revoked.serial.toLowerCase()).and.contain('key compromise');
    await run('openssl', ['crl', '-inform', 'DER', '-in', files.path('default.crl'), '-out', files.path('default-crl.pem')]);
    const check = (leaf: string): Promise<{ stdout: string; stderr: string }> => run('openssl', ['verify', '-crl_check', '-CAfile', files.path('root.pem'), '-untrusted', files.path('untrusted.pem'), '-CRLfile', files.path('default-crl.pem'), files.path(leaf)]).catch((error: unknown) => error as { stdout: string; stderr: string });
    expect((await check('revoked.pem')).stdout + (await check('revoked.pem')).stderr).to.contain('certificate revoked');
    expect((await check('good.pem')).stdout).to.contain('OK');
    const delta = await curl(pki, files, [`${base}/pki/v1/crl/default-delta.crl`]);
    expect(delta.status).to.equal(200);
  });

  it('answers OCSP for good and revoked certificates through a delegated responder that openssl accepts', async () => {
    const revoked = await enrolled('ocsp-revoked', 'ocsp-revoked.example.com');
    await enrolled('ocsp-good', 'ocsp-good.example.com');
    await pki.api('POST', `/certificates/${revoked.serial}/revoke`, { body: { reason: 'superseded' } });
    const ask = (leaf: string): Promise<string> => askOcsp(pki, files, 'default', { issuer: 'issuing.pem', leaf, root: 'root.pem', untrusted: 'untrusted.pem' });
    const good = await ask('ocsp-good.pem');
    expect(good).to.contain('ocsp-good.pem: good').and.contain('OCSP Responder default');
    expect(await ask('ocsp-revoked.pem')).to.contain('ocsp-revoked.pem: revoked').and.contain('Reason: superseded');
  });

  it('time-stamps data with the TSA certificate of the default CA, verified by openssl ts', async () => {
    await writeFile(files.path('data.txt'), 'a document to time-stamp');
    await run('openssl', ['ts', '-query', '-data', files.path('data.txt'), '-sha256', '-cert', '-out', files.path('request.tsq')]);
    const answer = await curl(pki, files, ['-H', 'Content-Type: application/timestamp-query', '--data-binary', `@${files.path('request.tsq')}`, `${base}/tsa`]);
    expect(answer.status).to.equal(200);
    await writeFile(files.path('reply.tsr'), answer.body);
    const { stdout } = await run('openssl', ['ts', '-verify', '-in', files.path('reply.tsr'), '-queryfile', files.path('request.tsq'), '-CAfile', files.path('root.pem'), '-untrusted', files.path('untrusted.pem')]);
    expect(stdout).to.contain('Verification: OK');
  });

  it('enrolls over EST with a bearer token of ca:issue, and re-enrolls with the certificate it gave', async () => {
    const cacerts = await curl(pki, files, [`${base}/.well-known/est/cacerts`]);
    expect(cacerts.status).to.equal(200);
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('est.key'), '-subj', '/CN=device-7', '-addext', 'subjectAltName=DNS:device-7.example.com', '-outform', 'DER', '-out', files.path('est.der')]);
    await writeFile(files.path('est.b64'), (await readFile(files.path('est.der'))).toString('base64'));
    const issuing = ['-H', 'Content-Type: application/pkcs10', '--data-binary', `@${files.path('est.b64')}`, `${base}/.well-known/est/simpleenroll`];
    expect((await curl(pki, files, issuing)).status).to.equal(401);
    expect((await curl(pki, files, ['-H', `Authorization: Bearer ${await pki.token(['ca:read'])}`, ...issuing])).status).to.equal(403);
    const answer = await curl(pki, files, ['-H', `Authorization: Bearer ${await pki.token(['ca:issue'])}`, ...issuing]);
    expect(answer.status, answer.body.toString()).to.equal(200);
    await writeFile(files.path('est.p7'), Buffer.from(answer.body.toString('latin1'), 'base64'));
    await run('openssl', ['pkcs7', '-inform', 'DER', '-in', files.path('est.p7'), '-print_certs', '-out', files.path('est.pem')]);
    const { stdout } = await run('openssl', ['verify', '-CAfile', files.path('root.pem'), '-untrusted', files.path('untrusted.pem'), files.path('est.pem')]);
    expect(stdout).to.contain('OK');
    const renewed = await curl(pki, files, ['--cert', files.path('est.pem'), '--key', files.path('est.key'), '-H', 'Content-Type: application/pkcs10', '--data-binary', `@${files.path('est.b64')}`, `${base}/.well-known/est/simplereenroll`]);
    expect(renewed.status, renewed.body.toString()).to.equal(200);
  });

  it('issues over ACME with acme-client (http-01 validated by the service), stores it, and revokes it', async () => {
    const directory = await curl(pki, files, [`${base}/acme/default/directory`]);
    expect(directory.status).to.equal(200);
    expect(JSON.parse(directory.body.toString())).to.include({ newNonce: `${base}/acme/default/new-nonce` });
    expect((await curl(pki, files, [`${base}/acme/root/directory`])).status).to.equal(404);
    const { chain, client } = await orderLocalhost(`${base}/acme/default/directory`, pki.harness.service.ca, challenges);
    await writeFile(files.path('acme.pem'), chain);
    const { stdout } = await run('openssl', ['verify', '-CAfile', files.path('root.pem'), '-untrusted', files.path('untrusted.pem'), files.path('acme.pem')]);
    expect(stdout).to.contain('OK');
    const serial = new x509.X509Certificate(chain).serialNumber.toLowerCase();
    const stored = await pki.api('GET', `/certificates/${serial}`);
    expect(stored.json).to.deep.include({ status: 'good', profile: 'tls-server' });
    await client.revokeCertificate(chain, JSON.parse('{"reason":4}') as Parameters<acme.Client['revokeCertificate']>[1]);
    expect((await pki.api('GET', `/certificates/${serial}`)).json).to.deep.include({ status: 'revoked', revocationReason: 'superseded' });
    let again: unknown;
    try { await client.revokeCertificate(chain); } catch (error) { again = error; }
    expect(String(again)).to.match(/already/i);
  });

  it('answers unknown serials, unknown CAs and foreign client certificates as the protocols say', async () => {
    await run('openssl', ['ocsp', '-issuer', files.path('issuing.pem'), '-serial', '0x4000000000000000000000000000abcd', '-reqout', files.path('unknown.req'), '-no_nonce']);
    const unknown = await curl(pki, files, ['-H', 'Content-Type: application/ocsp-request', '--data-binary', `@${files.path('unknown.req')}`, `${base}/pki/v1/ocsp/default`]);
    await writeFile(files.path('unknown.resp'), unknown.body);
    const { stdout } = await run('openssl', ['ocsp', '-respin', files.path('unknown.resp'), '-resp_text', '-noverify']);
    expect(stdout).to.contain('Cert Status: unknown');
    const elsewhere = await curl(pki, files, ['-H', 'Content-Type: application/ocsp-request', '--data-binary', `@${files.path('unknown.req')}`, `${base}/pki/v1/ocsp/nope`]);
    await writeFile(files.path('elsewhere.resp'), elsewhere.body);
    const refusedOcsp = await run('openssl', ['ocsp', '-respin', files.path('elsewhere.resp'), '-resp_text', '-noverify']).catch((error: unknown) => error as { stdout: string; stderr: string });
    expect(refusedOcsp.stdout + refusedOcsp.stderr).to.match(/unauthorized/i);
    expect((await curl(pki, files, [`${base}/.well-known/est/nope/cacerts`])).status).to.equal(404);
    const stranger = await createTestHierarchy('ES256');
    const foreign = await issueTestCertificate(stranger.issuing, { subject: 'CN=device-7' });
    await writeFile(files.path('foreign.pem'), pem(foreign.certificate));
    await writeFile(files.path('foreign.key'), await privateKeyPem(foreign.keys.privateKey));
    const refused = await curl(pki, files, ['--cert', files.path('foreign.pem'), '--key', files.path('foreign.key'), '-H', 'Content-Type: application/pkcs10', '--data-binary', `@${files.path('est.b64')}`, `${base}/.well-known/est/simplereenroll`]);
    expect(refused.status).to.equal(403);
  });

  it('reads EAB keys as keyId=base64url pairs and names a malformed entry', () => {
    const key = Buffer.alloc(32, 7).toString('base64url');
    expect([...parseEabKeys(` kid-1=${key} ,`).keys()]).to.deep.equal(['kid-1']);
    expect(parseEabKeys('').size).to.equal(0);
    expect(() => parseEabKeys('kid-2=short')).to.throw('pki.acmeEabKeys: an entry is not keyId=base64url-key (at least 16 bytes): "kid-2=…"');
  });
});
