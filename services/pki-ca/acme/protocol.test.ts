/**
 * RFC 8555 request handling, one signed request at a time (jose signs, supertest sends): the JWS
 * checks of §6.2-6.5, nonces under concurrency, accounts, orders, authorizations, finalization,
 * revocation and RFC 9773 renewal information, with every refusal and its ACME error type. Runs on
 * SQLite and PostgreSQL.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, FlattenedSign, type JWK } from 'jose';
import Koa from 'koa';
import request from 'supertest';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { x509 } from '../../template/tls/x509.ts';
import { acmeHarness, type AcmeHarness } from '../testing/acme-harness.ts';
import { issueTestCertificate } from '../testing/test-ca.ts';
import { resourceUrl } from './context.ts';
import { AcmeAuthorization, AcmeOrder, acmeEntities } from './entities.ts';
import { acmeMigrations } from './migrations.ts';
import { acmeRoutes } from './routes.ts';
import { certId } from './renewal-info.ts';
import { transition } from './states.ts';

const ERROR = 'urn:ietf:params:acme:error:';

/** What the tests read of an ACME answer. */
interface Answer {
  readonly type?: string;
  readonly detail?: string;
  readonly status?: string | number;
  readonly error?: { readonly type: string };
  readonly challenges?: readonly { readonly type: string; readonly url: string }[];
  readonly certificate?: string;
  readonly finalize?: string;
  readonly authorizations?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly suggestedWindow?: { readonly start: string; readonly end: string };
  readonly contact?: readonly string[];
  readonly orders?: readonly string[];
  readonly identifiers?: unknown;
}

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Answer;
  readonly text: string;
}

/** A supertest response with its JSON body typed for the assertions. */
function reply(response: request.Response): Reply {
  return { status: response.status, headers: response.headers, body: response.body as Answer, text: textOf(response) };
}

/** supertest keeps bodies of unknown media types as a Buffer. */
function textOf(response: { body: unknown; text: string }): string {
  return Buffer.isBuffer(response.body) ? response.body.toString('utf8') : response.text;
}

interface Key { readonly privateKey: KeyObject; readonly jwk: JWK; readonly alg: string }

async function newKey(alg = 'ES256'): Promise<Key> {
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519')
    : alg.startsWith('ES') ? generateKeyPairSync('ec', { namedCurve: alg === 'ES384' ? 'P-384' : 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey), alg };
}

interface SignOptions {
  readonly key: Key;
  readonly kid?: string;
  readonly nonce?: string | null;
  readonly url?: string;
  readonly alg?: string;
  readonly extra?: Record<string, unknown>;
  readonly embedJwk?: boolean;
}

async function sign(payload: unknown, url: string, options: SignOptions): Promise<Record<string, unknown>> {
  const header: Record<string, unknown> = { alg: options.alg ?? options.key.alg, url: options.url ?? url, ...options.extra };
  if (options.nonce !== null) header.nonce = options.nonce;
  if (options.kid !== undefined) header.kid = options.kid;
  if (options.kid === undefined || options.embedJwk === true) header.jwk = options.key.jwk;
  const bytes = payload === '' ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  return { ...await new FlattenedSign(bytes).setProtectedHeader(header).sign(options.key.privateKey) };
}

describeOnDatabases('ACME protocol (RFC 8555 §6-7)', { entities: acmeEntities, migrations: acmeMigrations }, (db) => {
  let harness: AcmeHarness;
  let base: string;
  let agent: ReturnType<typeof request>;

  async function nonce(): Promise<string> {
    const response = reply(await agent.head('/acme/test-ca/new-nonce'));
    return response.headers['replay-nonce'] ?? '';
  }

  async function post(path: string, payload: unknown, options: SignOptions & { nonce?: string | null }) {
    const body = await sign(payload, `${harness.url()}${path}`, { ...options, nonce: options.nonce === undefined ? await nonce() : options.nonce });
    return reply(await agent.post(path).set('Content-Type', 'application/jose+json').send(JSON.stringify(body)));
  }

  async function account(key?: Key): Promise<{ key: Key; kid: string; id: string }> {
    const accountKey = key ?? await newKey();
    const response = await post('/acme/test-ca/new-account', { termsOfServiceAgreed: true }, { key: accountKey });
    const kid = String(response.headers.location);
    return { key: accountKey, kid, id: kid.slice(kid.lastIndexOf('/') + 1) };
  }

  const path = (url: string): string => url.slice(harness.url().length);

  async function readyOrder(owner: { key: Key; kid: string }, names: readonly string[]): Promise<{ id: string; finalize: string; order: Answer }> {
    const created = await post('/acme/test-ca/new-order', { identifiers: names.map((value) => ({ type: 'dns', value })) }, { key: owner.key, kid: owner.kid });
    const id = String(created.headers.location).split('/').pop() ?? '';
    const em = db().fork();
    for (const row of await em.find(AcmeAuthorization, { orderId: id })) await transition(em, 'authorization', row.id, 'pending', 'valid');
    await transition(em, 'order', id, 'pending', 'ready');
    return { id, finalize: created.body.finalize ?? '', order: created.body };
  }

  async function csrFor(names: readonly { type: 'dns' | 'ip' | 'email'; value: string }[], subject = `CN=${names[0]?.value ?? 'none'}`) {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: name.type, value: name.value })))],
    });
    return { keys, der: Buffer.from(csr.rawData) };
  }

  before(async () => {
    harness = await acmeHarness(db());
    base = `${harness.url()}/acme/test-ca`;
    agent = request(harness.app.callback());
  });

  afterEach(() => { harness.clock.offsetMs = 0; });

  describe('directory and nonces (§7.1.1, §7.2)', () => {
    it('lists every resource, ARI and meta, with the index Link and a nonce', async () => {
      const response = reply(await agent.get('/acme/test-ca/directory').expect(200));
      expect(response.body).to.deep.include({ newNonce: `${base}/new-nonce`, newAccount: `${base}/new-account`, renewalInfo: `${base}/renewal-info` });
      expect(response.body.meta).to.deep.equal({ externalAccountRequired: false, termsOfService: 'https://example.test/terms' });
      expect(response.headers.link).to.equal(`<${base}/directory>;rel="index"`);
      expect(response.headers['replay-nonce']).to.match(/^[\w-]{22}$/);
      const eab = reply(await agent.get('/acme/eab-ca/directory').expect(200));
      expect(eab.body.meta?.externalAccountRequired).to.equal(true);
    });

    it('answers HEAD new-nonce 200 and GET 204, uncached', async () => {
      const head = reply(await agent.head('/acme/test-ca/new-nonce').expect(200));
      expect(head.headers['cache-control']).to.equal('no-store');
      await agent.get('/acme/test-ca/new-nonce').expect(204);
    });

    it('refuses unknown CAs, paths and methods, and leaves other paths to the next middleware', async () => {
      expect(reply(await agent.get('/acme/nope/directory').expect(404)).body.type).to.equal(`${ERROR}malformed`);
      await agent.get('/acme/test-ca/nothing').expect(404);
      const wrong = reply(await agent.post('/acme/test-ca/directory').expect(405));
      expect(wrong.headers.allow).to.equal('GET');
      expect(reply(await agent.get('/elsewhere').expect(404)).text).to.equal('outside ACME');
    });

    it('answers serverInternal when a dependency fails', async () => {
      const app = new Koa();
      app.use(acmeRoutes({ ...harness.deps, knownCa: () => Promise.reject(new Error('down')) }));
      const response = reply(await request(app.callback()).get('/acme/test-ca/directory').expect(500));
      expect(response.body.type).to.equal(`${ERROR}serverInternal`);
    });

    it('uses a nonce once: a replay is badNonce with a fresh nonce (§6.5)', async () => {
      const key = await newKey();
      const body = JSON.stringify(await sign({}, `${base}/new-account`, { key, nonce: await nonce() }));
      await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(body).expect(201);
      const replay = reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(body).expect(400));
      expect(replay.body.type).to.equal(`${ERROR}badNonce`);
      expect(replay.headers['replay-nonce']).to.be.a('string');
      harness.clock.offsetMs = 2 * 3_600_000;
      const late = await post('/acme/test-ca/new-account', {}, { key, nonce: await (async () => { harness.clock.offsetMs = 0; const value = await nonce(); harness.clock.offsetMs = 2 * 3_600_000; return value; })() });
      expect(late.body.type).to.equal(`${ERROR}badNonce`);
    });

    it('accepts exactly one of 20 concurrent requests carrying the same nonce', async () => {
      const key = await newKey();
      const body = JSON.stringify(await sign({}, `${base}/new-account`, { key, nonce: await nonce() }));
      const responses = await Promise.all(Array.from({ length: 20 }, () => agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(body)));
      expect(responses.filter((response) => response.status === 201)).to.have.length(1);
      expect(responses.filter((response) => (response.body as { type?: string }).type === `${ERROR}badNonce`)).to.have.length(19);
    });
  });

  describe('signed requests (§6.2)', () => {
    it('refuses bodies that are not a flattened JWS of application/jose+json', async () => {
      await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/json').send('{}').expect(415);
      expect(reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send('{').expect(400)).body.detail).to.match(/not JSON/);
      expect(reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send('{"protected":"e30"}').expect(400)).body.type).to.equal(`${ERROR}malformed`);
      const key = await newKey();
      const signed = await sign({}, `${base}/new-account`, { key, nonce: await nonce() });
      expect(reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(JSON.stringify({ ...signed, header: {} })).expect(400)).body.detail).to.match(/unprotected/);
      expect(reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(JSON.stringify({ ...signed, protected: 'bm90IGpzb24' })).expect(400)).body.detail).to.match(/protected header/);
      await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send('x'.repeat(70_000)).expect(413);
    });

    it('reads a body an earlier middleware parsed', async () => {
      const app = new Koa();
      const key = await newKey();
      const signed = await sign({}, `${base}/new-account`, { key, nonce: await nonce() });
      app.use(async (ctx, next) => { (ctx.state as { body?: unknown }).body = signed; await next(); });
      app.use(acmeRoutes(harness.deps));
      await request(app.callback()).post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').expect(201);
    });

    it('names what is wrong in the protected header', async () => {
      const key = await newKey();
      const url = '/acme/test-ca/new-account';
      const hmac = { protected: Buffer.from(JSON.stringify({ alg: 'HS256', jwk: key.jwk, nonce: await nonce(), url: `${base}/new-account` })).toString('base64url'), payload: '', signature: 'AA' };
      expect(reply(await agent.post(url).set('Content-Type', 'application/jose+json').send(JSON.stringify(hmac))).body).to.deep.include({ type: `${ERROR}badSignatureAlgorithm`, algorithms: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] });
      expect((await post(url, {}, { key, nonce: null })).body.type).to.equal(`${ERROR}badNonce`);
      expect((await post(url, {}, { key, url: `${base}/elsewhere` })).body.type).to.equal(`${ERROR}unauthorized`);
      expect((await post(url, {}, { key, kid: `${base}/acct/x`, embedJwk: true })).body.detail).to.match(/exactly one/);
      expect((await post(url, {}, { key, kid: `${base}/acct/x` })).body.detail).to.match(/signed with jwk/);
      expect((await post('/acme/test-ca/new-order', {}, { key })).body.detail).to.match(/signed with kid/);
      expect((await post('/acme/test-ca/new-order', {}, { key, kid: `${base}/acct/00000000-0000-7000-8000-000000000000` })).body.type).to.equal(`${ERROR}accountDoesNotExist`);
      expect((await post('/acme/test-ca/new-order', {}, { key, kid: 'not-a-url' })).body.type).to.equal(`${ERROR}accountDoesNotExist`);
      expect((await post('/acme/test-ca/revoke-cert', {}, { key, kid: 7 as unknown as string })).body.detail).to.match(/kid must be/);
      const priv = await exportJWK(key.privateKey);
      expect((await post(url, {}, { key: { ...key, jwk: priv } })).body.type).to.equal(`${ERROR}badPublicKey`);
      expect((await post(url, {}, { key: { ...key, jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } } })).body.type).to.equal(`${ERROR}badPublicKey`);
      const other = await newKey();
      expect((await post(url, {}, { key: { ...key, jwk: other.jwk } })).body.detail).to.match(/does not verify/);
      expect((await post(url, [1], { key })).body.detail).to.match(/JSON object/);
    });

    it('refuses a payload that is not JSON', async () => {
      const key = await newKey();
      const header = { alg: 'ES256', jwk: key.jwk, nonce: await nonce(), url: `${base}/new-account` };
      const signed = await new FlattenedSign(new TextEncoder().encode('not json')).setProtectedHeader(header).sign(key.privateKey);
      const response = reply(await agent.post('/acme/test-ca/new-account').set('Content-Type', 'application/jose+json').send(JSON.stringify(signed)).expect(400));
      expect(response.body.detail).to.match(/not JSON/);
    });
  });

  describe('accounts (§7.3)', () => {
    it('creates with EdDSA, finds by key, and refuses onlyReturnExisting for an unknown key', async () => {
      const key = await newKey('EdDSA');
      const created = await post('/acme/test-ca/new-account', { contact: ['mailto:ops@example.test'] }, { key });
      expect(created.status).to.equal(201);
      expect(created.body).to.deep.include({ status: 'valid', contact: ['mailto:ops@example.test'], termsOfServiceAgreed: false });
      const again = await post('/acme/test-ca/new-account', { onlyReturnExisting: true }, { key });
      expect(again.status).to.equal(200);
      expect(again.headers.location).to.equal(created.headers.location);
      const unknown = await post('/acme/test-ca/new-account', { onlyReturnExisting: true }, { key: await newKey() });
      expect(unknown.body.type).to.equal(`${ERROR}accountDoesNotExist`);
    });

    it('accepts account keys of every listed algorithm (§6.2)', async () => {
      for (const alg of ['ES384', 'RS256', 'PS256']) {
        const response = await post('/acme/test-ca/new-account', {}, { key: await newKey(alg) });
        expect(response.status, alg).to.equal(201);
      }
      const rsa = await newKey('RS256');
      const ec = await newKey('ES256');
      expect((await post('/acme/test-ca/new-account', {}, { key: { ...ec, jwk: rsa.jwk } })).body.type).to.equal(`${ERROR}badPublicKey`);
    });

    it('answers concurrent creations for one key with one account', async () => {
      const key = await newKey();
      const responses = await Promise.all(Array.from({ length: 6 }, () => post('/acme/test-ca/new-account', {}, { key })));
      expect(responses.filter((response) => response.status === 201)).to.have.length(1);
      expect(responses.every((response) => response.status === 201 || response.status === 200)).to.equal(true);
      expect(new Set(responses.map((response) => response.headers.location)).size).to.equal(1);
    });

    it('creates an account from an empty payload', async () => {
      const created = await post('/acme/test-ca/new-account', '', { key: await newKey() });
      expect(created.status).to.equal(201);
      expect(created.body.contact).to.deep.equal([]);
    });

    it('checks contacts', async () => {
      const key = await newKey();
      expect((await post('/acme/test-ca/new-account', { contact: 'mailto:a@b' }, { key })).body.type).to.equal(`${ERROR}invalidContact`);
      expect((await post('/acme/test-ca/new-account', { contact: ['tel:+1555'] }, { key })).body.type).to.equal(`${ERROR}unsupportedContact`);
      expect((await post('/acme/test-ca/new-account', { contact: ['mailto:a@b,c@d'] }, { key })).body.type).to.equal(`${ERROR}invalidContact`);
    });

    it('reads, updates and deactivates only with its own key (§7.3.2, §7.3.6)', async () => {
      const owner = await account();
      const other = await account();
      const url = path(owner.kid);
      expect((await post(url, '', { key: owner.key, kid: owner.kid })).body.status).to.equal('valid');
      expect((await post(url, '', { key: other.key, kid: other.kid })).body.type).to.equal(`${ERROR}unauthorized`);
      const updated = await post(url, { contact: ['mailto:new@example.test'], termsOfServiceAgreed: true }, { key: owner.key, kid: owner.kid });
      expect(updated.body.contact).to.deep.equal(['mailto:new@example.test']);
      expect((await post(url, { status: 'revoked' }, { key: owner.key, kid: owner.kid })).body.type).to.equal(`${ERROR}malformed`);
      await post('/acme/test-ca/new-order', { identifiers: [{ type: 'dns', value: 'listed.example.test' }] }, { key: owner.key, kid: owner.kid });
      const orders = await post(`${url}/orders`, '', { key: owner.key, kid: owner.kid });
      expect(orders.body.orders).to.have.length(1);
      expect((await post(url, { status: 'deactivated' }, { key: owner.key, kid: owner.kid })).body.status).to.equal('deactivated');
      const refused = await post(url, '', { key: owner.key, kid: owner.kid });
      expect(refused.body).to.deep.include({ type: `${ERROR}unauthorized`, status: 403 });
    });

    it('checks both signatures and both keys of a key change (§7.3.5)', async () => {
      const owner = await account();
      const taken = await account();
      const url = `${base}/key-change`;
      const fresh = await newKey();
      const inner = async (payload: unknown, key: Key, extra: Record<string, unknown> = {}) => ({ ...await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: key.alg, jwk: key.jwk, url, ...extra }).sign(key.privateKey) });
      const send = async (payload: unknown) => (await post('/acme/test-ca/key-change', payload, { key: owner.key, kid: owner.kid })).body as { type?: string; detail?: string };
      expect((await send({ nope: 1 })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ ...await inner({}, fresh), payload: '' })).detail).to.match(/does not verify/);
      const empty = { ...await new FlattenedSign(new Uint8Array()).setProtectedHeader({ alg: fresh.alg, jwk: fresh.jwk, url }).sign(fresh.privateKey) };
      expect((await send(empty)).detail).to.match(/signing account/);
      expect((await send(await inner({}, fresh, { kid: owner.kid }))).detail).to.match(/inner JWS/);
      expect((await send(await inner({ account: taken.kid, oldKey: owner.key.jwk }, fresh))).detail).to.match(/signing account/);
      expect((await send(await inner({ account: owner.kid, oldKey: fresh.jwk }, fresh))).detail).to.match(/oldKey/);
      expect((await send(await inner({ account: owner.kid, oldKey: 'x' }, fresh))).detail).to.match(/oldKey/);
      const conflict = await post('/acme/test-ca/key-change', await inner({ account: owner.kid, oldKey: owner.key.jwk }, taken.key), { key: owner.key, kid: owner.kid });
      expect(conflict.status).to.equal(409);
      expect(conflict.headers.location).to.equal(taken.kid);
      const rolled = await post('/acme/test-ca/key-change', await inner({ account: owner.kid, oldKey: owner.key.jwk }, fresh), { key: owner.key, kid: owner.kid });
      expect(rolled.status).to.equal(200);
      expect((await post(path(owner.kid), '', { key: owner.key, kid: owner.kid })).body.detail).to.match(/does not verify/);
      expect((await post(path(owner.kid), '', { key: fresh, kid: owner.kid })).status).to.equal(200);
    });

    it('checks an external account binding (§7.3.4)', async () => {
      harness.eabKeys.set('eab-1', Buffer.alloc(32, 1));
      const key = await newKey();
      const url = `${harness.url()}/acme/eab-ca/new-account`;
      const binding = async (header: Record<string, unknown>, payload: unknown = key.jwk) => ({ ...await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'HS256', kid: 'eab-1', url, ...header }).sign(Buffer.alloc(32, 1)) });
      const send = async (externalAccountBinding: unknown) => (await post('/acme/eab-ca/new-account', { externalAccountBinding }, { key })).body as { type?: string; detail?: string };
      expect((await send(await binding({ alg: 'HS256', kid: 'eab-1', nonce: 'n' }))).detail).to.match(/no nonce/);
      expect((await send({ ...await binding({}), protected: Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'eab-1', url })).toString('base64url') })).detail).to.match(/HS256/);
      expect((await send(await binding({ kid: 'unknown' }))).type).to.equal(`${ERROR}unauthorized`);
      expect((await send(await binding({}, (await newKey()).jwk))).detail).to.match(/account key/);
      expect((await post('/acme/eab-ca/new-account', { externalAccountBinding: await binding({}) }, { key })).status).to.equal(201);
    });
  });

  describe('orders (§7.4)', () => {
    it('checks identifiers and refuses validity requests', async () => {
      const owner = await account();
      const send = async (payload: unknown) => (await post('/acme/test-ca/new-order', payload, { key: owner.key, kid: owner.kid })).body as { type?: string; identifiers?: unknown };
      expect((await send({ identifiers: [] })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ identifiers: [null] })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ identifiers: [{ type: 'email', value: 'a@b' }] })).type).to.equal(`${ERROR}unsupportedIdentifier`);
      expect((await send({ identifiers: [{ type: 'dns', value: '*.example.test' }] })).type).to.equal(`${ERROR}rejectedIdentifier`);
      expect((await send({ identifiers: [{ type: 'dns', value: 'bad_name.test' }] })).type).to.equal(`${ERROR}rejectedIdentifier`);
      expect((await send({ identifiers: [{ type: 'ip', value: '300.1.1.1' }] })).type).to.equal(`${ERROR}rejectedIdentifier`);
      expect((await send({ identifiers: [{ type: 'dns', value: 'a.test' }], notAfter: '2030-01-01T00:00:00Z' })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ identifiers: [{ type: 'dns', value: 'a.test' }], replaces: 5 })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ identifiers: [{ type: 'dns', value: 'a.test' }], replaces: 'AAAA.AAAA' })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ identifiers: [{ type: 'ip', value: '2001:DB8:0:0::1' }, { type: 'dns', value: 'A.Test' }, { type: 'dns', value: 'a.test' }] })).identifiers).to.deep.equal([{ type: 'ip', value: '2001:db8::1' }, { type: 'dns', value: 'a.test' }]);
    });

    it('shows an order only to its account, expires it, and refuses to finalize it unless ready', async () => {
      const owner = await account();
      const other = await account();
      const created = await post('/acme/test-ca/new-order', { identifiers: [{ type: 'dns', value: 'o.example.test' }] }, { key: owner.key, kid: owner.kid });
      const url = path(String(created.headers.location));
      expect((await post(url, '', { key: other.key, kid: other.kid })).body.type).to.equal(`${ERROR}unauthorized`);
      expect((await post(`${base.slice(harness.url().length)}/order/00000000-0000-7000-8000-000000000000`, '', { key: owner.key, kid: owner.kid })).status).to.equal(404);
      expect((await post(`${url}/finalize`, { csr: 'AA' }, { key: owner.key, kid: owner.kid })).body.type).to.equal(`${ERROR}orderNotReady`);
      harness.clock.offsetMs = 8 * 86_400_000;
      expect((await post(url, '', { key: owner.key, kid: owner.kid })).body.status).to.equal('invalid');
      const authz = path(String((created.body as { authorizations: string[] }).authorizations[0]));
      expect((await post(authz, '', { key: owner.key, kid: owner.kid })).body.status).to.equal('expired');
    });

    it('finalizes a ready order only with a CSR naming exactly its identifiers', async () => {
      const owner = await account();
      const other = await account();
      const { finalize, id } = await readyOrder(owner, ['f.example.test', 'g.example.test']);
      const send = async (csr: unknown) => (await post(path(finalize), { csr }, { key: owner.key, kid: owner.kid })).body as { type?: string; detail?: string; status?: string; certificate?: string };
      expect((await send(5)).type).to.equal(`${ERROR}malformed`);
      expect((await send('AAAA')).type).to.equal(`${ERROR}badCSR`);
      const good = await csrFor([{ type: 'dns', value: 'f.example.test' }, { type: 'dns', value: 'g.example.test' }], 'CN=f.example.test');
      const tampered = Buffer.from(good.der);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 1, tampered.length - 5);
      expect((await send(tampered.toString('base64url'))).detail).to.match(/signature|PKCS#10/);
      expect((await send((await csrFor([{ type: 'dns', value: 'f.example.test' }])).der.toString('base64url'))).detail).to.match(/exactly/);
      expect((await send((await csrFor([{ type: 'email', value: 'a@b.test' }])).der.toString('base64url'))).type).to.equal(`${ERROR}badCSR`);
      expect((await send((await csrFor([{ type: 'dns', value: 'f.example.test' }, { type: 'dns', value: 'g.example.test' }], 'CN=127.0.0.1')).der.toString('base64url'))).detail).to.match(/exactly/);
      const done = await send(good.der.toString('base64url'));
      expect(done.status).to.equal('valid');
      expect((await send(good.der.toString('base64url'))).type).to.equal(`${ERROR}orderNotReady`);
      const certificate = path(String(done.certificate));
      const download = await post(certificate, '', { key: owner.key, kid: owner.kid });
      const downloaded = download.text;
      expect(download.headers['content-type']).to.equal('application/pem-certificate-chain');
      expect(downloaded.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
      expect((await post(certificate, '', { key: other.key, kid: other.kid })).body.type).to.equal(`${ERROR}unauthorized`);
      expect((await post(`${certificate.slice(0, -36)}00000000-0000-7000-8000-000000000000`, '', { key: owner.key, kid: owner.kid })).status).to.equal(404);
      const row = await db().fork().findOneOrFail(AcmeOrder, { id });
      expect(row.status).to.equal('valid');
    });

    it('issues once when two finalize requests race', async () => {
      const owner = await account();
      const { finalize } = await readyOrder(owner, ['race.example.test']);
      const csr = (await csrFor([{ type: 'dns', value: 'race.example.test' }])).der.toString('base64url');
      const bodies = await Promise.all([0, 1].map(async () => JSON.stringify(await sign({ csr }, finalize, { key: owner.key, kid: owner.kid, nonce: await nonce() }))));
      const issuedBefore = harness.issued.size;
      const answers = await Promise.all(bodies.map(async (body) => reply(await agent.post(path(finalize)).set('Content-Type', 'application/jose+json').send(body))));
      expect(answers.map((answer) => answer.body.type ?? answer.body.status).sort()).to.deep.equal([`${ERROR}orderNotReady`, 'valid']);
      expect(harness.issued.size).to.equal(issuedBefore + 1);
    });

    it('finalizes an IP order and marks the order invalid when the CA cannot issue', async () => {
      const owner = await account();
      const { finalize, id } = await readyOrder(owner, ['h.example.test']);
      const issue = harness.deps.issue.bind(harness.deps);
      harness.deps.issue = () => Promise.reject(new Error('signer down'));
      try {
        const failed = await post(path(finalize), { csr: (await csrFor([{ type: 'dns', value: 'h.example.test' }])).der.toString('base64url') }, { key: owner.key, kid: owner.kid });
        expect(failed.status).to.equal(500);
        expect(failed.body.type).to.equal(`${ERROR}serverInternal`);
      } finally {
        harness.deps.issue = issue;
      }
      const order = await post(`/acme/test-ca/order/${id}`, '', { key: owner.key, kid: owner.kid });
      expect(order.body).to.deep.include({ status: 'invalid' });
      expect(order.body.error?.type).to.equal(`${ERROR}serverInternal`);
    });
  });

  describe('authorizations and challenges (§7.5)', () => {
    it('deactivates an authorization once, for its own account only', async () => {
      const owner = await account();
      const other = await account();
      const created = await post('/acme/test-ca/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }, { key: owner.key, kid: owner.kid });
      const authz = path(String((created.body as { authorizations: string[] }).authorizations[0]));
      const read = await post(authz, '', { key: owner.key, kid: owner.kid });
      expect(read.body.challenges?.map((challenge: { type: string }) => challenge.type)).to.deep.equal(['http-01', 'tls-alpn-01']);
      expect((await post(authz, '', { key: other.key, kid: other.kid })).body.type).to.equal(`${ERROR}unauthorized`);
      expect((await post(authz, { status: 'valid' }, { key: owner.key, kid: owner.kid })).body.type).to.equal(`${ERROR}malformed`);
      expect((await post(authz, { status: 'deactivated' }, { key: owner.key, kid: owner.kid })).body.status).to.equal('deactivated');
      expect((await post(authz, { status: 'deactivated' }, { key: owner.key, kid: owner.kid })).body.detail).to.match(/cannot be deactivated/);
      expect((await post(`${authz.slice(0, -36)}00000000-0000-7000-8000-000000000000`, '', { key: owner.key, kid: owner.kid })).status).to.equal(404);
    });

    it('reports connection and tls problems when nothing answers the challenge', async () => {
      const owner = await account();
      const ports = { ...harness.deps.challengePorts };
      const resolve = harness.deps.resolve;
      harness.deps.challengePorts.http = 9;
      harness.deps.challengePorts.tlsAlpn = 9;
      // an IP identifier is connected to as it is, without the test's name mapping
      harness.deps.resolve = undefined;
      try {
        for (const [type, error] of [['http-01', 'connection'], ['tls-alpn-01', 'tls']] as const) {
          const created = await post('/acme/test-ca/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }, { key: owner.key, kid: owner.kid });
          const authz = await post(path(String((created.body as { authorizations: string[] }).authorizations[0])), '', { key: owner.key, kid: owner.kid });
          const challenge = (authz.body as { challenges: { type: string; url: string }[] }).challenges.find((item) => item.type === type);
          const url = path(challenge?.url ?? '');
          expect((await post(url, '', { key: owner.key, kid: owner.kid })).body.status).to.equal('pending');
          const answered = await post(url, {}, { key: owner.key, kid: owner.kid });
          expect(answered.body.status).to.equal('invalid');
          expect(answered.body.error?.type).to.equal(`${ERROR}${error}`);
          expect(answered.headers.link).to.include('rel="up"');
        }
      } finally {
        Object.assign(harness.deps.challengePorts, ports);
        harness.deps.resolve = resolve;
      }
      expect((await post('/acme/test-ca/chall/00000000-0000-7000-8000-000000000000', {}, { key: owner.key, kid: owner.kid })).status).to.equal(404);
    });
  });

  describe('revocation (§7.6) and renewal information (RFC 9773)', () => {
    it('revokes by the certificate key, refuses other keys, bad reasons and foreign certificates', async () => {
      const owner = await account();
      const other = await account();
      const { finalize } = await readyOrder(owner, ['r.example.test']);
      const csr = await csrFor([{ type: 'dns', value: 'r.example.test' }]);
      const done = await post(path(finalize), { csr: csr.der.toString('base64url') }, { key: owner.key, kid: owner.kid });
      const chain = (await post(path(String(done.body.certificate)), '', { key: owner.key, kid: owner.kid })).text;
      const leaf = new x509.X509Certificate(chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 25));
      const der = Buffer.from(leaf.rawData).toString('base64url');
      const send = async (payload: unknown, options: SignOptions) => (await post('/acme/test-ca/revoke-cert', payload, options)).body as { type?: string; detail?: string };
      expect((await send({ certificate: 5 }, { key: owner.key, kid: owner.kid })).type).to.equal(`${ERROR}malformed`);
      expect((await send({ certificate: 'AAAA' }, { key: owner.key, kid: owner.kid })).detail).to.match(/not an X.509/);
      expect((await send({ certificate: der, reason: 7 }, { key: owner.key, kid: owner.kid })).type).to.equal(`${ERROR}badRevocationReason`);
      expect((await send({ certificate: der, reason: 'keyCompromise' }, { key: owner.key, kid: owner.kid })).type).to.equal(`${ERROR}badRevocationReason`);
      expect((await send({ certificate: der }, { key: other.key, kid: other.kid })).type).to.equal(`${ERROR}unauthorized`);
      expect((await send({ certificate: der }, { key: await newKey() })).type).to.equal(`${ERROR}unauthorized`);
      const foreign = await issueTestCertificate(harness.hierarchy.issuing);
      expect((await send({ certificate: Buffer.from(foreign.certificate.rawData).toString('base64url') }, { key: owner.key, kid: owner.kid })).type).to.equal(`${ERROR}malformed`);
      const certKey: Key = { privateKey: (await import('node:crypto')).KeyObject.from(csr.keys.privateKey), jwk: await exportJWK(csr.keys.publicKey), alg: 'ES256' };
      const revoked = await post('/acme/test-ca/revoke-cert', { certificate: der, reason: 1 }, { key: certKey });
      expect(revoked.status).to.equal(200);
      expect(harness.revoked.get(leaf.serialNumber.toLowerCase())).to.equal('keyCompromise');
      harness.issued.delete(leaf.serialNumber.toLowerCase());
      harness.revoked.delete(leaf.serialNumber.toLowerCase());
      expect((await post('/acme/test-ca/revoke-cert', { certificate: der }, { key: owner.key, kid: owner.kid })).status).to.equal(404);
    });

    it('revokes by key a certificate the CA issued outside ACME, and answers its renewal information', async () => {
      const outside = await issueTestCertificate(harness.hierarchy.issuing);
      const serial = outside.certificate.serialNumber.toLowerCase();
      harness.issued.set(serial, { ca: 'test-ca', certificatePem: outside.certificate.toString('pem') });
      const aki = outside.certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? '';
      const info = reply(await agent.get(`/acme/test-ca/renewal-info/${certId(aki, serial)}`).expect(200));
      expect(info.body.suggestedWindow?.start).to.be.a('string');
      await agent.get(`/acme/test-ca/renewal-info/${certId('00', serial)}`).expect(404);
      await agent.get('/acme/test-ca/renewal-info/not-a-cert-id').expect(400);
      const key: Key = { privateKey: (await import('node:crypto')).KeyObject.from(outside.keys.privateKey), jwk: await exportJWK(outside.keys.publicKey), alg: 'ES256' };
      expect((await post('/acme/test-ca/revoke-cert', { certificate: Buffer.from(outside.certificate.rawData).toString('base64url') }, { key })).status).to.equal(200);
    });

    it('lets only the certificate\'s account name it in replaces', async () => {
      const owner = await account();
      const other = await account();
      const { finalize } = await readyOrder(owner, ['p.example.test']);
      const done = await post(path(finalize), { csr: (await csrFor([{ type: 'dns', value: 'p.example.test' }])).der.toString('base64url') }, { key: owner.key, kid: owner.kid });
      const chain = (await post(path(String(done.body.certificate)), '', { key: owner.key, kid: owner.kid })).text;
      const leaf = new x509.X509Certificate(chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 25));
      const id = certId(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? '', leaf.serialNumber);
      const refused = await post('/acme/test-ca/new-order', { identifiers: [{ type: 'dns', value: 'p.example.test' }], replaces: id }, { key: other.key, kid: other.kid });
      expect(refused.body.type).to.equal(`${ERROR}unauthorized`);
      expect(resourceUrl.orders(base, owner.id)).to.equal(`${owner.kid}/orders`);
    });
  });
});
