// @ts-nocheck
import { createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { expect } from 'chai';
import { HashError } from './errors.ts';
import { encodeHash, parseHash } from './format.ts';
import { createHashService } from './index.ts';
import type { HashService, HashServiceOptions } from './index.ts';
import type { RegistryName } from './registries.ts';
import type { HashVersion, Sha2 } from './versions.ts';

const PEPPER = 'registry-test-pepper-0123456789';
// Small counts keep these tests fast; the production figures are proven in their own tests below.
const FAST = { 1: 1_000, 2: 2_000, 3: 3_000 } as const;
const HASHES: Readonly<Record<HashVersion, Sha2>> = { 1: 'sha256', 2: 'sha384', 3: 'sha512' };
const LENGTHS: Readonly<Record<HashVersion, number>> = { 1: 32, 2: 48, 3: 64 };
const VERSIONS: readonly HashVersion[] = [1, 2, 3];
const INPUT = 'a-high-entropy-token-of-32-bytes';

function service(options: Partial<HashServiceOptions> = {}): Promise<HashService> {
  return createHashService({ pepper: PEPPER, pbkdf2Iterations: FAST, ...options });
}

function pepperSalt(registry: string, version: HashVersion, pepper = PEPPER): Buffer {
  return createHmac(HASHES[version], pepper).update(`cryptoutil/hash/${registry}/v${String(version)}`).digest();
}

// What each registry must compute, written independently of the module with node:crypto's sync calls.
const EXPECTED: Readonly<Record<RegistryName, (input: string, version: HashVersion, salt: Buffer, iterations: number) => Buffer>> = {
  lowEntropyRandom: (input, version, salt, iterations) => pbkdf2Sync(input, salt, iterations, LENGTHS[version], HASHES[version]),
  lowEntropyDeterministic: (input, version, _salt, iterations) =>
    pbkdf2Sync(input, pepperSalt('low-entropy-deterministic', version), iterations, LENGTHS[version], HASHES[version]),
  highEntropyRandom: (input, version, salt) =>
    Buffer.from(hkdfSync(HASHES[version], input, salt, 'cryptoutil/hash/high-entropy-random', LENGTHS[version])),
  highEntropyDeterministic: (input, version) =>
    Buffer.from(hkdfSync(HASHES[version], input, pepperSalt('high-entropy-deterministic', version), 'cryptoutil/hash/high-entropy-deterministic', LENGTHS[version])),
};

const SHAPES: Readonly<Record<RegistryName, (version: HashVersion) => RegExp>> = {
  lowEntropyRandom: (v) => new RegExp(`^\\$low-entropy-random\\$v=${v}\\$pbkdf2-${HASHES[v]}\\$i=${FAST[v]}\\$[\\w-]{43}\\$[\\w-]+$`),
  lowEntropyDeterministic: (v) => new RegExp(`^\\$low-entropy-deterministic\\$v=${v}\\$pbkdf2-${HASHES[v]}\\$i=${FAST[v]},p=1\\$\\$[\\w-]+$`),
  highEntropyRandom: (v) => new RegExp(`^\\$high-entropy-random\\$v=${v}\\$hkdf-${HASHES[v]}\\$\\$[\\w-]{43}\\$[\\w-]+$`),
  highEntropyDeterministic: (v) => new RegExp(`^\\$high-entropy-deterministic\\$v=${v}\\$hkdf-${HASHES[v]}\\$p=1\\$\\$[\\w-]+$`),
};

const NAMES = Object.keys(SHAPES) as RegistryName[];

async function failure(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(HashError);
    return `${(error as HashError).reason} ${(error as HashError).message}`;
  }
  return 'no error';
}

describe('hash registries', () => {
  for (const name of NAMES) {
    for (const version of VERSIONS) {
      it(`${name} v${version} writes the documented string and the digest an independent derivation gives`, async () => {
        const registry = (await service())[name];
        const hashed = await registry.hashWithVersion(INPUT, version);
        expect(hashed).to.match(SHAPES[name](version));
        const fields = parseHash(hashed);
        expect(fields.digest).to.deep.equal(EXPECTED[name](INPUT, version, fields.salt, FAST[version]));
        expect(await registry.verify(INPUT, hashed)).to.equal(true);
        expect(await registry.verify(`${INPUT}!`, hashed)).to.equal(false);
      });
    }
  }

  for (const version of VERSIONS) {
    it(`lowEntropyRandom v${version} uses the production iterations unless told otherwise`, async () => {
      const registry = (await createHashService({ pepper: PEPPER })).lowEntropyRandom;
      const production = { 1: 600_000, 2: 220_000, 3: 220_000 }[version];
      const hashed = await registry.hashWithVersion('correct horse', version);
      expect(hashed).to.include(`$i=${production}$`);
      const fields = parseHash(hashed);
      expect(fields.digest).to.deep.equal(pbkdf2Sync('correct horse', fields.salt, production, LENGTHS[version], HASHES[version]));
      expect(await registry.needsRehash(hashed)).to.equal(version !== 3);
    });
  }

  it('hashWithLatest uses version 3 unless another latest version is configured', async () => {
    expect((await service()).highEntropyRandom.latestVersion).to.equal(3);
    expect(await (await service()).lowEntropyRandom.hashWithLatest('pw')).to.match(SHAPES.lowEntropyRandom(3));
    const pinned = await service({ latestVersions: { lowEntropyRandom: 1 } });
    expect(pinned.lowEntropyRandom.latestVersion).to.equal(1);
    expect(pinned.lowEntropyDeterministic.latestVersion).to.equal(3);
    expect(await pinned.lowEntropyRandom.hashWithLatest('pw')).to.match(SHAPES.lowEntropyRandom(1));
  });

  it('random registries salt every hash afresh; deterministic ones give look-up keys', async () => {
    const hashes = await service();
    const random = [await hashes.lowEntropyRandom.hashWithLatest('pw'), await hashes.lowEntropyRandom.hashWithLatest('pw')];
    expect(random[0]).not.to.equal(random[1]);
    expect(await hashes.highEntropyRandom.hashWithLatest(INPUT)).not.to.equal(await hashes.highEntropyRandom.hashWithLatest(INPUT));
    expect(await hashes.lowEntropyDeterministic.hashWithLatest('pw')).to.equal(await hashes.lowEntropyDeterministic.hashWithLatest('pw'));
    const again = await service();
    expect(await again.highEntropyDeterministic.hashWithLatest(INPUT)).to.equal(await hashes.highEntropyDeterministic.hashWithLatest(INPUT));
  });

  it('deterministic digests depend on the pepper', async () => {
    const other = await service({ pepper: `${PEPPER}-other` });
    const mine = await service();
    expect(await other.lowEntropyDeterministic.hashWithLatest('pw')).not.to.equal(await mine.lowEntropyDeterministic.hashWithLatest('pw'));
    expect(await other.highEntropyDeterministic.hashWithLatest(INPUT)).not.to.equal(await mine.highEntropyDeterministic.hashWithLatest(INPUT));
  });

  it('high-entropy registries refuse inputs shorter than 16 bytes; low-entropy ones refuse only empty input', async () => {
    const hashes = await service();
    const tooShort = 'ERR_HASH_INPUT_TOO_SHORT input is too short for this registry';
    for (const name of ['highEntropyRandom', 'highEntropyDeterministic'] as const) {
      expect(await failure(() => hashes[name].hashWithLatest('x'.repeat(15)))).to.equal(tooShort);
      const hashed = await hashes[name].hashWithLatest('x'.repeat(16));
      expect(await hashes[name].verify('x'.repeat(16), hashed)).to.equal(true);
      expect(await hashes[name].verify('x'.repeat(15), hashed)).to.equal(false);
    }
    for (const name of ['lowEntropyRandom', 'lowEntropyDeterministic'] as const) {
      expect(await failure(() => hashes[name].hashWithLatest(''))).to.equal(tooShort);
      const hashed = await hashes[name].hashWithLatest('x');
      expect(await hashes[name].verify('x', hashed)).to.equal(true);
      expect(await hashes[name].verify('', hashed)).to.equal(false);
    }
  });

  it('refuses to hash with a version that does not exist', async () => {
    const hashes = await service();
    expect(await failure(() => hashes.lowEntropyRandom.hashWithVersion('pw', 4))).to.equal('ERR_HASH_UNKNOWN_VERSION unknown hash version: v4');
  });

  describe('algorithm agility', () => {
    it('verifies with the parameters in the string and asks for a rehash when the table has moved on', async () => {
      const old = await service();
      const raised = await service({ pbkdf2Iterations: { 1: 1_500, 2: 2_000, 3: 3_500 } });
      for (const name of ['lowEntropyRandom', 'lowEntropyDeterministic'] as const) {
        const v3 = await old[name].hashWithVersion('pw', 3);
        expect(await raised[name].verify('pw', v3)).to.equal(true);
        expect(await raised[name].needsRehash(v3)).to.equal(true);
        expect(await old[name].needsRehash(v3)).to.equal(false);
      }
    });

    it('asks for a rehash of older versions and not of the latest, in every registry', async () => {
      const hashes = await service();
      for (const name of NAMES) {
        expect(await hashes[name].needsRehash(await hashes[name].hashWithVersion(INPUT, 3))).to.equal(false);
        expect(await hashes[name].needsRehash(await hashes[name].hashWithVersion(INPUT, 2))).to.equal(true);
        expect(await hashes[name].needsRehash(await hashes[name].hashWithVersion(INPUT, 1))).to.equal(true);
      }
    });

    it('rotates the pepper: old hashes verify with the old pepper and ask for a rehash', async () => {
      const before = await service();
      const during = await service({ pepper: [{ version: 1, secret: PEPPER }, { version: 2, secret: `${PEPPER}-next`, current: true }] });
      const after = await service({ pepper: [{ version: 2, secret: `${PEPPER}-next`, current: true }] });
      for (const [name, input] of [['lowEntropyDeterministic', 'pw'], ['highEntropyDeterministic', INPUT]] as const) {
        const old = await before[name].hashWithLatest(input);
        expect(await during[name].verify(input, old)).to.equal(true);
        expect(await during[name].needsRehash(old)).to.equal(true);
        const rehashed = await during[name].hashWithLatest(input);
        expect(rehashed).to.include('p=2$');
        expect(await during[name].needsRehash(rehashed)).to.equal(false);
        expect(await after[name].verify(input, rehashed)).to.equal(true);
        expect(await failure(() => after[name].verify(input, old))).to.equal(
          'ERR_HASH_UNKNOWN_PEPPER hash string names a pepper version that is not configured: pepper v1',
        );
      }
    });
  });

  describe('strings it did not write', () => {
    async function sample(name: RegistryName): Promise<string> {
      return (await service())[name].hashWithVersion(INPUT, 2);
    }

    it('refuses a hash of another registry', async () => {
      const hashes = await service();
      const other = await sample('highEntropyRandom');
      expect(await failure(() => hashes.lowEntropyRandom.verify(INPUT, other))).to.equal(
        'ERR_HASH_WRONG_REGISTRY hash string belongs to another registry',
      );
      expect(await failure(() => hashes.lowEntropyRandom.needsRehash(other))).to.match(/^ERR_HASH_WRONG_REGISTRY/);
    });

    it('refuses an unknown registry and an unknown version', async () => {
      const hashes = await service();
      const fields = parseHash(await sample('lowEntropyRandom'));
      expect(await failure(() => hashes.lowEntropyRandom.verify(INPUT, encodeHash({ ...fields, registry: 'medium-entropy' })))).to.equal(
        'ERR_HASH_UNKNOWN_REGISTRY hash string names an unknown registry',
      );
      expect(await failure(() => hashes.lowEntropyRandom.verify(INPUT, encodeHash({ ...fields, registry: 'to-string' })))).to.match(
        /^ERR_HASH_UNKNOWN_REGISTRY/,
      );
      expect(await failure(() => hashes.lowEntropyRandom.verify(INPUT, encodeHash({ ...fields, version: 4 })))).to.equal(
        'ERR_HASH_UNKNOWN_VERSION unknown hash version: v4',
      );
    });

    const changes: readonly (readonly [string, RegistryName, (fields: ReturnType<typeof parseHash>) => ReturnType<typeof parseHash>])[] = [
      ['an algorithm that is not the version’s', 'lowEntropyRandom', (f) => ({ ...f, algorithm: 'pbkdf2-sha512' })],
      ['the KDF of another registry', 'highEntropyRandom', (f) => ({ ...f, algorithm: 'pbkdf2-sha384' })],
      ['a missing parameter', 'lowEntropyDeterministic', (f) => ({ ...f, parameters: [['i', 2_000]] })],
      ['parameters out of order', 'lowEntropyDeterministic', (f) => ({ ...f, parameters: [['p', 1], ['i', 2_000]] })],
      ['an unexpected parameter', 'highEntropyRandom', (f) => ({ ...f, parameters: [['i', 2_000]] })],
      ['a short salt', 'lowEntropyRandom', (f) => ({ ...f, salt: f.salt.subarray(1) })],
      ['a salt where the pepper gives it', 'highEntropyDeterministic', (f) => ({ ...f, salt: Buffer.alloc(32) })],
      ['a short digest', 'lowEntropyRandom', (f) => ({ ...f, digest: f.digest.subarray(1) })],
      ['a long digest', 'highEntropyRandom', (f) => ({ ...f, digest: Buffer.concat([f.digest, f.digest]) })],
    ];
    for (const [what, name, change] of changes) {
      it(`refuses ${what} as malformed`, async () => {
        const hashes = await service();
        const forged = encodeHash(change(parseHash(await sample(name))));
        const expected = `ERR_HASH_MALFORMED hash string is malformed: not a ${parseHash(forged).registry} v2 hash`;
        expect(await failure(() => hashes[name].verify(INPUT, forged))).to.equal(expected);
        expect(await failure(() => hashes[name].needsRehash(forged))).to.equal(expected);
      });
    }

    it('refuses text that is no hash string at all, from verify and needsRehash alike', async () => {
      const hashes = await service();
      expect(await failure(() => hashes.lowEntropyRandom.verify('pw', 'pw'))).to.equal('ERR_HASH_MALFORMED hash string is malformed');
      expect(await failure(() => hashes.lowEntropyRandom.needsRehash(''))).to.equal('ERR_HASH_MALFORMED hash string is malformed');
    });
  });
});
