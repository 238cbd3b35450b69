/**
 * jose-ja point 8, remote verifiers across rotations, fast: a JWKS max-age of one second, verified
 * by `jose`'s remote JWKS and by a verifier that caches exactly as long as Cache-Control allows.
 * openid-client refetches a JWKS on an unknown kid at most once a minute whatever the headers say,
 * so it takes the minute-long run of the e2e suite (test/e2e/jose-ja-rotation.e2e.test.ts).
 */
import { expect } from 'chai';
import { startTestService, type ServiceHarness } from '../template/testing/service-harness.ts';
import { newUnsealShares } from '../template/barrier/index.ts';
import { joseJa } from './index.ts';
import { rotateWhileVerifying } from './testing/rotation-run.ts';

describe('jose-ja tokens verified by independent verifiers across rotations (one-second max-age)', function () {
  this.timeout(30_000);
  let harness: ServiceHarness;

  before(async () => {
    const shares = await newUnsealShares(3, 2);
    harness = await startTestService({ barrier: { shares: shares.slice(0, 2), threshold: 2 }, jose: { jwksMaxAgeSeconds: 1 } }, undefined, joseJa);
  });

  after(async () => { await harness.close(); });

  it('three rotations, a token issued and verified every 100 ms by jose and a Cache-Control cache: no failure', async () => {
    const run = await rotateWhileVerifying(harness, { rotations: 3, maxAgeSeconds: 1, verifiers: ['cache-control', 'jose remote JWKS'], pauseMs: 100 });
    expect(run.failures).to.deep.equal([]);
    expect(run.signers, 'a token from every generation of keys').to.equal(3);
    expect(run.refused, 'rotations too early were refused').to.be.greaterThan(0);
    // Each verifier really cached: far fewer JWKS fetches than verifications, and more than one.
    for (const fetches of [run.fetches['cache-control'], run.fetches['jose remote JWKS']]) expect(fetches).to.be.above(1).and.below(run.rounds);
  });
});
