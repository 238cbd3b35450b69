import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newUnsealShares } from '../template/barrier/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { REVALIDATE_MS } from './cache.ts';
import { startJoseJa, type JaHarness } from './testing/harness.ts';

interface KeySetBody { keys: { kid: string; status: string }[] }

const DECLARED = [
  { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
  { name: 'secrets', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 30, pairedWith: 'tokens' },
];

const adminPath = '/admin/v1';

/** Sends three shares to the replica's admin listener, as an operator does. */
async function unsealThroughAdmin(replica: JaHarness): Promise<void> {
  const token = (await readFile(join(replica.harness.dataDir, 'admin.token'), 'utf8')).trim();
  for (const share of replica.shares.slice(0, 3)) {
    const answer = await replica.harness.call('POST', `${replica.harness.service.adminUrl}${adminPath}/unseal`, { token, body: { share } });
    expect(answer.status, answer.text).to.equal(200);
  }
}

describe('two jose-ja replicas on one PostgreSQL database', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let a: JaHarness;
  let b: JaHarness;

  before(async () => {
    scratch = await createPostgresDatabase();
    const shares = await newUnsealShares(5, 3);
    const jose = { jwksMaxAgeSeconds: 2, keySets: DECLARED };
    // Both start sealed: the declared sets are made by the two at once, when both are unsealed together.
    a = await startJoseJa({ databaseUrl: scratch.url, shares, jose, sealed: true });
    b = await startJoseJa({ databaseUrl: scratch.url, shares, jose, sealed: true });
  });
  after(async () => {
    await b.close();
    await a.close();
    await scratch.drop();
  });

  it('answers 503 and is not ready while sealed, the JWKS included', async () => {
    for (const replica of [a, b]) {
      expect((await replica.open('GET', '/jwks/tokens/.well-known/jwks.json')).status).to.equal(503);
      expect((await replica.api('GET', '/jwks')).status).to.equal(503);
      expect((await replica.harness.call('GET', `${replica.harness.service.adminUrl}${adminPath}/readyz`)).status).to.equal(503);
    }
  });

  it('unsealed at once, both serve the declared sets, made once each with one active key', async () => {
    await Promise.all([a, b].map((replica) => unsealThroughAdmin(replica)));
    for (const replica of [a, b]) {
      const ready = await replica.harness.call('GET', `${replica.harness.service.adminUrl}${adminPath}/readyz`);
      expect(ready.status, ready.text).to.equal(200);
    }
    const [fromA, fromB] = await Promise.all([a.open('GET', '/jwks/secrets/.well-known/jwks.json'), b.open('GET', '/jwks/tokens/.well-known/jwks.json')]);
    expect([fromA.status, fromB.status]).to.deep.equal([200, 200]);
    for (const name of ['tokens', 'secrets']) {
      const [setA, setB] = await Promise.all([a.api('GET', `/jwks/${name}`), b.api('GET', `/jwks/${name}`)]);
      // The issuer was fixed by the replica that made the set; only the JWKS URL names each replica's listener.
      const [sameA, sameB] = [setA.json, setB.json].map((json) => ({ ...(json as Record<string, unknown>), jwksUrl: undefined }));
      expect(sameA).to.deep.equal(sameB);
      expect((setA.json as KeySetBody).keys.map((key) => key.status)).to.deep.equal(['active', 'next']);
      const audit = (await a.api('GET', `/jwks/${name}/audit`)).json as { items: { action: string; actor: { subject: string } }[] };
      expect(audit.items.map((item) => [item.action, item.actor.subject])).to.deep.equal([['create', 'jose-ja']]);
    }
  });

  it('concurrent rotate requests through both replicas: exactly one 200, the rest 409, one active key', async () => {
    a.advance(2000);
    b.advance(2000);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? a : b).api('POST', '/jwks/tokens/rotate')));
    expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 409, 409, 409, 409, 409]);
    const set = (await b.api('GET', '/jwks/tokens')).json as KeySetBody;
    expect(set.keys.map((key) => key.status)).to.deep.equal(['active', 'next', 'retired']);
  });

  it('a rotation through one replica reaches the other\'s JWKS within REVALIDATE_MS of its clock', async () => {
    const before = await b.open('GET', '/jwks/secrets/.well-known/jwks.json');
    const rotated = await a.api('POST', '/jwks/secrets/rotate', { body: { immediate: true } });
    expect(rotated.status).to.equal(200);
    expect((await b.open('GET', '/jwks/secrets/.well-known/jwks.json')).text).to.equal(before.text);
    b.advance(REVALIDATE_MS);
    const after = await b.open('GET', '/jwks/secrets/.well-known/jwks.json');
    expect((after.json as { keys: { kid: string }[] }).keys.map((key) => key.kid)).to.deep.equal((rotated.json as KeySetBody).keys.map((key) => key.kid));
  });
});
