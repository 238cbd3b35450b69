/**
 * jose-ja attacked from outside, over HTTPS with real tokens: forged JOSE headers (alg none, HS256
 * keyed with the public key, RS/PS swap, another set's or a `next` key's kid, jku/jwk/x5u/crit/zip),
 * hostile JWEs (wrong enc, an epk off the curve, a cut tag, compression), tokens replayed at another
 * set or at a set made again under the same name (on one replica and across two), scopes and token
 * kinds, path tricks, huge bodies, the general JSON serialization, rotations and deletions raced
 * against issuing on SQLite and PostgreSQL, and private key members in answers and logs.
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign as signBytes } from 'node:crypto';
import { expect } from 'chai';
import { CompactEncrypt, CompactSign, decodeProtectedHeader, exportJWK, FlattenedEncrypt, generateKeyPair, type JWK } from 'jose';
import { join } from 'node:path';
import { barrierEntities, barrierMigrations, createBarrier, newUnsealShares } from '../../services/template/barrier/index.ts';
import { openDatabase } from '../../services/template/database/index.ts';
import { entities, JwkKey } from '../../services/jose-ja/entities.ts';
import { keyAad } from '../../services/jose-ja/keys.ts';
import { migrations } from '../../services/jose-ja/migrations.ts';
import { captureLogs } from '../../services/template/testing/logs.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import type { Answer } from '../../services/template/testing/bytes-call.ts';
import { REVALIDATE_MS } from '../../services/jose-ja/cache.ts';
import { startJoseJa, type JaHarness } from '../../services/jose-ja/testing/harness.ts';

interface KeySetBody { readonly keys: readonly { readonly kid: string; readonly status: string }[]; readonly issuer: string }
interface Verdict { readonly valid: boolean; readonly failed?: { readonly check: string }; readonly claims?: Readonly<Record<string, unknown>> }

/** Private members of RSA and EC JWKs (RFC 7518 §6.2.2, §6.3.2) and of symmetric ones (`k`). */
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Every private JWK member name found anywhere in `value` with a string value. */
function privateMembersIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(privateMembersIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, member]) => [...(PRIVATE_MEMBERS.has(name) && typeof member === 'string' ? [name] : []), ...privateMembersIn(member)]);
}

/** The private member values of every key the running service holds, read from its SQLite file and opened with its shares. */
async function privateValuesOf(ja: JaHarness): Promise<string[]> {
  const database = await openDatabase({
    url: `sqlite:${join(ja.harness.dataDir, 'jose-ja.sqlite')}`, entities: [...barrierEntities, ...entities], migrations: [...barrierMigrations, ...migrations],
  });
  try {
    const barrier = createBarrier({ orm: database.orm, threshold: 3 });
    await barrier.unseal(ja.shares.slice(0, 3));
    const values: string[] = [];
    for (const key of await database.fork().find(JwkKey, {})) {
      const jwk = JSON.parse(Buffer.from(await barrier.decrypt(key.sealedJwk, keyAad(key.id))).toString('utf8')) as Record<string, unknown>;
      values.push(...Object.entries(jwk).flatMap(([name, value]) => (PRIVATE_MEMBERS.has(name) && typeof value === 'string' ? [value] : [])));
    }
    barrier.seal();
    return values;
  } finally {
    await database.close();
  }
}

const BASE_SETS = [
  { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
  { name: 'other', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
  { name: 'rsa', use: 'sig', alg: 'PS256', rotationDays: 90, retentionDays: 7 },
  { name: 'secrets', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 30, pairedWith: 'tokens' },
  { name: 'direct', use: 'enc', alg: 'A128GCM/ECDH-ES', rotationDays: 30, retentionDays: 30 },
];

/** Calls that every test makes against one jose-ja. */
function client(ja: JaHarness) {
  const seen: Answer[] = [];
  /** Every JWKS body fetched. */
  const published: string[] = [];
  const call = async (method: string, path: string, options: Parameters<JaHarness['api']>[2] = {}): Promise<Answer> => {
    const answer = await ja.api(method, path, options);
    seen.push(answer);
    return answer;
  };
  return {
    seen,
    published,
    call,
    async set(name: string): Promise<KeySetBody> {
      const answer = await call('GET', `/jwks/${name}`);
      expect(answer.status, answer.text).to.equal(200);
      return answer.json as KeySetBody;
    },
    async jwks(name: string): Promise<JWK[]> {
      const answer = await ja.open('GET', `/jwks/${name}/.well-known/jwks.json`);
      published.push(answer.text);
      expect(answer.status, answer.text).to.equal(200);
      return (answer.json as { keys: JWK[] }).keys;
    },
    /** The set's active public JWK, as published. */
    async activeJwk(name: string): Promise<JWK> {
      const [first] = await this.jwks(name);
      if (first === undefined) throw new Error(`the JWKS of ${name} is empty`);
      return first;
    },
    async issue(name: string, claims: Readonly<Record<string, unknown>> = { sub: 'alice' }): Promise<string> {
      const answer = await call('POST', `/jwks/${name}/jwt`, { body: { claims } });
      expect(answer.status, answer.text).to.equal(200);
      return (answer.json as { jwt: string }).jwt;
    },
    async verify(name: string, jwt: string): Promise<Verdict> {
      const answer = await call('POST', `/jwks/${name}/jwt/verify`, { body: { jwt } });
      expect(answer.status, answer.text).to.equal(200);
      return answer.json as Verdict;
    },
  };
}

describe('jose-ja under attack (over HTTPS)', function () {
  this.timeout(120_000);
  let ja: JaHarness;
  let api: ReturnType<typeof client>;
  const logs = captureLogs('debug');

  before(async () => {
    ja = await startJoseJa({ logger: logs.logger, jose: { jwksMaxAgeSeconds: 1 } });
    api = client(ja);
    for (const body of BASE_SETS) {
      const created = await api.call('POST', '/jwks', { body });
      expect(created.status, created.text).to.equal(201);
    }
  });
  after(async () => { await ja.close(); });

  const activeKid = async (name: string): Promise<string> => (await api.set(name)).keys.find((key) => key.status === 'active')?.kid ?? '';
  const nextKid = async (name: string): Promise<string> => (await api.set(name)).keys.find((key) => key.status === 'next')?.kid ?? '';
  const issuerOf = async (name: string): Promise<string> => (await api.set(name)).issuer;
  const claimsFor = async (name: string): Promise<Record<string, unknown>> => {
    const now = Math.floor(Date.now() / 1000);
    return { sub: 'mallory', iss: await issuerOf(name), iat: now, exp: now + 3600 };
  };

  describe('algorithm confusion (RFC 8725 §2.1, §3.1)', () => {
    it('alg none naming the active kid is refused by JWT verify (algorithm) and by verify (422)', async () => {
      const jwt = `${b64({ alg: 'none', kid: await activeKid('tokens'), typ: 'JWT' })}.${b64(await claimsFor('tokens'))}.`;
      expect((await api.verify('tokens', jwt)).failed?.check).to.equal('algorithm');
      const verified = await api.call('POST', '/jwks/tokens/verify', { body: jwt, contentType: 'application/jose' });
      expect(verified.status, verified.text).to.equal(422);
    });

    it('HS256 keyed with the public key (PEM, DER and JWK text) never verifies', async () => {
      const kid = await activeKid('rsa');
      const jwk = (await api.jwks('rsa')).find((key) => key.kid === kid);
      const publicKey = createPublicKey({ key: jwk as JWK & { kty: string }, format: 'jwk' });
      const secrets = [publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ type: 'spki', format: 'der' }), JSON.stringify(jwk)];
      for (const secret of secrets) {
        const input = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(await claimsFor('rsa'))}`;
        const jwt = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        expect((await api.verify('rsa', jwt)).failed?.check).to.equal('algorithm');
      }
    });

    it('a PS256 token relabelled RS256 (and an RS256 one signed by an outsider) is refused', async () => {
      const genuine = await api.issue('rsa');
      const [, payload, signature] = genuine.split('.');
      const relabelled = `${b64({ ...decodeProtectedHeader(genuine), alg: 'RS256' })}.${String(payload)}.${String(signature)}`;
      expect((await api.verify('rsa', relabelled)).failed?.check).to.equal('algorithm');
      const outsider = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const input = `${b64({ alg: 'PS256', kid: await activeKid('rsa'), typ: 'JWT' })}.${b64(await claimsFor('rsa'))}`;
      const forged = `${input}.${signBytes('sha256', Buffer.from(input), { key: outsider.privateKey, padding: 6, saltLength: 32 }).toString('base64url')}`;
      expect((await api.verify('rsa', forged)).failed?.check).to.equal('signature');
      expect((await api.verify('rsa', genuine)).valid).to.equal(true);
    });

    it('a token of another set of the same alg is unknown here; its header re-pointed at our kid fails the signature', async () => {
      const foreign = await api.issue('other');
      expect((await api.verify('tokens', foreign)).failed?.check).to.equal('unknownKey');
      const [, payload, signature] = foreign.split('.');
      const repointed = `${b64({ ...decodeProtectedHeader(foreign), kid: await activeKid('tokens') })}.${String(payload)}.${String(signature)}`;
      expect((await api.verify('tokens', repointed)).failed?.check).to.equal('signature');
    });

    it('a kid of the published next key is not usable: the outsider-signed token is an unknown key', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const jwt = await new CompactSign(Buffer.from(JSON.stringify(await claimsFor('tokens'))))
        .setProtectedHeader({ alg: 'ES256', kid: await nextKid('tokens'), typ: 'JWT' }).sign(privateKey);
      expect((await api.verify('tokens', jwt)).failed?.check).to.equal('unknownKey');
    });

    it('jku, jwk, x5u, crit and zip headers are refused before any key is chosen, even with an embedded jwk of the set', async () => {
      const outsider = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const own = outsider.publicKey.export({ format: 'jwk' });
      const [setJwk] = await api.jwks('tokens');
      const kid = await activeKid('tokens');
      const extras: readonly Record<string, unknown>[] = [
        { jwk: own }, { jwk: setJwk }, { jku: 'https://attacker.example/jwks.json' }, { x5u: 'https://attacker.example/cert.pem' },
        { crit: ['exp'], exp: 1 }, { zip: 'DEF' },
      ];
      for (const extra of extras) {
        // Signed by hand: jose itself refuses to make some of these.
        const input = `${b64({ alg: 'ES256', kid, typ: 'JWT', ...extra })}.${b64(await claimsFor('tokens'))}`;
        const jwt = `${input}.${signBytes('sha256', Buffer.from(input), { key: outsider.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
        expect((await api.verify('tokens', jwt)).failed?.check, JSON.stringify(extra)).to.equal('malformed');
        const verified = await api.call('POST', '/jwks/tokens/verify', { body: jwt, contentType: 'application/jose' });
        expect(verified.status, JSON.stringify(extra)).to.equal(400);
      }
    });

    it('an unprotected jwk in a flattened JWS is refused; the general serialization is a 400, not a crash', async () => {
      const signed = await api.call('POST', '/jwks/tokens/sign?serialization=json', { body: 'hello' });
      expect(signed.status, signed.text).to.equal(200);
      const flattened = signed.json as { protected: string; payload: string; signature: string };
      const withJwk = { ...flattened, header: { jwk: (await api.jwks('tokens'))[0] } };
      const refused = await api.call('POST', '/jwks/tokens/verify', { body: withJwk, contentType: 'application/jose+json' });
      expect(refused.status, refused.text).to.equal(400);
      const general = { payload: flattened.payload, signatures: [{ protected: flattened.protected, signature: flattened.signature }] };
      const generalAnswer = await api.call('POST', '/jwks/tokens/verify', { body: general, contentType: 'application/jose+json' });
      expect([generalAnswer.status, generalAnswer.headers['content-type']]).to.deep.equal([400, 'application/problem+json']);
      const accepted = await api.call('POST', '/jwks/tokens/verify', { body: flattened, contentType: 'application/jose+json' });
      expect([accepted.status, accepted.text]).to.deep.equal([200, 'hello']);
    });

    it('a JWS made by /sign with JWT-looking claims (no typ) is not a JWT of the set', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { ...await claimsFor('tokens'), exp: now + 10 * 365 * 86_400 };
      const signed = await api.call('POST', '/jwks/tokens/sign', { body: JSON.stringify(claims) });
      expect(signed.status, signed.text).to.equal(200);
      expect((await api.verify('tokens', signed.text)).failed?.check).to.equal('type');
    });
  });

  describe('JWE attacks (RFC 7516 §11, RFC 8725 §3.4)', () => {
    const jweParts = (kid: string, header: Readonly<Record<string, unknown>>, encryptedKeyBytes: number): string =>
      [b64({ kid, ...header }), randomBytes(encryptedKeyBytes).toString('base64url'), randomBytes(12).toString('base64url'), randomBytes(20).toString('base64url'), randomBytes(16).toString('base64url')].join('.');

    const decrypt = (name: string, jwe: string): Promise<Answer> => api.call('POST', `/jwks/${name}/decrypt`, { body: jwe, contentType: 'application/jose' });

    it('another enc, another key management alg, dir and RSA1_5 are one 422 "decryption failed"', async () => {
      const kid = await activeKid('secrets');
      // Without its alg, so that jose encrypts with whatever the attacker names.
      const jwk: JWK = { ...await api.activeJwk('secrets'), alg: undefined };
      const wrongEnc = await new CompactEncrypt(Buffer.from('x')).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A128GCM', kid }).encrypt(jwk);
      const wrongAlg = await new CompactEncrypt(Buffer.from('x')).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid }).encrypt(jwk);
      const forged = [wrongEnc, wrongAlg, jweParts(kid, { alg: 'dir', enc: 'A256GCM' }, 0), jweParts(kid, { alg: 'RSA1_5', enc: 'A256GCM' }, 256),
        // Refused on its alg before any PBKDF2 round is spent.
        jweParts(kid, { alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2s: b64('salt'), p2c: 2_000_000_000 }, 40)];
      for (const jwe of forged) {
        const answer = await decrypt('secrets', jwe);
        expect([answer.status, (answer.json as { detail?: string }).detail]).to.deep.equal([422, 'decryption failed']);
      }
    });

    it('an epk off the curve, on another curve or of another type is a 422, never a 500 nor a plaintext', async () => {
      for (const name of ['secrets', 'direct']) {
        const kid = await activeKid(name);
        const [jwk] = await api.jwks(name);
        const { alg, enc } = { alg: String(jwk?.alg), enc: name === 'secrets' ? 'A256GCM' : 'A128GCM' };
        const onP384 = await exportJWK((await generateKeyPair('ECDH-ES', { crv: 'P-384' })).publicKey);
        const offCurve = { kty: 'EC', crv: 'P-256', x: b64(Buffer.alloc(32, 1).toString('latin1')), y: b64(Buffer.alloc(32, 1).toString('latin1')) };
        const epks: readonly Record<string, unknown>[] = [offCurve, { ...onP384, crv: 'P-256' }, onP384, { kty: 'oct', k: b64('k') }, { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }];
        for (const epk of epks) {
          const answer = await decrypt(name, jweParts(kid, { alg, enc, epk }, alg === 'ECDH-ES' ? 0 : 40));
          expect([answer.status, (answer.json as { detail?: string }).detail], `${name} ${JSON.stringify(epk)}`).to.deep.equal([422, 'decryption failed']);
        }
      }
    });

    it('a genuine JWE with its tag cut, flipped or dropped does not decrypt; untouched it does', async () => {
      const encrypted = await api.call('POST', '/jwks/secrets/encrypt', { body: 'attack at dawn' });
      expect(encrypted.status, encrypted.text).to.equal(200);
      const parts = encrypted.text.split('.');
      const tag = Buffer.from(String(parts[4]), 'base64url');
      const flipped = Buffer.from(tag);
      flipped[0] = (flipped[0] ?? 0) ^ 1;
      for (const forgedTag of [tag.subarray(0, 12), tag.subarray(0, 4), Buffer.alloc(0), flipped]) {
        const answer = await decrypt('secrets', [...parts.slice(0, 4), forgedTag.toString('base64url')].join('.'));
        expect(answer.status, forgedTag.toString('hex')).to.equal(422);
      }
      const genuine = await decrypt('secrets', encrypted.text);
      expect([genuine.status, genuine.text]).to.deep.equal([200, 'attack at dawn']);
    });

    it('a compressed (zip) JWE encrypted to the set is refused; a flattened one with jku unprotected too', async () => {
      const kid = await activeKid('secrets');
      const jwk = await api.activeJwk('secrets');
      const bomb = Buffer.alloc(200_000, 0x41);
      const compressed = await new CompactEncrypt(bomb).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid, zip: 'DEF' }).encrypt(jwk);
      expect((await decrypt('secrets', compressed)).status).to.equal(422);
      const flattened = await new FlattenedEncrypt(Buffer.from('x')).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid })
        .setUnprotectedHeader({ jku: 'https://attacker.example/' }).encrypt(jwk);
      const answer = await api.call('POST', '/jwks/secrets/decrypt', { body: flattened, contentType: 'application/jose+json' });
      expect(answer.status, answer.text).to.equal(422);
    });

    it('a body over the limit is a 413 problem, for every operation', async () => {
      const huge = Buffer.alloc(1_048_577, 0x41);
      for (const path of ['/jwks/tokens/sign', '/jwks/secrets/encrypt', '/jwks/secrets/decrypt', '/jwks/tokens/jwt']) {
        const answer = await api.call('POST', path, { body: huge });
        expect([answer.status, answer.headers['content-type']], path).to.deep.equal([413, 'application/problem+json']);
      }
    });

    it('a nested JWT of secrets does not verify at its paired sig set, nor does a JWT of the sig set at secrets', async () => {
      const nested = await api.issue('secrets');
      expect((await api.verify('secrets', nested)).valid).to.equal(true);
      expect((await api.verify('tokens', nested)).failed?.check).to.equal('malformed');
      expect((await api.verify('secrets', await api.issue('tokens'))).failed?.check).to.equal('malformed');
      // A plain JWE (no cty) of JWT-looking bytes signed by the paired set is not a nested JWT either.
      const inner = await api.issue('tokens');
      const wrapped = await api.call('POST', '/jwks/secrets/encrypt', { body: inner });
      expect((await api.verify('secrets', wrapped.text)).failed?.check).to.equal('type');
    });
  });

  describe('replay across sets and audiences', () => {
    it('a set made with another set\'s issuer and alg still refuses that set\'s tokens (kid), and the reverse', async () => {
      const body = { name: 'twin', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7, issuer: await issuerOf('tokens') };
      expect((await api.call('POST', '/jwks', { body })).status).to.equal(201);
      expect((await api.verify('twin', await api.issue('tokens'))).failed?.check).to.equal('unknownKey');
      expect((await api.verify('tokens', await api.issue('twin'))).failed?.check).to.equal('unknownKey');
    });

    it('a token for one audience is refused for another; one without aud is refused when an audience is expected', async () => {
      const issued = await api.call('POST', '/jwks/tokens/jwt', { body: { claims: { sub: 'alice' }, audience: 'https://a.example' } });
      const { jwt } = issued.json as { jwt: string };
      const check = async (token: string, audience: string): Promise<Verdict> =>
        (await api.call('POST', '/jwks/tokens/jwt/verify', { body: { jwt: token, audience } })).json as Verdict;
      expect((await check(jwt, 'https://b.example')).failed?.check).to.equal('audience');
      expect((await check(await api.issue('tokens'), 'https://a.example')).failed?.check).to.equal('audience');
      expect((await check(jwt, 'https://a.example')).valid).to.equal(true);
    });

    it('a JOSE object sent with a content type it is not is a 4xx problem, never a 500', async () => {
      const jws = (await api.call('POST', '/jwks/tokens/sign', { body: 'x' })).text;
      for (const [body, contentType] of [[JSON.stringify(jws), 'application/json'], [jws, 'text/plain'], [jws, 'application/jose+json'], ['{}', 'application/jose+json']]) {
        const answer = await api.call('POST', '/jwks/tokens/verify', { body, contentType });
        expect(answer.status, `${String(contentType)} ${String(body)}`).to.be.within(400, 499);
        expect(answer.headers['content-type']).to.equal('application/problem+json');
      }
    });
  });

  describe('hostile paging', () => {
    for (const page of ['99999999999999999999', '1e300', '9007199254740993', '-1', '0x10', '1.5']) {
      it(`page=${page} of the sets and of an audit trail is a 200 or a 400 problem, never a 500`, async () => {
        for (const path of [`/jwks?page=${page}&size=100`, `/jwks/tokens/audit?page=${page}&size=100`]) {
          const answer = await api.call('GET', path);
          expect(answer.status, `${path} ${answer.text}`).to.be.oneOf([200, 400]);
          if (answer.status === 200) expect((answer.json as { items: unknown[] }).items, path).to.deep.equal([]);
        }
      });
    }
  });

  describe('hostile JSON', () => {
    it('claims nested deeper than the stack are a 400 problem, and the service still serves', async () => {
      const depth = 100_000;
      const body = `{"claims":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const answer = await api.call('POST', '/jwks/tokens/jwt', { body, contentType: 'application/json' });
      expect([answer.status, answer.headers['content-type'], (answer.json as { detail?: string }).detail]).to.deep.equal([400, 'application/problem+json', 'claims are nested too deeply']);
      expect((await api.verify('tokens', await api.issue('tokens'))).valid).to.equal(true);
    });

    it('a general JSON serialization JWE (recipients) and one with an aad or a foreign member is a problem, never a 500', async () => {
      const encrypted = await api.call('POST', '/jwks/secrets/encrypt?serialization=json', { body: 'x' });
      const flattened = encrypted.json as { protected: string; encrypted_key: string; iv: string; ciphertext: string; tag: string };
      const { encrypted_key: encryptedKey, ...shared } = flattened;
      const variants: readonly unknown[] = [
        { ...shared, recipients: [{ encrypted_key: encryptedKey }] },
        { ...flattened, aad: b64('extra') },
        { ...flattened, header: { kid: 'other' } },
        { ...flattened, protected: 42 },
        [flattened],
      ];
      for (const body of variants) {
        const answer = await api.call('POST', '/jwks/secrets/decrypt', { body, contentType: 'application/jose+json' });
        expect(answer.status, JSON.stringify(body)).to.be.oneOf([400, 422]);
      }
      const genuine = await api.call('POST', '/jwks/secrets/decrypt', { body: flattened, contentType: 'application/jose+json' });
      expect([genuine.status, genuine.text]).to.deep.equal([200, 'x']);
    });
  });

  describe('scopes and token kinds', () => {
    const forbidden: readonly [readonly string[], string, string, unknown][] = [
      [['ja:sign'], 'POST', '/jwks/tokens/jwt/verify', { jwt: 'a.b.c' }],
      [['ja:sign'], 'POST', '/jwks/tokens/verify', 'a.b.c'],
      [['ja:verify'], 'POST', '/jwks/tokens/jwt', { claims: {} }],
      [['ja:verify'], 'POST', '/jwks/tokens/sign', 'x'],
      [['ja:encrypt'], 'POST', '/jwks/secrets/decrypt', 'a.b.c.d.e'],
      [['ja:decrypt'], 'POST', '/jwks/secrets/encrypt', 'x'],
      [['ja:read'], 'POST', '/jwks/tokens/rotate', { immediate: true }],
      [['ja:read'], 'DELETE', '/jwks/other', undefined],
      [['ja:read'], 'POST', '/jwks', { name: 'sneaky', use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }],
      [['ja:read'], 'GET', '/jwks/tokens/audit', undefined],
      [['ja:sign', 'ja:verify', 'ja:encrypt', 'ja:decrypt'], 'POST', '/jwks/tokens/rotate', undefined],
      [['ja:admin'], 'POST', '/jwks/tokens/jwt', { claims: {} }],
    ];
    for (const [scopes, method, path, body] of forbidden) {
      it(`${scopes.join(' ')} cannot ${method} ${path} (403) and nothing changes`, async () => {
        const before = await api.set('tokens');
        const raw = typeof body === 'string';
        const answer = await api.call(method, path, { token: await ja.token(scopes), body, ...(raw ? { contentType: 'application/jose' } : {}) });
        expect(answer.status, answer.text).to.equal(403);
        expect(await api.set('tokens')).to.deep.equal(before);
        expect((await api.call('GET', '/jwks/other')).status).to.equal(200);
      });
    }

    it('an access token for another resource, an expired one, a jose-ja JWT and none are 401', async () => {
      const { issuer } = ja.harness;
      const scopes = ['ja:admin', 'ja:sign'];
      const tokens = [
        await issuer.serviceToken({ clientId: 'tester', audience: 'urn:cryptoutil:sm-kms', scopes }),
        await issuer.serviceToken({ clientId: 'tester', audience: 'urn:cryptoutil:jose-ja', scopes, expiresIn: -120 }),
        // A token jose-ja itself issued is not an access token for it.
        await api.issue('tokens', { scope: 'ja:admin ja:sign', aud: 'urn:cryptoutil:jose-ja', client_id: 'tester', gty: 'client_credentials' }),
      ];
      for (const token of tokens) {
        const answer = await ja.api('POST', '/jwks/tokens/rotate', { token, body: { immediate: true } });
        expect(answer.status, answer.text).to.equal(401);
      }
    });

    it('a user token is refused on /service and a service token on /browser', async () => {
      const { harness } = ja;
      const base = harness.service.publicUrl;
      const user = await harness.userToken(['ja:admin', 'ja:sign']);
      const service = await harness.serviceToken(['ja:admin', 'ja:sign']);
      expect((await harness.call('POST', `${base}/service/api/v1/jwks/tokens/jwt`, { token: user, body: { claims: {} } })).status).to.equal(403);
      expect((await harness.call('POST', `${base}/browser/api/v1/jwks/tokens/jwt`, { token: service, body: { claims: {} } })).status).to.equal(403);
      expect((await harness.call('POST', `${base}/browser/api/v1/jwks/tokens/jwt`, { token: user, body: { claims: {} } })).status).to.equal(200);
      expect((await harness.call('POST', `${base}/service/api/v1/jwks/tokens/jwt`, { body: { claims: {} } })).status).to.equal(401);
    });
  });

  describe('path tricks', () => {
    const tricks = ['..%2Ftokens', '%2E%2E', 'TOKENS', 'tokens%E2%80%8B', 'to%C4%B8ens', 'tokens%00', '%252e%252e', 'tokens%2F..%2Fother'];
    for (const trick of tricks) {
      it(`"${trick}" in the API path and in the JWKS path is a 400 or 404 problem, never another set`, async () => {
        for (const [path, call] of [
          [`/jwks/${trick}/jwt`, () => api.call('POST', `/jwks/${trick}/jwt`, { body: { claims: {} } })],
          [`/jwks/${trick}`, () => api.call('GET', `/jwks/${trick}`)],
          [`/jwks/${trick}/.well-known/jwks.json`, () => ja.open('GET', `/jwks/${trick}/.well-known/jwks.json`)],
        ] as const) {
          const answer = await call();
          expect(answer.status, path).to.be.oneOf([400, 404]);
          expect(answer.headers['content-type'], path).to.equal('application/problem+json');
        }
      });
    }

    it('a name that is not a set name cannot be created, a percent-encoded one names the same set', async () => {
      for (const name of ['..', 'a/b', 'Tokens', 'tökens', '-x', 'x'.repeat(64), 'a\u0000b']) {
        const answer = await api.call('POST', '/jwks', { body: { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 } });
        expect(answer.status, name).to.equal(400);
      }
      const encoded = await api.call('GET', '/jwks/tok%65ns');
      expect([encoded.status, (encoded.json as { name?: string }).name]).to.deep.equal([200, 'tokens']);
    });
  });

  describe('a set deleted and made again under its name', () => {
    it('tokens, JWS and JWE of the old set are refused by the new one; the old keys leave the JWKS', async () => {
      const body = { name: 'reborn', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
      expect((await api.call('POST', '/jwks', { body })).status).to.equal(201);
      const oldJwt = await api.issue('reborn', { sub: 'old-secret-subject' });
      const oldJws = (await api.call('POST', '/jwks/reborn/sign', { body: 'old' })).text;
      const oldKids = (await api.set('reborn')).keys.map((key) => key.kid);
      expect((await api.call('DELETE', '/jwks/reborn')).status).to.equal(204);
      expect((await api.verify('tokens', oldJwt)).valid).to.equal(false);
      expect((await api.call('POST', '/jwks/reborn/jwt/verify', { body: { jwt: oldJwt } })).status).to.equal(404);
      expect((await api.call('POST', '/jwks', { body })).status).to.equal(201);
      expect((await api.verify('reborn', oldJwt)).failed?.check).to.equal('unknownKey');
      expect((await api.call('POST', '/jwks/reborn/verify', { body: oldJws, contentType: 'application/jose' })).status).to.equal(422);
      const published = (await api.jwks('reborn')).map((key) => key.kid);
      expect(published.filter((kid) => oldKids.includes(kid ?? ''))).to.deep.equal([]);
      const audit = await api.call('GET', '/jwks/reborn/audit');
      expect(audit.text).to.not.include('old-secret-subject');
      expect(privateMembersIn(audit.json)).to.deep.equal([]);
    });
  });

  describe('secrets never leave', () => {
    it('no answer of this suite and no log line carries a private JWK member, by name or by value', async () => {
      expect(api.seen.length).to.be.greaterThan(50);
      expect(api.seen.flatMap((answer) => privateMembersIn(answer.json))).to.deep.equal([]);
      expect(logs.lines.length).to.be.greaterThan(0);
      expect(logs.records().flatMap(privateMembersIn)).to.deep.equal([]);
      const values = await privateValuesOf(ja);
      // Every set holds at least an active and a next key, each with d (EC) or d, p, q, dp, dq, qi (RSA).
      expect(values.length).to.be.greaterThan(2 * BASE_SETS.length);
      expect(api.published.length).to.be.greaterThan(5);
      expect(api.published.flatMap((text) => privateMembersIn(JSON.parse(text)))).to.deep.equal([]);
      const everything = [...api.seen.map((answer) => answer.bytes.toString('latin1')), ...api.published, ...logs.lines];
      expect(values.filter((value) => everything.some((text) => text.includes(value)))).to.deep.equal([]);
    });
  });
});

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`jose-ja deletions and rotations raced against issuing (${engine})`, function () {
    this.timeout(120_000);
    let scratch: Scratch | undefined;
    let ja: JaHarness;

    before(async () => {
      scratch = engine === 'postgres' ? await createPostgresDatabase() : undefined;
      ja = await startJoseJa({ ...(scratch === undefined ? {} : { databaseUrl: scratch.url }), jose: { jwksMaxAgeSeconds: 1 } });
    });
    after(async () => {
      await ja.close();
      await scratch?.drop();
    });

    it('rotations and issues at once: no 500, one active key, every token signed by a key that was active', async () => {
      const created = await ja.api('POST', '/jwks', { body: { name: 'busy', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 } });
      expect(created.status, created.text).to.equal(201);
      const rotates = Array.from({ length: 6 }, () => ja.api('POST', '/jwks/busy/rotate', { body: { immediate: true } }));
      const issues = Array.from({ length: 30 }, () => ja.api('POST', '/jwks/busy/jwt', { body: { claims: { sub: 'x' } } }));
      const answers = await Promise.all([...rotates, ...issues]);
      expect(answers.filter((answer) => answer.status >= 500).map((answer) => answer.text)).to.deep.equal([]);
      const set = (await ja.api('GET', '/jwks/busy')).json as KeySetBody;
      expect(set.keys.filter((key) => key.status === 'active')).to.have.length(1);
      const next = set.keys.find((key) => key.status === 'next')?.kid;
      for (const answer of answers.slice(6)) {
        expect(answer.status, answer.text).to.equal(200);
        const { jwt, kid } = answer.json as { jwt: string; kid: string };
        expect(kid).to.not.equal(next);
        const verdict = (await ja.api('POST', '/jwks/busy/jwt/verify', { body: { jwt } })).json as Verdict;
        expect(verdict.valid, kid).to.equal(true);
      }
    });

    it('one name created many times at once, with enc sets pairing with it meanwhile: one 201, the rest 409 or 404, no 500', async () => {
      const sig = { name: 'dup', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
      const enc = (index: number) => ({ name: `dup-enc-${String(index)}`, use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 7, pairedWith: 'dup' });
      const answers = await Promise.all([
        ...Array.from({ length: 5 }, () => ja.api('POST', '/jwks', { body: sig })),
        ...Array.from({ length: 4 }, (_, index) => ja.api('POST', '/jwks', { body: enc(index) })),
      ]);
      const [sigs, encs] = [answers.slice(0, 5).map((answer) => answer.status), answers.slice(5).map((answer) => answer.status)];
      expect([...sigs].sort()).to.deep.equal([201, 409, 409, 409, 409]);
      for (const status of encs) expect(status).to.be.oneOf([201, 404]);
      const made = ((await ja.api('GET', '/jwks?size=100')).json as { items: { name: string; pairedWith: string | null }[] }).items.filter((item) => item.name.startsWith('dup-enc-'));
      expect(made.map((item) => item.pairedWith)).to.deep.equal(encs.filter((status) => status === 201).map(() => 'dup'));
    });

    it('issuing, verifying and rotating while the set is deleted: only 200, 404 and 409, one 204', async () => {
      const body = { name: 'doomed', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
      for (let round = 0; round < 3; round += 1) {
        expect((await ja.api('POST', '/jwks', { body })).status).to.equal(201);
        const jwt = ((await ja.api('POST', '/jwks/doomed/jwt', { body: { claims: {} } })).json as { jwt: string }).jwt;
        const work = [
          ...Array.from({ length: 12 }, () => ja.api('POST', '/jwks/doomed/jwt', { body: { claims: {} } })),
          ...Array.from({ length: 6 }, () => ja.api('POST', '/jwks/doomed/jwt/verify', { body: { jwt } })),
          ...Array.from({ length: 3 }, () => ja.api('POST', '/jwks/doomed/rotate', { body: { immediate: true } })),
          ...Array.from({ length: 3 }, () => ja.api('DELETE', '/jwks/doomed')),
          ...Array.from({ length: 3 }, () => ja.open('GET', '/jwks/doomed/.well-known/jwks.json')),
        ];
        const answers = await Promise.all(work);
        const statuses = answers.map((answer) => answer.status);
        expect(answers.filter((answer) => ![200, 204, 404, 409].includes(answer.status)).map((answer) => `${String(answer.status)} ${answer.text}`)).to.deep.equal([]);
        expect(statuses.filter((status) => status === 204)).to.have.length(1);
        expect((await ja.api('GET', '/jwks/doomed')).status).to.equal(404);
      }
    });

    it('an enc set paired with a sig set deleted at that moment: never both, and an enc set that exists encrypts and decrypts', async () => {
      for (let round = 0; round < 4; round += 1) {
        const signer = `signer-${String(round)}`;
        const sealed = `sealed-${String(round)}`;
        expect((await ja.api('POST', '/jwks', { body: { name: signer, use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 } })).status).to.equal(201);
        const [made, deleted] = await Promise.all([
          ja.api('POST', '/jwks', { body: { name: sealed, use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 7, pairedWith: signer } }),
          new Promise((resolve) => { setTimeout(resolve, round); }).then(() => ja.api('DELETE', `/jwks/${signer}`)),
        ]);
        expect(`${String(made.status)} ${String(deleted.status)}`, `${made.text} ${deleted.text}`).to.be.oneOf(['201 409', '404 204']);
        if (made.status !== 201) continue;
        const encrypted = await ja.api('POST', `/jwks/${sealed}/encrypt`, { body: 'still here' });
        const decrypted = await ja.api('POST', `/jwks/${sealed}/decrypt`, { body: encrypted.text, contentType: 'application/jose' });
        expect([encrypted.status, decrypted.status, decrypted.text]).to.deep.equal([200, 200, 'still here']);
      }
    });

    it('a retired key stops verifying when its retention ends, before any sweep, and never signs again', async () => {
      const body = { name: 'brief', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 1 };
      expect((await ja.api('POST', '/jwks', { body })).status).to.equal(201);
      const old = (await ja.api('POST', '/jwks/brief/jwt', { body: { claims: {}, expiresInSeconds: 86_400 } })).json as { jwt: string; kid: string };
      expect((await ja.api('POST', '/jwks/brief/rotate', { body: { immediate: true } })).status).to.equal(200);
      const verdict = async (): Promise<Verdict> => (await ja.api('POST', '/jwks/brief/jwt/verify', { body: { jwt: old.jwt, leewaySeconds: 300 } })).json as Verdict;
      expect((await verdict()).valid).to.equal(true);
      expect(((await ja.api('POST', '/jwks/brief/jwt', { body: { claims: {} } })).json as { kid: string }).kid).to.not.equal(old.kid);
      ja.advance(86_400_000);
      expect((await verdict()).failed?.check).to.equal('unknownKey');
    });
  });
}

describe('two jose-ja replicas: a set deleted and made again under its name through the other replica', function () {
  this.timeout(60_000);
  let scratch: Scratch;
  let a: JaHarness;
  let b: JaHarness;

  before(async () => {
    scratch = await createPostgresDatabase();
    const shares = await newUnsealShares(5, 3);
    a = await startJoseJa({ databaseUrl: scratch.url, shares });
    b = await startJoseJa({ databaseUrl: scratch.url, shares });
  });
  after(async () => {
    await b.close();
    await a.close();
    await scratch.drop();
  });

  it('the other replica stops signing and verifying with the destroyed keys within REVALIDATE_MS', async () => {
    const body = { name: 'phoenix', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
    expect((await a.api('POST', '/jwks', { body })).status).to.equal(201);
    const oldJwt = ((await b.api('POST', '/jwks/phoenix/jwt', { body: { claims: { sub: 'old' } } })).json as { jwt: string }).jwt;
    const oldJwks = (await b.open('GET', '/jwks/phoenix/.well-known/jwks.json')).text;
    expect((await a.api('DELETE', '/jwks/phoenix')).status).to.equal(204);
    expect((await a.api('POST', '/jwks', { body })).status).to.equal(201);
    const fresh = ((await a.api('GET', '/jwks/phoenix')).json as KeySetBody).keys.map((key) => key.kid);
    b.advance(REVALIDATE_MS);
    const verdict = (await b.api('POST', '/jwks/phoenix/jwt/verify', { body: { jwt: oldJwt } })).json as Verdict;
    expect(verdict.failed?.check).to.equal('unknownKey');
    const jwks = await b.open('GET', '/jwks/phoenix/.well-known/jwks.json');
    expect(jwks.text).to.not.equal(oldJwks);
    expect((jwks.json as { keys: { kid: string }[] }).keys.map((key) => key.kid)).to.deep.equal(fresh);
    const issued = (await b.api('POST', '/jwks/phoenix/jwt', { body: { claims: {} } })).json as { kid: string };
    expect(issued.kid).to.equal(fresh[0]);
  });
});
