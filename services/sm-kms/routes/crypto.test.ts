import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { ALL_SCOPES, startSmKms, type KmsHarness } from '../testing/harness.ts';

interface MaterialKey { id: string; version: number; publicJwk: JWK | null }
interface Page<T> { items: T[] }
interface Problem { detail: string }

function publicOf(material: MaterialKey): JWK {
  if (material.publicJwk === null) throw new Error('an oct key has no public JWK');
  return material.publicJwk;
}

describe('sm-kms encrypt, decrypt, sign, verify and generate (issue "sm-kms" point 4)', () => {
  let kms: KmsHarness;
  before(async () => { kms = await startSmKms(); });
  after(async () => { await kms.close(); });

  const latestMaterial = async (id: string): Promise<MaterialKey> => {
    const [latest] = ((await kms.api('GET', `/elastickeys/${id}/materialkeys?size=1`)).json as Page<MaterialKey>).items;
    if (latest === undefined) throw new Error('the key has no material key');
    return latest;
  };
  const encryptWith = async (id: string, body: Buffer | string, context?: string): Promise<string> => {
    const answer = await kms.api('POST', `/elastickeys/${id}/encrypt${context === undefined ? '' : `?context=${encodeURIComponent(context)}`}`, { body });
    expect(answer.status, answer.text).to.equal(200);
    return answer.text;
  };
  const decryptWith = (id: string, jwe: string, context?: string) =>
    kms.api('POST', `/elastickeys/${id}/decrypt${context === undefined ? '' : `?context=${encodeURIComponent(context)}`}`, { body: jwe, contentType: 'application/jose' });

  it('encrypts bytes to a compact JWE whose kid is the latest material key and ctx the context; decrypts them back', async () => {
    const id = await kms.createKey({ name: 'enc', algorithm: 'A256GCM/A256KW' });
    const plaintext = randomBytes(1024);
    const answer = await kms.api('POST', `/elastickeys/${id}/encrypt?context=tenant%3D42`, { body: plaintext });
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/jose');
    expect(answer.text.split('.')).to.have.length(5);
    expect(decodeProtectedHeader(answer.text)).to.include({ alg: 'A256KW', enc: 'A256GCM', kid: (await latestMaterial(id)).id, ctx: 'tenant=42' });
    const back = await decryptWith(id, answer.text, 'tenant=42');
    expect(back.status).to.equal(200);
    expect(back.headers['content-type']).to.equal('application/octet-stream');
    expect(back.bytes.equals(plaintext)).to.equal(true);
  });

  it('an empty body encrypts and decrypts to nothing', async () => {
    const id = await kms.createKey({ name: 'empty', algorithm: 'A128GCM/dir' });
    const answer = await kms.api('POST', `/elastickeys/${id}/encrypt`);
    expect(answer.status).to.equal(200);
    const back = await decryptWith(id, answer.text);
    expect(back.status).to.equal(200);
    expect(back.bytes.length).to.equal(0);
  });

  it('refuses a wrong or missing context, another key\'s JWE and garbage (400), and octet-stream for decrypt (415)', async () => {
    const id = await kms.createKey({ name: 'ctx', algorithm: 'A256GCM/A256KW' });
    const other = await kms.createKey({ name: 'ctx-other', algorithm: 'A256GCM/A256KW' });
    const jwe = await encryptWith(id, 'secret', 'a');
    expect((await decryptWith(id, jwe, 'b')).status).to.equal(400);
    expect((await decryptWith(id, jwe)).status).to.equal(400);
    const foreign = await decryptWith(other, jwe, 'a');
    expect(foreign.status).to.equal(400);
    expect((foreign.json as Problem).detail).to.include('not made by this elastic key');
    expect((await decryptWith(id, 'not.a.jwe')).status).to.equal(400);
    expect((await decryptWith(id, 'garbage')).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${id}/decrypt`)).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${id}/decrypt`, { body: jwe, contentType: 'application/octet-stream' })).status).to.equal(415);
    expect((await kms.api('POST', `/elastickeys/${id}/encrypt?context=`, { body: 'x' })).status).to.equal(400);
  });

  it('after a rotation encrypts with the new version and still decrypts the old; revocation follows revokedMayDecrypt', async () => {
    const id = await kms.createKey({ name: 'rotating', algorithm: 'A256GCM/A256KW' });
    const first = await latestMaterial(id);
    const old = await encryptWith(id, 'old');
    const second = (await kms.api('POST', `/elastickeys/${id}/materialkeys`)).json as MaterialKey;
    const fresh = await encryptWith(id, 'new');
    expect(decodeProtectedHeader(fresh).kid).to.equal(second.id);
    expect((await decryptWith(id, old)).text).to.equal('old');
    await kms.api('POST', `/elastickeys/${id}/materialkeys/${first.id}/revoke`);
    expect((await decryptWith(id, old)).text).to.equal('old');
    await kms.api('PUT', `/elastickeys/${id}`, { body: { revokedMayDecrypt: false } });
    const refused = await decryptWith(id, old);
    expect(refused.status).to.equal(409);
    expect((refused.json as Problem).detail).to.include('revoked');
    await kms.api('POST', `/elastickeys/${id}/materialkeys/${second.id}/revoke`);
    expect((await kms.api('POST', `/elastickeys/${id}/encrypt`, { body: 'x' })).status).to.equal(409);
  });

  it('a disabled key refuses every operation with 409 naming the status, until enabled', async () => {
    const id = await kms.createKey({ name: 'off', algorithm: 'A256GCM/A256KW' });
    const jwe = await encryptWith(id, 'x');
    await kms.api('PUT', `/elastickeys/${id}`, { body: { status: 'disabled' } });
    for (const answer of [await kms.api('POST', `/elastickeys/${id}/encrypt`, { body: 'x' }), await decryptWith(id, jwe), await kms.api('POST', `/elastickeys/${id}/generate?alg=oct/256`)]) {
      expect(answer.status).to.equal(409);
      expect((answer.json as Problem).detail).to.include('disabled');
    }
    await kms.api('PUT', `/elastickeys/${id}`, { body: { status: 'active' } });
    expect((await decryptWith(id, jwe)).text).to.equal('x');
  });

  it('signs to a compact JWS that jose verifies with the published key; verify answers 204, tampering 400', async () => {
    const id = await kms.createKey({ name: 'sig', algorithm: 'ES256' });
    const material = await latestMaterial(id);
    const signed = await kms.api('POST', `/elastickeys/${id}/sign`, { body: 'payload' });
    expect(signed.status).to.equal(200);
    expect(signed.headers['content-type']).to.equal('application/jose');
    expect(decodeProtectedHeader(signed.text)).to.include({ alg: 'ES256', kid: material.id });
    const independent = await compactVerify(signed.text, await importJWK(publicOf(material), 'ES256'));
    expect(Buffer.from(independent.payload).toString()).to.equal('payload');
    const valid = await kms.api('POST', `/elastickeys/${id}/verify`, { body: signed.text, contentType: 'application/jose' });
    expect(valid.status).to.equal(204);
    const [header, , signature] = signed.text.split('.');
    const tampered = `${header ?? ''}.${Buffer.from('other').toString('base64url')}.${signature ?? ''}`;
    const invalid = await kms.api('POST', `/elastickeys/${id}/verify`, { body: tampered, contentType: 'application/jose' });
    expect(invalid.status).to.equal(400);
    expect((invalid.json as Problem).detail).to.equal('the signature is not valid');
    const other = await kms.createKey({ name: 'sig-other', algorithm: 'ES256' });
    expect((await kms.api('POST', `/elastickeys/${other}/verify`, { body: signed.text, contentType: 'application/jose' })).status).to.equal(400);
    await kms.api('POST', `/elastickeys/${id}/materialkeys/${material.id}/revoke`);
    expect((await kms.api('POST', `/elastickeys/${id}/verify`, { body: signed.text, contentType: 'application/jose' })).status).to.equal(409);
  });

  it('refuses the other use with 400: a signing key does not encrypt, an encryption key does not sign', async () => {
    const signing = await kms.createKey({ name: 'use-sig', algorithm: 'HS256' });
    const encrypting = await kms.createKey({ name: 'use-enc', algorithm: 'A128GCM/dir' });
    expect((await kms.api('POST', `/elastickeys/${signing}/encrypt`, { body: 'x' })).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${signing}/generate?alg=oct/128`)).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${encrypting}/sign`, { body: 'x' })).status).to.equal(400);
  });

  it('generate returns data keys only wrapped by the elastic key, with the public JWK beside asymmetric ones', async () => {
    const id = await kms.createKey({ name: 'gen', algorithm: 'A256GCM/A256KW' });
    const kid = (await latestMaterial(id)).id;
    const secret = await kms.api('POST', `/elastickeys/${id}/generate?alg=oct/256`);
    expect(secret.status).to.equal(201);
    const oct = secret.json as { encryptedKey: string; publicJwk?: JWK };
    expect(Object.keys(oct)).to.deep.equal(['encryptedKey']);
    expect(decodeProtectedHeader(oct.encryptedKey).kid).to.equal(kid);
    const unwrapped = JSON.parse((await decryptWith(id, oct.encryptedKey)).text) as JWK;
    expect(unwrapped.kty).to.equal('oct');
    expect(Buffer.from(unwrapped.k ?? '', 'base64url')).to.have.length(32);
    for (const [spec, kty] of [['EC/P-256', 'EC'], ['OKP/Ed25519', 'OKP']]) {
      const pair = (await kms.api('POST', `/elastickeys/${id}/generate?alg=${spec}`)).json as { encryptedKey: string; publicJwk: JWK };
      expect(pair.publicJwk.kty, spec).to.equal(kty);
      expect(pair.publicJwk).to.not.have.property('d');
      const full = JSON.parse((await decryptWith(id, pair.encryptedKey)).text) as JWK;
      expect(full.x).to.equal(pair.publicJwk.x);
      expect(full.d).to.be.a('string');
    }
    expect((await kms.api('POST', `/elastickeys/${id}/generate?alg=oct/7`)).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${id}/generate`)).status).to.equal(400);
  });

  it('decrypts JWEs that jose made independently with the published public key (ECDH-ES+A256KW, RSA-OAEP-256)', async () => {
    for (const [name, algorithm, alg, enc] of [['ecdh', 'A256GCM/ECDH-ES+A256KW', 'ECDH-ES+A256KW', 'A256GCM'], ['rsa', 'A256CBC-HS512/RSA-OAEP-256', 'RSA-OAEP-256', 'A256CBC-HS512']] as const) {
      const id = await kms.createKey({ name, algorithm });
      const material = await latestMaterial(id);
      const publicKey = await importJWK(publicOf(material), alg);
      const jwe = await new CompactEncrypt(Buffer.from(`made by jose for ${name}`)).setProtectedHeader({ alg, enc, kid: material.id }).encrypt(publicKey);
      const back = await decryptWith(id, jwe);
      expect(back.status, back.text).to.equal(200);
      expect(back.text).to.equal(`made by jose for ${name}`);
      const own = await encryptWith(id, 'round trip');
      expect((await decryptWith(id, own)).text).to.equal('round trip');
    }
  });

  it('each operation needs its own scope (403 without it)', async () => {
    const enc = await kms.createKey({ name: 'scope-enc', algorithm: 'A256GCM/A256KW' });
    const sig = await kms.createKey({ name: 'scope-sig', algorithm: 'HS256' });
    const jwe = await encryptWith(enc, 'x');
    const jws = (await kms.api('POST', `/elastickeys/${sig}/sign`, { body: 'x' })).text;
    const calls: [string, string, Buffer | string | undefined, string | undefined][] = [
      ['kms:encrypt', `/elastickeys/${enc}/encrypt`, 'x', undefined],
      ['kms:decrypt', `/elastickeys/${enc}/decrypt`, jwe, 'application/jose'],
      ['kms:sign', `/elastickeys/${sig}/sign`, 'x', undefined],
      ['kms:verify', `/elastickeys/${sig}/verify`, jws, 'application/jose'],
      ['kms:generate', `/elastickeys/${enc}/generate?alg=oct/128`, undefined, undefined],
    ];
    for (const [scope, path, body, contentType] of calls) {
      const without = await kms.token(ALL_SCOPES.filter((candidate) => candidate !== scope));
      const only = await kms.token([scope]);
      const options = { ...(body === undefined ? {} : { body }), ...(contentType === undefined ? {} : { contentType }) };
      expect((await kms.api('POST', path, { ...options, token: without })).status, scope).to.equal(403);
      expect((await kms.api('POST', path, { ...options, token: only })).status, scope).to.be.oneOf([200, 201, 204]);
    }
  });
});
