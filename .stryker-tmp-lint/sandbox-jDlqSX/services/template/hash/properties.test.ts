// @ts-nocheck
import { expect } from 'chai';
import fc from 'fast-check';
import { HashError } from './errors.ts';
import { createHashService } from './index.ts';
import type { HashService, RegistryName } from './index.ts';

const NAMES: readonly RegistryName[] = ['lowEntropyRandom', 'lowEntropyDeterministic', 'highEntropyRandom', 'highEntropyDeterministic'];
const ALPHABET = Array.from('$=,-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/.');

// Properties hold for any iteration count, so the smallest ones keep a hundred runs per property fast.
function service(): Promise<HashService> {
  return createHashService({ pepper: 'property-test-pepper-0123456789', pbkdf2Iterations: { 1: 3, 2: 2, 3: 1 } });
}

const input = fc.string({ unit: 'grapheme', minLength: 16, maxLength: 40 });
const version = fc.constantFrom(1, 2, 3);
const registry = fc.constantFrom(...NAMES);

describe('hash properties (fast-check)', () => {
  it('verify(x, hash(x)) holds in every registry and version', async () => {
    const hashes = await service();
    await fc.assert(
      fc.asyncProperty(registry, version, input, async (name, v, x) => {
        expect(await hashes[name].verify(x, await hashes[name].hashWithVersion(x, v))).to.equal(true);
      }),
    );
  });

  it('verify(y, hash(x)) fails for y ≠ x', async () => {
    const hashes = await service();
    await fc.assert(
      fc.asyncProperty(registry, version, input, input, async (name, v, x, y) => {
        fc.pre(x !== y);
        expect(await hashes[name].verify(y, await hashes[name].hashWithVersion(x, v))).to.equal(false);
      }),
    );
  });

  it('changing any one character of the string makes verify false or a HashError', async () => {
    const hashes = await service();
    await fc.assert(
      fc.asyncProperty(registry, version, input, fc.nat(), fc.constantFrom(...ALPHABET), async (name, v, x, position, replacement) => {
        const hashed = await hashes[name].hashWithVersion(x, v);
        const at = position % hashed.length;
        fc.pre(hashed[at] !== replacement);
        const tampered = hashed.slice(0, at) + replacement + hashed.slice(at + 1);
        const outcome = await hashes[name].verify(x, tampered).catch((error: unknown) => error);
        if (outcome !== false) expect(outcome).to.be.instanceOf(HashError);
      }),
      { numRuns: 300 },
    );
  });
});
