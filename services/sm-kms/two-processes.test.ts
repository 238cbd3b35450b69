import { expect } from 'chai';
import { newUnsealShares } from '../template/barrier/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { startSmKms, type Answer, type KmsHarness } from './testing/harness.ts';

interface MaterialKey { id: string }

/** The promise: another process's disable or revoke is refused within one second. */
const PROMISE_MS = 1000;

describe('two sm-kms processes on one PostgreSQL database (issue "sm-kms" point 6)', () => {
  let scratch: Scratch;
  let a: KmsHarness;
  let b: KmsHarness;
  // b's clock stands still unless a test moves it: what b serves depends on its cache's age, never on how busy the machine is.
  let bNow = Date.now();
  before(async () => {
    scratch = await createPostgresDatabase();
    const shares = await newUnsealShares(5, 3);
    a = await startSmKms({ databaseUrl: scratch.url, shares });
    // The second process rebuilds the unseal key from another subset of the same shares.
    b = await startSmKms({ databaseUrl: scratch.url, shares: shares.slice(2), now: () => bNow });
  });
  after(async () => {
    await b.close();
    await a.close();
    await scratch.drop();
  });

  it('a key disabled through one process is refused by the other within one second of its clock', async () => {
    const { id } = (await a.api('POST', '/elastickeys', { body: { name: 'shared', algorithm: 'A256GCM/A256KW' } })).json as { id: string };
    const encrypt = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/encrypt`, { body: 'hot' });
    const warm = await encrypt();
    expect(warm.status).to.equal(200);
    expect((await a.api('POST', `/elastickeys/${id}/decrypt`, { body: warm.text, contentType: 'application/jose' })).text).to.equal('hot');
    expect((await a.api('PUT', `/elastickeys/${id}`, { body: { status: 'disabled' } })).status).to.equal(200);
    // Until b's clock moves, b answers from its snapshot: the clock, not a wait, decides what follows.
    expect((await encrypt()).status).to.equal(200);
    bNow += PROMISE_MS;
    expect((await encrypt()).status).to.equal(409);
  });

  it('a material key revoked through one process is refused by the other within one second of its clock', async () => {
    const { id } = (await a.api('POST', '/elastickeys', { body: { name: 'revoked', algorithm: 'ES256', revokedMayVerify: false } })).json as { id: string };
    const jws = (await b.api('POST', `/elastickeys/${id}/sign`, { body: 'x' })).text;
    const verify = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/verify`, { body: jws, contentType: 'application/jose' });
    expect((await verify()).status).to.equal(204);
    const sign = (): Promise<Answer> => b.api('POST', `/elastickeys/${id}/sign`, { body: 'x' });
    expect((await sign()).status).to.equal(200);
    const [material] = ((await a.api('GET', `/elastickeys/${id}/materialkeys`)).json as { items: MaterialKey[] }).items;
    expect((await a.api('POST', `/elastickeys/${id}/materialkeys/${material?.id ?? ''}/revoke`)).status).to.equal(200);
    expect([(await verify()).status, (await sign()).status]).to.deep.equal([204, 200]);
    bNow += PROMISE_MS;
    expect([(await verify()).status, (await sign()).status]).to.deep.equal([409, 409]);
  });
});
