import { expect } from 'chai';
import { newUnsealShares } from '../template/barrier/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { startSmKms, type Answer, type KmsHarness } from './testing/harness.ts';

interface MaterialKey { id: string }

/** Calls `attempt` every 25 ms until `done` holds; resolves with the milliseconds it took (or fails after 3 s). */
async function millisecondsUntil(attempt: () => Promise<Answer>, done: (answer: Answer) => boolean): Promise<number> {
  const start = performance.now();
  for (;;) {
    const answer = await attempt();
    if (done(answer)) return performance.now() - start;
    if (performance.now() - start > 3000) throw new Error(`still ${answer.status} after 3 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('two sm-kms processes on one PostgreSQL database (issue "sm-kms" point 6)', () => {
  let scratch: Scratch;
  let a: KmsHarness;
  let b: KmsHarness;
  before(async () => {
    scratch = await createPostgresDatabase();
    const shares = await newUnsealShares(5, 3);
    a = await startSmKms({ databaseUrl: scratch.url, shares });
    // The second process rebuilds the unseal key from another subset of the same shares.
    b = await startSmKms({ databaseUrl: scratch.url, shares: shares.slice(2) });
  });
  after(async () => {
    await b.close();
    await a.close();
    await scratch.drop();
  });

  it('a key disabled through one process is refused by the other within one second', async () => {
    const { id } = (await a.api('POST', '/elastickeys', { body: { name: 'shared', algorithm: 'A256GCM/A256KW' } })).json as { id: string };
    const encrypt = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/encrypt`, { body: 'hot' });
    const warm = await encrypt();
    expect(warm.status).to.equal(200);
    expect((await a.api('POST', `/elastickeys/${id}/decrypt`, { body: warm.text, contentType: 'application/jose' })).text).to.equal('hot');
    expect((await a.api('PUT', `/elastickeys/${id}`, { body: { status: 'disabled' } })).status).to.equal(200);
    expect(await millisecondsUntil(encrypt, (answer) => answer.status === 409)).to.be.below(1000);
  });

  it('a material key revoked through one process is refused by the other within one second', async () => {
    const { id } = (await a.api('POST', '/elastickeys', { body: { name: 'revoked', algorithm: 'ES256', revokedMayVerify: false } })).json as { id: string };
    const jws = (await b.api('POST', `/elastickeys/${id}/sign`, { body: 'x' })).text;
    const verify = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/verify`, { body: jws, contentType: 'application/jose' });
    expect((await verify()).status).to.equal(204);
    const sign = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/sign`, { body: 'x' });
    expect((await sign()).status).to.equal(200);
    const [material] = ((await a.api('GET', `/elastickeys/${id}/materialkeys`)).json as { items: MaterialKey[] }).items;
    expect((await a.api('POST', `/elastickeys/${id}/materialkeys/${material?.id ?? ''}/revoke`)).status).to.equal(200);
    const [verifyMs, signMs] = await Promise.all([
      millisecondsUntil(verify, (answer) => answer.status === 409),
      millisecondsUntil(sign, (answer) => answer.status === 409),
    ]);
    expect(verifyMs).to.be.below(1000);
    expect(signMs).to.be.below(1000);
  });
});
