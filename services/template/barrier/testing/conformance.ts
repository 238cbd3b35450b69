/**
 * The barrier conformance suite (Vault runs one against every barrier): the same behaviour on
 * every BarrierStore. A target gives a fresh, empty store per test, and `sibling()` a second view
 * of the same data, as another process sharing the database would have.
 */
import { expect } from 'chai';
import { createBarrierWithStore } from '../barrier.ts';
import { BarrierIntegrityError, BarrierSealedError, UnsealError, type Barrier } from '../contract.ts';
import { uuidFromBytes } from '../keyring.ts';
import { newUnsealKey, newUnsealShares } from '../shares.ts';
import { UsageError } from '../../errors/index.ts';
import type { BarrierSnapshot, BarrierStore, InitialKeys, RotatedKeys } from '../store.ts';

export interface ConformanceTarget {
  readonly store: BarrierStore;
  /** The same stored data through another store object (another process). */
  sibling(): BarrierStore;
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The intermediate key id a record names (bytes 1..17). */
export function recordKeyId(record: Uint8Array): string {
  return uuidFromBytes(record.subarray(1, 17));
}

/**
 * Makes two processes meet after their first read, so both see an empty store and both try to
 * initialize: the race the primary key of barrier_state must settle.
 */
export function rendezvous(parties: number): () => Promise<void> {
  let arrived = 0;
  let release = (): void => undefined;
  const everyone = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return everyone;
  };
}

export class RacingStore implements BarrierStore {
  readonly #inner: BarrierStore;
  readonly #meet: () => Promise<void>;
  #first = true;
  readonly outcomes: boolean[];

  constructor(inner: BarrierStore, meet: () => Promise<void>, outcomes: boolean[]) {
    this.#inner = inner;
    this.#meet = meet;
    this.outcomes = outcomes;
  }

  async load(): Promise<BarrierSnapshot | undefined> {
    const snapshot = await this.#inner.load();
    if (this.#first) {
      this.#first = false;
      await this.#meet();
    }
    return snapshot;
  }

  async initialize(keys: InitialKeys): Promise<boolean> {
    const won = await this.#inner.initialize(keys);
    this.outcomes.push(won);
    return won;
  }

  addKeys(keys: RotatedKeys): Promise<void> {
    return this.#inner.addKeys(keys);
  }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

export function describeBarrierConformance(title: string, target: () => Promise<ConformanceTarget>): void {
  describe(`barrier conformance: ${title}`, () => {
    let shares: string[] = [];
    let strangerShares: string[] = [];
    let keyCheck = '';
    let current: ConformanceTarget;

    before(async () => {
      ({ shares, keyCheck } = await newUnsealKey(5, 3));
      strangerShares = await newUnsealShares(5, 3);
    });

    beforeEach(async () => {
      current = await target();
    });

    const unsealed = async (store: BarrierStore = current.store, subset: readonly string[] = shares.slice(0, 3)): Promise<Barrier> => {
      const barrier = createBarrierWithStore(store, 3);
      await barrier.unseal(subset);
      return barrier;
    };

    it('starts sealed and answers encrypt, decrypt and rotate with 503 BarrierSealedError', async () => {
      const barrier = createBarrierWithStore(current.store, 3);
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
      expect(barrier.isSealed()).to.equal(true);
      for (const call of [barrier.encrypt(Buffer.from('x'), 'a'), barrier.decrypt(Buffer.alloc(200), 'a'), barrier.rotate('root')]) {
        const error = await rejectionOf(call);
        expect(error).to.be.instanceOf(BarrierSealedError);
        expect(error).to.include({ status: 503, code: 'service_unavailable' });
      }
      expect(await current.store.load()).to.equal(undefined);
    });

    it('counts shares one at a time and, at the threshold, initializes an empty store in one go', async () => {
      const barrier = createBarrierWithStore(current.store, 3, { keyCheck });
      expect(await barrier.submitShare(shares[4] ?? '')).to.deep.equal({ sealed: true, threshold: 3, progress: 1 });
      expect(await barrier.submitShare(shares[2] ?? '')).to.deep.equal({ sealed: true, threshold: 3, progress: 2 });
      expect(await current.store.load()).to.equal(undefined);
      expect(await barrier.submitShare(shares[0] ?? '')).to.deep.equal({ sealed: false, threshold: 3, progress: 0 });
      expect(barrier.isSealed()).to.equal(false);
      const snapshot = await current.store.load();
      expect(snapshot?.threshold).to.equal(3);
      expect(snapshot?.rootKeys).to.have.length(1);
      expect(snapshot?.intermediateKeys).to.have.length(1);
      const [root] = snapshot?.rootKeys ?? [];
      const [intermediate] = snapshot?.intermediateKeys ?? [];
      expect(root?.wrapped.byteLength).to.equal(60);
      expect(intermediate?.wrapped.byteLength).to.equal(60);
      expect(intermediate?.rootKeyId).to.equal(root?.id);
      expect(root?.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const record = await barrier.encrypt(Buffer.from('secret'), 'table/id/column');
      expect(recordKeyId(record)).to.equal(intermediate?.id);
      expect(text(await barrier.decrypt(record, 'table/id/column'))).to.equal('secret');
    });

    describe('barrier.keyCheck: the first unseal cannot be poisoned (issue 13, point 10)', () => {
      /** A share of no key, at an index none of the custodians' shares has (their indexes are random). */
      const forged = (): string => {
        const taken = new Set(shares.map((share) => Buffer.from(share, 'base64url').readUInt8(32)));
        const index = [200, 201, 202, 203, 204, 205].find((candidate) => !taken.has(candidate)) ?? 206;
        return Buffer.concat([Buffer.alloc(32, 7), Buffer.from([index])]).toString('base64url');
      };

      it('refuses a forged share among the custodians\' at the threshold of an empty store: 400, progress 0, nothing written', async () => {
        const barrier = createBarrierWithStore(current.store, 3, { keyCheck });
        await barrier.submitShare(shares[0] ?? '');
        await barrier.submitShare(shares[1] ?? '');
        const error = await rejectionOf(barrier.submitShare(forged()));
        expect(error).to.be.instanceOf(UnsealError);
        expect(error).to.include({ status: 400, message: 'the shares do not rebuild the unseal key named by barrier.keyCheck' });
        expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
        expect(await current.store.load()).to.equal(undefined);
        expect(await barrier.submitShare(shares[2] ?? '')).to.deep.equal({ sealed: true, threshold: 3, progress: 1 });
        await barrier.unseal(shares.slice(3, 5));
        expect(barrier.isSealed()).to.equal(false);
      });

      it('refuses a whole share list of another key, from configuration too, and writes nothing', async () => {
        const barrier = createBarrierWithStore(current.store, 3, { keyCheck });
        const error = await rejectionOf(barrier.unseal(strangerShares.slice(0, 3)));
        expect(error).to.be.instanceOf(UnsealError);
        expect(error).to.include({ message: 'the shares do not rebuild the unseal key named by barrier.keyCheck' });
        expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
        expect(await current.store.load()).to.equal(undefined);
      });

      it('refuses another key on an initialized store as well, leaving the store as it was', async () => {
        (await unsealed()).seal();
        const before = await current.store.load();
        const barrier = createBarrierWithStore(current.store, 3, { keyCheck });
        const error = await rejectionOf(barrier.unseal(strangerShares.slice(1, 4)));
        expect(error).to.include({ message: 'the shares do not rebuild the unseal key named by barrier.keyCheck' });
        expect(await current.store.load()).to.deep.equal(before);
        await barrier.unseal(shares.slice(1, 4));
        expect(barrier.isSealed()).to.equal(false);
      });

      it('without it, shares given one at a time never initialize an empty store; a configured list still does', async () => {
        const barrier = createBarrierWithStore(current.store, 3);
        await barrier.submitShare(shares[0] ?? '');
        await barrier.submitShare(shares[1] ?? '');
        const error = await rejectionOf(barrier.submitShare(shares[2] ?? ''));
        expect(error).to.be.instanceOf(UnsealError);
        expect(error).to.have.property('message').that.includes('barrier.keyCheck is not configured');
        expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
        expect(await current.store.load()).to.equal(undefined);
        await barrier.unseal(shares.slice(0, 3));
        expect(barrier.isSealed()).to.equal(false);
        barrier.seal();
        // Once initialized, the stored root key decides: shares one at a time unseal again.
        for (const share of shares.slice(2, 5)) await barrier.submitShare(share);
        expect(barrier.isSealed()).to.equal(false);
      });

      it('refuses a malformed key check value when the barrier is made (exit 2)', () => {
        for (const bad of ['', 'kcv1:', `kcv2:${'A'.repeat(43)}`, `kcv1:${'A'.repeat(42)}`, `kcv1:${'A'.repeat(44)}`, `kcv1:${'A'.repeat(42)}=`, ` ${keyCheck}`]) {
          expect(() => createBarrierWithStore(current.store, 3, { keyCheck: bad }), bad).to.throw(UsageError, 'barrier.keyCheck');
        }
        expect(createBarrierWithStore(current.store, 3, { keyCheck }).isSealed()).to.equal(true);
      });
    });

    it('does not count a share given twice', async () => {
      const barrier = createBarrierWithStore(current.store, 3);
      await barrier.submitShare(shares[1] ?? '');
      expect(await barrier.submitShare(shares[1] ?? '')).to.deep.equal({ sealed: true, threshold: 3, progress: 1 });
      await barrier.unseal([shares[1] ?? '', shares[1] ?? '', shares[3] ?? '']);
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 2 });
    });

    it('stays sealed without error on too few shares, and accepts more than the threshold', async () => {
      const barrier = createBarrierWithStore(current.store, 3);
      await barrier.unseal(shares.slice(0, 2));
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 2 });
      const all = createBarrierWithStore(current.store, 3);
      await all.unseal(shares);
      expect(all.status()).to.deep.equal({ sealed: false, threshold: 3, progress: 0 });
      await barrier.submitShare(shares[4] ?? '');
      expect(barrier.isSealed()).to.equal(false);
      const record = await all.encrypt(Buffer.from('both'), 'a');
      expect(text(await barrier.decrypt(record, 'a'))).to.equal('both');
    });

    it('seals, then unseals with another subset of shares: the same keys, records intact', async () => {
      const barrier = await unsealed();
      const record = await barrier.encrypt(Buffer.from('kept'), 'r');
      barrier.seal();
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
      expect(await rejectionOf(barrier.decrypt(record, 'r'))).to.be.instanceOf(BarrierSealedError);
      await barrier.unseal(shares.slice(2, 5));
      expect(text(await barrier.decrypt(record, 'r'))).to.equal('kept');
      expect((await current.store.load())?.rootKeys).to.have.length(1);
    });

    it('refuses shares of another unseal key: UnsealError, progress reset, still sealed, nothing written', async () => {
      await unsealed();
      const before = await current.store.load();
      const barrier = createBarrierWithStore(current.store, 3);
      await barrier.submitShare(strangerShares[0] ?? '');
      await barrier.submitShare(strangerShares[1] ?? '');
      const error = await rejectionOf(barrier.submitShare(strangerShares[2] ?? ''));
      expect(error).to.be.instanceOf(UnsealError);
      expect(error).to.include({ status: 400, code: 'bad_request', message: "the shares do not rebuild this barrier's unseal key" });
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
      expect(await rejectionOf(barrier.unseal(strangerShares.slice(1, 4)))).to.be.instanceOf(UnsealError);
      expect(await current.store.load()).to.deep.equal(before);
      await barrier.unseal(shares.slice(1, 4));
      expect(barrier.isSealed()).to.equal(false);
    });

    it('refuses a mix of shares from two keys as a wrong key', async () => {
      await unsealed();
      const barrier = createBarrierWithStore(current.store, 3);
      const error = await rejectionOf(barrier.unseal([shares[0] ?? '', shares[1] ?? '', strangerShares[2] ?? '']));
      // The stranger's share may share an index with ours (1 in 85): then it is refused as a conflict.
      expect(error).to.be.instanceOf(UnsealError);
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
    });

    it('refuses a threshold other than the one recorded at initialization', async () => {
      await unsealed();
      const barrier = createBarrierWithStore(current.store, 2);
      const error = await rejectionOf(barrier.unseal(shares.slice(0, 3)));
      expect(error).to.be.instanceOf(UnsealError);
      expect(error.message).to.equal('this barrier was initialized with threshold 3, but the configured threshold is 2');
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 2, progress: 0 });
    });

    it('rotates the intermediate key under the same root; old records still decrypt', async () => {
      const barrier = await unsealed();
      const before = await current.store.load();
      const old = await barrier.encrypt(Buffer.from('old'), 'a');
      const rotated = await barrier.rotate('intermediate');
      expect(rotated.rootKeyId).to.equal(before?.rootKeys[0]?.id);
      expect(rotated.intermediateKeyId > (before?.intermediateKeys[0]?.id ?? '')).to.equal(true);
      const fresh = await barrier.encrypt(Buffer.from('new'), 'a');
      expect(recordKeyId(fresh)).to.equal(rotated.intermediateKeyId);
      expect(recordKeyId(old)).to.equal(before?.intermediateKeys[0]?.id);
      expect(text(await barrier.decrypt(old, 'a'))).to.equal('old');
      expect(text(await barrier.decrypt(fresh, 'a'))).to.equal('new');
      const after = await current.store.load();
      expect(after?.rootKeys).to.have.length(1);
      expect(after?.intermediateKeys.map((key) => [key.id, key.rootKeyId])).to.deep.equal([
        [before?.intermediateKeys[0]?.id, rotated.rootKeyId],
        [rotated.intermediateKeyId, rotated.rootKeyId],
      ]);
    });

    it('rotates the root key with a new intermediate key under it; every record survives seal and unseal', async () => {
      const barrier = await unsealed();
      const first = await barrier.encrypt(Buffer.from('first'), 'a');
      const root = await barrier.rotate('root');
      const second = await barrier.encrypt(Buffer.from('second'), 'a');
      const intermediate = await barrier.rotate('intermediate');
      expect(intermediate.rootKeyId).to.equal(root.rootKeyId);
      const third = await barrier.encrypt(Buffer.from('third'), 'a');
      expect(recordKeyId(second)).to.equal(root.intermediateKeyId);
      expect(recordKeyId(third)).to.equal(intermediate.intermediateKeyId);
      const snapshot = await current.store.load();
      expect(snapshot?.rootKeys.map((key) => key.id)).to.include(root.rootKeyId).and.to.have.length(2);
      expect(snapshot?.intermediateKeys).to.have.length(3);
      barrier.seal();
      await barrier.unseal(shares.slice(1, 4));
      expect(recordKeyId(await barrier.encrypt(Buffer.from('x'), 'a'))).to.equal(intermediate.intermediateKeyId);
      for (const [record, expected] of [[first, 'first'], [second, 'second'], [third, 'third']] as const) {
        expect(text(await barrier.decrypt(record, 'a'))).to.equal(expected);
      }
    });

    it('decrypts in another process a record sealed under a key that process has not seen yet', async () => {
      const here = await unsealed();
      const there = await unsealed(current.sibling(), shares.slice(2, 5));
      await here.rotate('root');
      const record = await here.encrypt(Buffer.from('rotated elsewhere'), 'a');
      expect(text(await there.decrypt(record, 'a'))).to.equal('rotated elsewhere');
      await here.rotate('intermediate');
      const records = await Promise.all([here.encrypt(Buffer.from('1'), 'a'), here.encrypt(Buffer.from('2'), 'a')]);
      expect((await Promise.all(records.map((sealed) => there.decrypt(sealed, 'a')))).map(text)).to.deep.equal(['1', '2']);
    });

    it('fails with BarrierIntegrityError after one reload for a key id no store holds', async () => {
      const barrier = await unsealed();
      const record = Buffer.from(await barrier.encrypt(Buffer.from('x'), 'a'));
      record[16] = (record[16] ?? 0) ^ 1;
      const error = await rejectionOf(barrier.decrypt(record, 'a'));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error).to.include({ status: 500, code: 'internal_error' });
      expect(error.message).to.equal(`the record names intermediate key ${recordKeyId(record)}, which this barrier does not hold`);
    });

    it('lets exactly one of two barriers initialize an empty store when they unseal at the same moment', async () => {
      const meet = rendezvous(2);
      const outcomes: boolean[] = [];
      const one = createBarrierWithStore(new RacingStore(current.store, meet, outcomes), 3);
      const two = createBarrierWithStore(new RacingStore(current.sibling(), meet, outcomes), 3);
      await Promise.all([one.unseal(shares.slice(0, 3)), two.unseal(shares.slice(2, 5))]);
      expect(outcomes.sort()).to.deep.equal([false, true]);
      const snapshot = await current.store.load();
      expect(snapshot?.rootKeys).to.have.length(1);
      expect(snapshot?.intermediateKeys).to.have.length(1);
      const fromOne = await one.encrypt(Buffer.from('one'), 'a');
      const fromTwo = await two.encrypt(Buffer.from('two'), 'a');
      expect(recordKeyId(fromOne)).to.equal(recordKeyId(fromTwo));
      expect(text(await two.decrypt(fromOne, 'a'))).to.equal('one');
      expect(text(await one.decrypt(fromTwo, 'a'))).to.equal('two');
    });

    it('refuses the loser of a concurrent initialization whose shares rebuild another key', async () => {
      const meet = rendezvous(2);
      const outcomes: boolean[] = [];
      const one = createBarrierWithStore(new RacingStore(current.store, meet, outcomes), 3);
      const two = createBarrierWithStore(new RacingStore(current.sibling(), meet, outcomes), 3);
      const results = await Promise.allSettled([one.unseal(shares.slice(0, 3)), two.unseal(strangerShares.slice(0, 3))]);
      expect(outcomes.sort()).to.deep.equal([false, true]);
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(refused).to.have.length(1);
      expect(refused[0]?.reason).to.be.instanceOf(UnsealError);
      expect([one.isSealed(), two.isSealed()].sort()).to.deep.equal([false, true]);
      expect((await current.store.load())?.rootKeys).to.have.length(1);
    });
  });
}
