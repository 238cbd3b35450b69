import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Koa from 'koa';
import pino from 'pino';
import request from 'supertest';
import { problemDetails } from '../../template/middleware/problem-details.ts';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { leaseMigration, PkiLease } from '../lease.ts';
import { MemoryCrlSource, readCrl } from '../testing/crl-source.ts';
import { createTestHierarchy, pem, tempFiles, type TestHierarchy } from '../testing/test-ca.ts';
import { PkiCrl } from './entities.ts';
import { crlMigration } from './migrations.ts';
import { CrlPublisher } from './publisher.ts';
import { crlRoutes } from './routes.ts';

const run = promisify(execFile);
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** supertest's parser for a binary body. */
function binary(response: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
  response.on('end', () => { callback(null, Buffer.concat(chunks)); });
}

describeOnDatabases('pki-ca CRL routes', { entities: [PkiCrl, PkiLease], migrations: [leaseMigration, crlMigration] }, (db) => {
  let hierarchy: TestHierarchy;
  let source: MemoryCrlSource;
  let publisher: CrlPublisher;
  let app: ReturnType<Koa['callback']>;
  let clock = new Date('2026-06-01T12:00:00.250Z');

  before(async () => {
    hierarchy = await createTestHierarchy('ES256');
    source = new MemoryCrlSource({ issuing: hierarchy.issuing, 'solo-delta': hierarchy.root });
    publisher = new CrlPublisher({ fork: () => db().fork(), source, publicUrl: 'https://ca.test:8380', holder: 'routes', log: pino({ level: 'silent' }), now: () => clock });
    const koa = new Koa();
    koa.use(problemDetails(pino({ level: 'silent' })));
    koa.use(crlRoutes(publisher));
    koa.use((ctx) => { ctx.status = 418; ctx.body = 'downstream'; });
    app = koa.callback();
  });

  const get = (path: string): request.Test => request(app).get(path).buffer(true).parse(binary);

  it('serves the full and delta CRL as application/pkix-crl, building the first ones on demand, cacheable until nextUpdate', async () => {
    source.revoke('issuing', new Date(clock.getTime() - HOUR_MS));
    const full = await get('/pki/v1/crl/issuing.crl');
    expect(full.status).to.equal(200);
    expect(full.headers['content-type']).to.equal('application/pkix-crl');
    expect(full.headers['cache-control']).to.equal('public, max-age=7199');
    expect(full.headers['last-modified']).to.equal('Mon, 01 Jun 2026 12:00:00 GMT');
    expect(full.headers.etag).to.match(/^"[\w-]{22}"$/);
    const facts = readCrl(full.body as Buffer);
    expect([facts.number, facts.baseNumber, facts.serials.length]).to.deep.equal([1n, undefined, 1]);

    const delta = await get('/pki/v1/crl/issuing-delta.crl');
    expect(delta.status).to.equal(200);
    expect(delta.headers['cache-control']).to.equal('public, max-age=599');
    expect(delta.headers.etag).to.not.equal(full.headers.etag);
    expect(readCrl(delta.body as Buffer).baseNumber).to.equal(1n);
    expect(source.signerCalls.get('issuing')).to.equal(1);

    clock = new Date(clock.getTime() + 11 * MINUTE_MS);
    const stale = await get('/pki/v1/crl/issuing-delta.crl');
    expect(stale.headers['cache-control']).to.equal('public, max-age=0');
    expect(stale.headers.etag).to.equal(delta.headers.etag);
  });

  it('answers 304 to a client that holds the current CRL (ETag or date), and a new CRL after a regeneration', async () => {
    const first = await get('/pki/v1/crl/issuing.crl');
    const etag = String(first.headers.etag);
    const byTag = await request(app).get('/pki/v1/crl/issuing.crl').set('If-None-Match', etag);
    expect(byTag.status).to.equal(304);
    expect(byTag.headers.etag).to.equal(etag);
    const byDate = await request(app).get('/pki/v1/crl/issuing.crl').set('If-Modified-Since', String(first.headers['last-modified']));
    expect(byDate.status).to.equal(304);

    await publisher.regenerate('issuing');
    const renewed = await request(app).get('/pki/v1/crl/issuing.crl').set('If-None-Match', etag).buffer(true).parse(binary);
    expect(renewed.status).to.equal(200);
    expect(renewed.headers.etag).to.not.equal(etag);
    expect(readCrl(renewed.body as Buffer).number).to.equal(3n);
  });

  it('answers HEAD with the headers only, and other methods with 405 naming GET and HEAD', async () => {
    const head = await request(app).head('/pki/v1/crl/issuing.crl');
    expect(head.status).to.equal(200);
    expect(head.headers['content-type']).to.equal('application/pkix-crl');
    expect(Number(head.headers['content-length'])).to.be.above(100);
    const post = await request(app).post('/pki/v1/crl/issuing.crl');
    expect(post.status).to.equal(405);
    expect(post.headers.allow).to.equal('GET, HEAD');
    expect((post.body as { code: string }).code).to.equal('method_not_allowed');
  });

  it('answers 404 problem+json for a CA that does not exist or a name that is not valid percent-encoding', async () => {
    for (const path of ['/pki/v1/crl/nobody.crl', '/pki/v1/crl/nobody-delta.crl', '/pki/v1/crl/%E0%A4%A.crl']) {
      const response = await request(app).get(path);
      expect(response.status, path).to.equal(404);
      expect(response.headers['content-type'], path).to.include('application/problem+json');
      expect((response.body as { code: string }).code, path).to.equal('not_found');
    }
    expect(source.signerCalls.has('nobody')).to.equal(false);
  });

  it('serves the full CRL of a CA whose name ends in -delta when no CA has the shorter name', async () => {
    const response = await get('/pki/v1/crl/solo-delta.crl');
    expect(response.status).to.equal(200);
    expect(readCrl(response.body as Buffer).baseNumber).to.equal(undefined);
  });

  it('leaves every other path to the next middleware', async () => {
    for (const path of ['/pki/v1/crl/issuing.pem', '/pki/v1/crl/a/b.crl', '/pki/v1/ca/issuing.crt', '/']) {
      const response = await request(app).get(path);
      expect([response.status, response.text], path).to.deep.equal([418, 'downstream']);
    }
  });

  it('serves CRLs openssl reads and verifies with the CA certificate (openssl crl -inform DER -noout -text)', async function () {
    this.timeout(20_000);
    const full = (await get('/pki/v1/crl/issuing.crl')).body as Buffer;
    const delta = (await get('/pki/v1/crl/issuing-delta.crl')).body as Buffer;
    const files = await tempFiles({ 'full.crl': full, 'delta.crl': delta, 'ca.pem': pem(hierarchy.issuing.certificate) });
    try {
      const fullText = await run('openssl', ['crl', '-inform', 'DER', '-in', files.path('full.crl'), '-noout', '-text', '-CAfile', files.path('ca.pem')]);
      expect(fullText.stdout).to.include('X509v3 CRL Number').and.include('X509v3 Freshest CRL').and.include('https://ca.test:8380/pki/v1/crl/issuing-delta.crl');
      expect(fullText.stderr).to.include('verify OK');
      const deltaText = await run('openssl', ['crl', '-inform', 'DER', '-in', files.path('delta.crl'), '-noout', '-text', '-CAfile', files.path('ca.pem')]);
      expect(deltaText.stdout).to.include('X509v3 Delta CRL Indicator').and.include('https://ca.test:8380/pki/v1/crl/issuing.crl');
      expect(deltaText.stderr).to.include('verify OK');
    } finally {
      await files.cleanup();
    }
  });
});
