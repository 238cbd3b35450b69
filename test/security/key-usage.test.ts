/**
 * Issue 13 point 13: key usage limits. A material key that draws a random 96-bit AES-GCM IV under
 * itself for every encryption (A*GCM with `dir`, A*GCMKW) counts them in one guarded write; at
 * `kms.encryptionLimit` it refuses to encrypt with a 409 problem that says to rotate, even when
 * many requests arrive at once (on SQLite and on PostgreSQL). `autoRotate` rotates before the limit
 * so encryption goes on under the new version. Decrypted private JWKs and pool content keys are
 * zeroed after use.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { decodeProtectedHeader } from 'jose';
import { encryptNative } from '../../services/template/jose/jwe-native.ts';
import { generateKeyMaterial, resolveAlgorithm } from '../../services/template/jose/index.ts';
import { resolveSpec } from '../../services/template/jose/table.ts';
import { openMaterial, sealMaterial } from '../../services/sm-kms/material.ts';
import { startSmKms, type Answer, type KmsHarness } from '../../services/sm-kms/testing/harness.ts';
import { unsealedKms } from '../../services/sm-kms/testing/kms-context.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';

/** Small enough to reach in a test; autoRotate keys then rotate at 9 (three quarters). */
const LIMIT = 12;
const CONCURRENT = 24;

const ENGINES: readonly { readonly title: string; readonly database: () => Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', database: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', database: createPostgresDatabase },
];

function kidOf(jwe: string): unknown {
  return decodeProtectedHeader(jwe).kid;
}

function expectRotateProblem(answer: Answer): void {
  expect(answer.status, answer.text).to.equal(409);
  expect(answer.headers['content-type']).to.include('application/problem+json');
  expect((answer.json as { detail?: string }).detail).to.match(/limit \(kms\.encryptionLimit\); rotate the elastic key/);
}

for (const engine of ENGINES) {
  describe(`key usage limits on ${engine.title} (issue 13 point 13)`, function () {
    this.timeout(60_000);
    let scratch: Scratch | undefined;
    let kms: KmsHarness;

    before(async () => {
      scratch = await engine.database();
      kms = await startSmKms({ kms: { encryptionLimit: LIMIT }, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
    });
    after(async () => {
      await kms.close();
      await scratch?.drop();
    });

    const encrypt = (id: string, plaintext = 'p'): Promise<Answer> => kms.api('POST', `/elastickeys/${id}/encrypt`, { body: plaintext });

    it(`of ${String(CONCURRENT)} concurrent encrypts near the limit exactly the remaining ones succeed; the rest get 409 "rotate"`, async () => {
      const id = await kms.createKey({ name: `dir-${engine.title}`, algorithm: 'A256GCM/dir' });
      const early: string[] = [];
      for (let used = 0; used < 4; used += 1) early.push((await encrypt(id, `early ${String(used)}`)).text);
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => encrypt(id)));
      const succeeded = answers.filter((answer) => answer.status === 200);
      expect(succeeded).to.have.length(LIMIT - 4);
      for (const answer of answers.filter((candidate) => candidate.status !== 200)) expectRotateProblem(answer);
      expectRotateProblem(await encrypt(id));
      // The limit stops encryption only: what the key made still decrypts.
      const decrypted = await kms.api('POST', `/elastickeys/${id}/decrypt`, { body: early[0], contentType: 'application/jose' });
      expect(decrypted.text).to.equal('early 0');
      // Rotating, as the problem says, gives a fresh count under a new material key.
      expect((await kms.api('POST', `/elastickeys/${id}/materialkeys`)).status).to.equal(201);
      const fresh = await encrypt(id);
      expect(fresh.status).to.equal(200);
      expect(kidOf(fresh.text)).to.not.equal(kidOf(early[0] ?? ''));
    });

    it('counts A*GCMKW wrapping and generated data keys; A256KW draws no IV under the key and is not limited', async () => {
      const gcmkw = await kms.createKey({ name: `gcmkw-${engine.title}`, algorithm: 'A128CBC-HS256/A256GCMKW' });
      for (let used = 0; used < LIMIT - 1; used += 1) expect((await encrypt(gcmkw)).status).to.equal(200);
      expect((await kms.api('POST', `/elastickeys/${gcmkw}/generate?alg=oct/256`)).status).to.equal(201);
      expectRotateProblem(await encrypt(gcmkw));
      expectRotateProblem(await kms.api('POST', `/elastickeys/${gcmkw}/generate?alg=oct/256`));
      const kw = await kms.createKey({ name: `kw-${engine.title}`, algorithm: 'A256GCM/A256KW' });
      for (let used = 0; used <= LIMIT; used += 1) expect((await encrypt(kw)).status).to.equal(200);
    });

    it('autoRotate rotates at three quarters of the limit and encryption continues under the new version', async () => {
      const id = await kms.createKey({ name: `auto-${engine.title}`, algorithm: 'A256GCM/dir', autoRotate: true });
      const kids: unknown[] = [];
      for (let used = 0; used < 2 * LIMIT; used += 1) {
        const answer = await encrypt(id);
        expect(answer.status, answer.text).to.equal(200);
        kids.push(kidOf(answer.text));
      }
      // 12 × 3/4 = 9: the ninth encryption rotates, so each version serves nine.
      const versions = [...new Set(kids)];
      expect(kids.map((kid) => versions.indexOf(kid))).to.deep.equal([...Array<number>(9).fill(0), ...Array<number>(9).fill(1), ...Array<number>(6).fill(2)]);
      const listed = (await kms.api('GET', `/elastickeys/${id}/materialkeys`)).json as { items: { id: string; version: number }[] };
      expect(listed.items.map((material) => material.id)).to.deep.equal([...versions].reverse());
      const audit = (await kms.api('GET', `/elastickeys/${id}/audit`)).json as { items: { action: string; actor: { subject: string } }[] };
      expect(audit.items.filter((event) => event.action === 'rotate').map((event) => event.actor.subject)).to.deep.equal(['sm-kms', 'sm-kms']);
    });

    it('autoRotate needs versioningAllowed (400), in the create and the update API', async () => {
      const refused = await kms.api('POST', '/elastickeys', { body: { name: `auto-nover-${engine.title}`, algorithm: 'A256GCM/dir', autoRotate: true, versioningAllowed: false } });
      expect(refused.status).to.equal(400);
      expect(refused.headers['content-type']).to.include('application/problem+json');
      const id = await kms.createKey({ name: `auto-later-${engine.title}`, algorithm: 'A256GCM/dir' });
      const updated = await kms.api('PUT', `/elastickeys/${id}`, { body: { autoRotate: true } });
      expect(updated.status).to.equal(200);
      expect(updated.json).to.include({ autoRotate: true });
      expect((await kms.api('PUT', `/elastickeys/${id}`, { body: { versioningAllowed: false } })).status).to.equal(400);
    });
  });
}

describe('plaintext key buffers are zeroed after use (issue 13 point 13)', () => {
  it('the barrier plaintext of a private JWK is zeroed once the material is parsed', async () => {
    const { barrier } = await unsealedKms();
    const material = await generateKeyMaterial(resolveAlgorithm('ES256'), '01900000-0000-7000-8000-000000000001');
    const sealed = await sealMaterial(barrier, material);
    const handedOut: Uint8Array[] = [];
    const watched = { ...barrier, decrypt: async (ciphertext: Uint8Array, aad: string) => {
      const clear = await barrier.decrypt(ciphertext, aad);
      handedOut.push(clear);
      return clear;
    } };
    const opened = await openMaterial(watched, { id: material.kid, sealedJwk: sealed, publicJwk: material.publicJwk ?? null });
    expect(opened.privateJwk).to.deep.equal(material.privateJwk);
    expect(handedOut).to.have.length(1);
    expect(handedOut.every((clear) => clear.length > 0 && clear.every((octet) => octet === 0))).to.equal(true);
  });

  it('a content key drawn from the random pool for key wrap is zeroed once the JWE is made', () => {
    const spec = resolveSpec('A256GCM/A256KW');
    if (spec.use !== 'enc' || spec.native === undefined) throw new Error('A256GCM/A256KW runs natively');
    const drawn: Buffer[] = [];
    const header = Buffer.from(JSON.stringify({ alg: 'A256KW', enc: 'A256GCM', kid: 'k' })).toString('base64url');
    encryptNative(spec.native, createSecretKey(randomBytes(32)), header, Buffer.from('p'), (count) => { const octets = randomBytes(count); drawn.push(octets); return octets; });
    expect(drawn[0]?.length).to.equal(32);
    expect(drawn[0]?.equals(Buffer.alloc(32))).to.equal(true);
  });
});
