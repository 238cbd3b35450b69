/**
 * jose-ja point 8 at production pace: openid-client verifies ID tokens signed by a rotating key set
 * through its own JWKS handling, next to `jose` and a Cache-Control cache. openid-client keeps a JWKS
 * and refetches it on an unknown kid only once its copy is a minute old, so a key must be published
 * at least a minute before it signs: with jose.jwksMaxAgeSeconds at 60 the service refuses earlier
 * rotations, and three rotations take a little over three minutes.
 */
import { expect } from 'chai';
import { startTestService, type ServiceHarness } from '../../services/template/testing/service-harness.ts';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { joseJa } from '../../services/jose-ja/index.ts';
import { rotateWhileVerifying } from '../../services/jose-ja/testing/rotation-run.ts';

const MAX_AGE_SECONDS = 60;

describe('jose-ja tokens verified by openid-client, jose and a Cache-Control cache across three rotations (60 s max-age)', function () {
  this.timeout(400_000);
  let harness: ServiceHarness;

  before(async () => {
    const shares = await newUnsealShares(3, 2);
    harness = await startTestService({ barrier: { shares: shares.slice(0, 2), threshold: 2 }, jose: { jwksMaxAgeSeconds: MAX_AGE_SECONDS } }, undefined, joseJa);
  });

  after(async () => { await harness.close(); });

  it('no verification fails, and every verifier fetched the JWKS only as often as its cache allowed', async () => {
    const run = await rotateWhileVerifying(harness, { rotations: 3, maxAgeSeconds: MAX_AGE_SECONDS, verifiers: ['openid-client', 'jose remote JWKS', 'cache-control'], pauseMs: 1000 });
    expect(run.failures).to.deep.equal([]);
    expect(run.signers).to.equal(3);
    expect(run.refused).to.be.greaterThan(100);
    for (const fetches of Object.values(run.fetches)) expect(fetches).to.be.at.least(1).and.below(run.rounds / 10);
  });
});
