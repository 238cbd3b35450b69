import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { DEFAULT_LATEST_VERSION, DEFAULT_MAX_QUEUED, HashError, HashRegistry, PRODUCTION_ITERATIONS, createHashService, defaultMaxConcurrent, gateLimits } from './index.ts';
import type { HashServiceOptions } from './index.ts';

async function rejection(options: HashServiceOptions): Promise<string> {
  const outcome = await createHashService(options).then(
    () => 'resolved',
    (error: unknown) => error,
  );
  expect(outcome).to.be.instanceOf(HashError);
  return (outcome as HashError).reason;
}

describe('createHashService', () => {
  it('returns the four registries of DESIGN.md, frozen, each at version 3', async () => {
    const hashes = await createHashService({ pepper: 'index-test-pepper-0123456789' });
    expect(Object.keys(hashes)).to.deep.equal(['lowEntropyRandom', 'lowEntropyDeterministic', 'highEntropyRandom', 'highEntropyDeterministic']);
    expect(Object.isFrozen(hashes)).to.equal(true);
    for (const registry of Object.values(hashes)) {
      expect(registry).to.be.instanceOf(HashRegistry);
      expect(registry.latestVersion).to.equal(DEFAULT_LATEST_VERSION);
    }
    expect(DEFAULT_LATEST_VERSION).to.equal(3);
    expect(PRODUCTION_ITERATIONS[1]).to.equal(600_000);
  });

  it('rejects (never throws synchronously) on a bad pepper, latest version or iteration count', async () => {
    expect(await rejection({ pepper: 'short' })).to.equal('ERR_HASH_PEPPER_INVALID');
    expect(await rejection({ pepper: 'index-test-pepper-0123456789', latestVersions: { highEntropyRandom: 4 } })).to.equal('ERR_HASH_UNKNOWN_VERSION');
    expect(await rejection({ pepper: 'index-test-pepper-0123456789', pbkdf2Iterations: { 2: 0 } })).to.equal('ERR_HASH_PARAMETERS_INVALID');
  });

  it('rejects a gate limit that is not a count', async () => {
    for (const limits of [{ maxConcurrent: -1 }, { maxConcurrent: 1.5 }, { maxQueued: -1 }, { maxQueued: Number.NaN }]) {
      expect(await rejection({ pepper: 'index-test-pepper-0123456789', ...limits })).to.equal('ERR_HASH_PARAMETERS_INVALID');
    }
  });

  it('shares one gate among the four registries, whose state each reports (the metrics read it)', async () => {
    const hashes = await createHashService({ pepper: 'index-test-pepper-0123456789', maxConcurrent: 1, maxQueued: 0 });
    expect(hashes.highEntropyDeterministic.gateState).to.deep.equal({ running: 0, waiting: 0, places: 0, refused: 0 });
    const admission = hashes.lowEntropyRandom.admit();
    expect(() => hashes.lowEntropyDeterministic.admit()).to.throw(HashError);
    expect(hashes.highEntropyRandom.gateState).to.deep.equal({ running: 0, waiting: 0, places: 1, refused: 1 });
    admission.leave();
    expect(hashes.lowEntropyRandom.gateState).to.deep.equal({ running: 0, waiting: 0, places: 0, refused: 1 });
  });
});

describe('hash gate limits (hash.maxConcurrent, hash.maxQueued)', () => {
  it('defaults to cores − 1 at once (at least one) and 256 waiting; 0 concurrent means the default', () => {
    expect(defaultMaxConcurrent()).to.equal(Math.max(1, availableParallelism() - 1));
    expect(gateLimits({})).to.deep.equal({ maxConcurrent: defaultMaxConcurrent(), maxQueued: DEFAULT_MAX_QUEUED });
    expect(gateLimits({ maxConcurrent: 0, maxQueued: 0 })).to.deep.equal({ maxConcurrent: defaultMaxConcurrent(), maxQueued: 0 });
    expect(gateLimits({ maxConcurrent: 3, maxQueued: 7 })).to.deep.equal({ maxConcurrent: 3, maxQueued: 7 });
  });
});
