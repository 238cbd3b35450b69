// @ts-nocheck
import { expect } from 'chai';
import { pino } from 'pino';
import { BadRequestError, UsageError } from '../errors/index.ts';
import { createBarrierWithStore } from './barrier.ts';
import { BarrierIntegrityError, BarrierSealedError, UnsealError, type Barrier, type BarrierKeyKind } from './contract.ts';
import { MemoryBarrierStore } from './memory-store.ts';
import { keyCheckOfShares, newUnsealShares } from './shares.ts';
import type { BarrierSnapshot, BarrierStore, InitialKeys, RotatedKeys } from './store.ts';
import { recordKeyId, rejectionOf } from './testing/conformance.ts';

/** A memory store whose calls tests can count, hold, fail or rewrite. */
class ProbeStore implements BarrierStore {
  readonly inner = new MemoryBarrierStore();
  loads = 0;
  initializations = 0;
  gate: Promise<void> | undefined;
  rewrite: (snapshot: BarrierSnapshot | undefined) => BarrierSnapshot | undefined = (snapshot) => snapshot;
  failure: Error | undefined;
  initializeAnswer: boolean | undefined;

  async load(): Promise<BarrierSnapshot | undefined> {
    this.loads += 1;
    if (this.gate !== undefined) await this.gate;
    if (this.failure !== undefined) throw this.failure;
    return this.rewrite(await this.inner.load());
  }

  async initialize(keys: InitialKeys): Promise<boolean> {
    this.initializations += 1;
    return this.initializeAnswer ?? this.inner.initialize(keys);
  }

  async addKeys(keys: RotatedKeys): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    if (this.failure !== undefined) throw this.failure;
    await this.inner.addKeys(keys);
  }
}

/** Hands out secret buffers and remembers each one, to check what `seal` leaves behind. */
function recordingAllocator() {
  const buffers: Buffer[] = [];
  return {
    buffers,
    allocate: (size: number): Buffer => {
      const buffer = Buffer.alloc(size);
      buffers.push(buffer);
      return buffer;
    },
    zeroed: (from = 0) => buffers.slice(from).every((buffer) => buffer.every((byte) => byte === 0)),
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, lines };
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('barrier (Vault-style, over the memory store)', () => {
  let shares: string[] = [];
  let stranger: string[] = [];

  before(async () => {
    shares = await newUnsealShares(5, 3);
    stranger = await newUnsealShares(3, 3);
  });

  async function unsealedOn(store: BarrierStore, tuning = {}): Promise<Barrier> {
    const barrier = createBarrierWithStore(store, 3, tuning);
    await barrier.unseal(shares.slice(0, 3));
    return barrier;
  }

  describe('errors (contract.ts)', () => {
    it('answers 503 with a Retry-After while sealed, 400 for unseal problems, 500 for integrity failures', async () => {
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
      const sealed = await rejectionOf(barrier.encrypt(Buffer.from('x'), 'a'));
      expect(sealed).to.be.instanceOf(BarrierSealedError);
      expect(sealed).to.deep.include({
        status: 503,
        code: 'service_unavailable',
        title: 'Service Unavailable',
        expose: true,
        message: 'the barrier is sealed; unseal it through POST /admin/v1/unseal',
        headers: { 'Retry-After': '5' },
      });
      const unseal = await rejectionOf(barrier.submitShare('x'));
      expect(unseal).to.deep.include({ status: 400, code: 'bad_request', title: 'Unseal failed', expose: true, name: 'UnsealError' });
      await barrier.unseal(shares.slice(0, 3));
      const integrity = await rejectionOf(barrier.decrypt(Buffer.alloc(10), 'a'));
      expect(integrity).to.deep.include({ status: 500, code: 'internal_error', title: 'Barrier integrity failure', expose: false, name: 'BarrierIntegrityError' });
    });
  });

  describe('threshold', () => {
    for (const threshold of [0, 1, 256, 2.5]) {
      it(`refuses a threshold of ${threshold} with UsageError`, () => {
        expect(() => createBarrierWithStore(new MemoryBarrierStore(), threshold)).to.throw(UsageError, `(got ${threshold})`);
      });
    }

    it('accepts 2 and 255', () => {
      expect(createBarrierWithStore(new MemoryBarrierStore(), 2).status().threshold).to.equal(2);
      expect(createBarrierWithStore(new MemoryBarrierStore(), 255).status().threshold).to.equal(255);
    });
  });

  describe('shares', () => {
    it('refuses a malformed share by position, without counting any share of that call', async () => {
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
      await barrier.submitShare(shares[0] ?? '');
      const error = await rejectionOf(barrier.unseal([shares[1] ?? '', 'not a share', shares[2] ?? '']));
      expect(error).to.be.instanceOf(UnsealError);
      expect(error.message).to.equal('share 2 is not base64url');
      expect(error.message).to.not.include(shares[1]);
      expect(barrier.status().progress).to.equal(1);
      const single = await rejectionOf(barrier.submitShare('AAAA'));
      expect(single.message).to.equal('the share has the wrong length: an unseal share is 44 base64url characters (33 bytes), not 4');
      expect(barrier.status().progress).to.equal(1);
    });

    it('wipes every share of a refused list, and each repeated share, keeping only what counts', async () => {
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3, { allocateSecret: secrets.allocate });
      expect(await rejectionOf(barrier.unseal([shares[0] ?? '', shares[1] ?? '', 'bad']))).to.be.instanceOf(UnsealError);
      expect(secrets.buffers).to.have.length(2);
      expect(secrets.zeroed()).to.equal(true);
      await barrier.unseal([shares[0] ?? '', shares[0] ?? '']);
      await barrier.submitShare(shares[0] ?? '');
      expect(secrets.buffers).to.have.length(5);
      expect(secrets.buffers.filter((buffer) => buffer.some((byte) => byte !== 0))).to.have.length(1);
      const conflicting = Buffer.from(shares[1] ?? '', 'base64url');
      conflicting[0] = (conflicting[0] ?? 0) ^ 1;
      expect(await rejectionOf(barrier.unseal([shares[1] ?? '', conflicting.toString('base64url')]))).to.be.instanceOf(UnsealError);
      expect(secrets.buffers).to.have.length(7);
      expect(secrets.zeroed(5)).to.equal(true);
      expect(barrier.status().progress).to.equal(1);
    });

    it('wipes the spent shares once the key is rebuilt', async () => {
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3, { allocateSecret: secrets.allocate });
      await barrier.unseal(shares.slice(0, 3));
      expect(secrets.zeroed(0)).to.equal(false);
      expect(secrets.buffers.slice(0, 3).every((buffer) => buffer.every((byte) => byte === 0))).to.equal(true);
    });

    it('refuses a share with the index of another but another value, keeping the progress', async () => {
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
      const share = Buffer.from(shares[0] ?? '', 'base64url');
      await barrier.submitShare(share.toString('base64url'));
      share[0] = (share[0] ?? 0) ^ 1;
      const conflicting = share.toString('base64url');
      const message = 'two different shares have the same index: one of them is not a share of this unseal key';
      expect((await rejectionOf(barrier.submitShare(conflicting))).message).to.equal(message);
      expect(barrier.status().progress).to.equal(1);
      const fresh = createBarrierWithStore(new MemoryBarrierStore(), 3);
      expect((await rejectionOf(fresh.unseal([shares[1] ?? '', shares[0] ?? '', conflicting])))).to.be.instanceOf(UnsealError);
      expect(fresh.status().progress).to.equal(0);
    });

    it('ignores shares once unsealed, even malformed ones, and reads nothing', async () => {
      const store = new ProbeStore();
      const barrier = await unsealedOn(store);
      const loads = store.loads;
      expect(await barrier.submitShare('whatever')).to.deep.equal({ sealed: false, threshold: 3, progress: 0 });
      await barrier.unseal(['whatever']);
      await barrier.unseal(stranger);
      expect(store.loads).to.equal(loads);
      expect(barrier.isSealed()).to.equal(false);
    });

    it('serializes shares submitted at the same moment: one initialization, unsealed once', async () => {
      const store = new ProbeStore();
      const barrier = createBarrierWithStore(store, 3, { keyCheck: await keyCheckOfShares(shares.slice(0, 3)) });
      const answers = await Promise.all(shares.slice(0, 4).map((share) => barrier.submitShare(share)));
      expect(answers.map((answer) => answer.progress)).to.deep.equal([1, 2, 0, 0]);
      expect(answers.map((answer) => answer.sealed)).to.deep.equal([true, true, false, false]);
      expect(store.initializations).to.equal(1);
      expect(store.loads).to.equal(1);
    });

    it('keeps serving after a failed attempt: the next shares are judged on their own', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      const barrier = createBarrierWithStore(store, 3);
      const results = await Promise.allSettled([barrier.unseal(stranger), barrier.unseal(shares.slice(2, 5))]);
      expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'fulfilled']);
      expect(barrier.isSealed()).to.equal(false);
    });
  });

  describe('unsealing against the store', () => {
    it('initializes an empty store with the threshold and one root and intermediate key', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      const snapshot = await store.inner.load();
      expect(snapshot?.threshold).to.equal(3);
      expect(snapshot?.intermediateKeys[0]?.rootKeyId).to.equal(snapshot?.rootKeys[0]?.id);
      expect(store.initializations).to.equal(1);
    });

    it('never tries to initialize a store that already is', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      await unsealedOn(store);
      expect(await rejectionOf(createBarrierWithStore(store, 3).unseal(stranger))).to.be.instanceOf(UnsealError);
      expect(store.initializations).to.equal(1);
    });

    it('uses the winner\'s keys after losing an initialization', async () => {
      const store = new ProbeStore();
      const first = await unsealedOn(store);
      const record = await first.encrypt(Buffer.from('from the winner'), 'a');
      let calls = 0;
      store.rewrite = (snapshot) => (calls++ === 0 ? undefined : snapshot);
      const second = await unsealedOn(store);
      expect(store.initializations).to.equal(2);
      expect(text(await second.decrypt(record, 'a'))).to.equal('from the winner');
      expect((await store.inner.load())?.rootKeys).to.have.length(1);
    });

    it('reports a store that refuses the initialization yet holds no barrier', async () => {
      const store = new ProbeStore();
      store.initializeAnswer = false;
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(store, 3, { allocateSecret: secrets.allocate });
      const error = await rejectionOf(barrier.unseal(shares.slice(0, 3)));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error.message).to.equal('the store refused the initialization but holds no barrier');
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
      expect(secrets.zeroed()).to.equal(true);
    });

    it('reports a store without a root key', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      store.rewrite = (snapshot) => snapshot && { ...snapshot, rootKeys: [] };
      const error = await rejectionOf(unsealedOn(store));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error.message).to.equal('the barrier store holds no root key');
    });

    it('reports damage to an older key as an integrity failure, wiping what it had unwrapped', async () => {
      const store = new ProbeStore();
      const barrier = await unsealedOn(store);
      await barrier.rotate('root');
      store.rewrite = (snapshot) => snapshot && { ...snapshot, rootKeys: snapshot.rootKeys.map((key, index) => (index === 0 ? { ...key, wrapped: new Uint8Array(60) } : key)) };
      const secrets = recordingAllocator();
      const again = createBarrierWithStore(store, 3, { allocateSecret: secrets.allocate });
      const error = await rejectionOf(again.unseal(shares.slice(0, 3)));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error.message).to.match(/^root key [0-9a-f-]{36} does not authenticate under the unseal key$/);
      expect(again.isSealed()).to.equal(true);
      expect(secrets.buffers.length).to.be.greaterThan(3);
      expect(secrets.zeroed()).to.equal(true);
    });

    it('refuses a store without intermediate keys at unseal, not at the first encrypt', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      store.rewrite = (snapshot) => snapshot && { ...snapshot, intermediateKeys: [] };
      const error = await rejectionOf(unsealedOn(store));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error.message).to.equal('the barrier store holds no intermediate key');
    });

    it('passes a store failure on, spends the shares and wipes the rebuilt key', async () => {
      const store = new ProbeStore();
      store.failure = new Error('connection refused');
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(store, 3, { allocateSecret: secrets.allocate });
      await barrier.submitShare(shares[0] ?? '');
      expect(secrets.zeroed()).to.equal(false);
      const error = await rejectionOf(barrier.unseal(shares.slice(1, 3)));
      expect(error.message).to.equal('connection refused');
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
      expect(secrets.zeroed()).to.equal(true);
    });

    it('stays sealed when sealed while an unseal was reading the store', async () => {
      const store = new ProbeStore();
      await unsealedOn(store);
      const held = gate();
      store.gate = held.promise;
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(store, 3, { allocateSecret: secrets.allocate });
      const unsealing = barrier.unseal(shares.slice(0, 3));
      await new Promise((resolve) => setImmediate(resolve));
      barrier.seal();
      held.open();
      await unsealing;
      expect(barrier.isSealed()).to.equal(true);
      expect(secrets.buffers.length).to.be.greaterThan(3);
      expect(secrets.zeroed()).to.equal(true);
    });
  });

  describe('seal', () => {
    it('overwrites every key it held with zeros, including shares in progress', async () => {
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3, { allocateSecret: secrets.allocate });
      await barrier.unseal(shares.slice(0, 3));
      await barrier.rotate('root');
      await barrier.rotate('intermediate');
      const record = await barrier.encrypt(Buffer.alloc(1024, 1), 'a');
      expect(text(await barrier.decrypt(record, 'a'))).to.equal(text(Buffer.alloc(1024, 1)));
      const live = secrets.buffers.filter((buffer) => buffer.some((byte) => byte !== 0));
      // unseal key, two root keys, three intermediate keys
      expect(live).to.have.length(6);
      barrier.seal();
      expect(secrets.zeroed()).to.equal(true);
      await barrier.submitShare(shares[3] ?? '');
      expect(secrets.zeroed()).to.equal(false);
      barrier.seal();
      expect(secrets.zeroed()).to.equal(true);
      expect(barrier.status()).to.deep.equal({ sealed: true, threshold: 3, progress: 0 });
    });

    it('wipes each content key as soon as its record is sealed', async () => {
      const secrets = recordingAllocator();
      const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3, { allocateSecret: secrets.allocate });
      await barrier.unseal(shares.slice(0, 3));
      const before = secrets.buffers.length;
      const record = await barrier.encrypt(Buffer.from('x'), 'a');
      await barrier.encrypt(Buffer.from('y'), 'a');
      expect(secrets.buffers.length).to.equal(before + 2);
      expect(secrets.zeroed(before)).to.equal(true);
      expect(text(await barrier.decrypt(record, 'a'))).to.equal('x');
      expect(secrets.buffers.length).to.equal(before + 3);
      expect(secrets.zeroed(before)).to.equal(true);
    });

    it('calls every onSeal listener on every seal, after the keys are gone, until unsubscribed', async () => {
      const barrier = await unsealedOn(new MemoryBarrierStore());
      const calls: string[] = [];
      const stopFirst = barrier.onSeal(() => calls.push(`first ${String(barrier.isSealed())}`));
      barrier.onSeal(() => calls.push('second'));
      barrier.seal();
      barrier.seal();
      stopFirst();
      stopFirst();
      barrier.seal();
      expect(calls).to.deep.equal(['first true', 'second', 'first true', 'second', 'second']);
    });

    it('runs the other listeners when one throws, with no logger too', async () => {
      const barrier = await unsealedOn(new MemoryBarrierStore());
      const calls: string[] = [];
      barrier.onSeal(() => {
        throw new Error('broken cache');
      });
      barrier.onSeal(() => calls.push('ran'));
      expect(() => { barrier.seal(); }).to.not.throw();
      expect(calls).to.deep.equal(['ran']);
    });

    it('runs the other listeners when one throws, and logs that without the error', async () => {
      const { logger, lines } = capturingLogger();
      const barrier = await unsealedOn(new MemoryBarrierStore(), { logger });
      const calls: string[] = [];
      barrier.onSeal(() => {
        throw new Error('key material 0xdeadbeef');
      });
      barrier.onSeal(() => calls.push('ran'));
      expect(() => { barrier.seal(); }).to.not.throw();
      expect(calls).to.deep.equal(['ran']);
      const failure = lines.find((line) => line.level === 50);
      expect(failure).to.deep.include({ component: 'barrier', msg: 'an onSeal listener failed; the other listeners ran' });
      expect(JSON.stringify(lines)).to.not.include('deadbeef');
    });
  });

  describe('encrypt and decrypt', () => {
    it('round-trips empty and large plaintexts and binds each record to its AAD', async () => {
      const barrier = await unsealedOn(new MemoryBarrierStore());
      const empty = await barrier.encrypt(new Uint8Array(0), '');
      expect(empty.length).to.equal(105);
      expect(await barrier.decrypt(empty, '')).to.deep.equal(Buffer.alloc(0));
      const large = Buffer.alloc(1 << 20, 7);
      expect(await barrier.decrypt(await barrier.encrypt(large, 'big'), 'big')).to.deep.equal(large);
      const record = await barrier.encrypt(Buffer.from('x'), 'keys/1/material');
      const error = await rejectionOf(barrier.decrypt(record, 'keys/2/material'));
      expect(error).to.be.instanceOf(BarrierIntegrityError);
      expect(error.message).to.equal('the record does not authenticate: tampered, or sealed with another AAD');
      expect((await rejectionOf(barrier.decrypt(record.subarray(0, 50), 'keys/1/material'))).message).to.equal('the record is truncated: 50 bytes, at least 105 expected');
      expect(text(await barrier.decrypt(await barrier.encrypt(Buffer.from('é'), 'ünïcode'), 'ünïcode'))).to.equal('é');
    });

    it('never repeats a ciphertext for the same plaintext and AAD', async () => {
      const barrier = await unsealedOn(new MemoryBarrierStore());
      const one = await barrier.encrypt(Buffer.from('same'), 'a');
      const two = await barrier.encrypt(Buffer.from('same'), 'a');
      expect(one.subarray(17)).to.not.deep.equal(two.subarray(17));
      expect(one.subarray(0, 17)).to.deep.equal(two.subarray(0, 17));
    });

    it('reads the store once for concurrent records under a key it has not seen', async () => {
      const store = new ProbeStore();
      const here = await unsealedOn(store);
      const there = await unsealedOn(store);
      await here.rotate('intermediate');
      const records = await Promise.all([1, 2, 3].map((n) => here.encrypt(Buffer.from(String(n)), 'a')));
      const loads = store.loads;
      expect((await Promise.all(records.map((record) => there.decrypt(record, 'a')))).map(text)).to.deep.equal(['1', '2', '3']);
      expect(store.loads).to.equal(loads + 1);
      await there.decrypt(records[0] ?? new Uint8Array(0), 'a');
      expect(store.loads).to.equal(loads + 1);
    });

    it('fails an unknown key id when the store answers with nothing, or is sealed meanwhile', async () => {
      const store = new ProbeStore();
      const here = await unsealedOn(store);
      const there = await unsealedOn(store);
      await here.rotate('intermediate');
      const record = await here.encrypt(Buffer.from('x'), 'a');
      store.rewrite = () => undefined;
      expect((await rejectionOf(there.decrypt(record, 'a'))).message).to.equal(`the record names intermediate key ${recordKeyId(record)}, which this barrier does not hold`);
      store.rewrite = (snapshot) => snapshot;
      const held = gate();
      store.gate = held.promise;
      const decrypting = there.decrypt(record, 'a');
      await new Promise((resolve) => setImmediate(resolve));
      there.seal();
      held.open();
      expect(await rejectionOf(decrypting)).to.be.instanceOf(BarrierSealedError);
    });

    it('costs microseconds for 1 KiB (no store access on the hot path)', async () => {
      const store = new ProbeStore();
      const barrier = await unsealedOn(store);
      const loads = store.loads;
      const plaintext = Buffer.alloc(1024, 3);
      const rounds = 2000;
      const started = process.hrtime.bigint();
      for (let round = 0; round < rounds; round += 1) {
        await barrier.decrypt(await barrier.encrypt(plaintext, 'bench'), 'bench');
      }
      const micros = Number(process.hrtime.bigint() - started) / 1000 / rounds;
      expect(micros).to.be.lessThan(1000);
      expect(store.loads).to.equal(loads);
    });
  });

  describe('rotate', () => {
    it('refuses a kind other than root or intermediate with 400', async () => {
      const barrier = await unsealedOn(new MemoryBarrierStore());
      const error = await rejectionOf(barrier.rotate('unseal' as BarrierKeyKind));
      expect(error).to.be.instanceOf(BadRequestError);
      expect(error).to.include({ status: 400, message: 'the barrier rotates root or intermediate keys only' });
    });

    it('passes a store failure on, keeps encrypting under the old key and wipes the new ones', async () => {
      const store = new ProbeStore();
      const secrets = recordingAllocator();
      const barrier = await unsealedOn(store, { allocateSecret: secrets.allocate });
      const before = recordKeyId(await barrier.encrypt(Buffer.from('x'), 'a'));
      const count = secrets.buffers.length;
      store.failure = new Error('disk full');
      for (const kind of ['root', 'intermediate'] as const) {
        expect((await rejectionOf(barrier.rotate(kind))).message).to.equal('disk full');
      }
      expect(secrets.buffers.length).to.equal(count + 3);
      expect(secrets.zeroed(count)).to.equal(true);
      // unseal key, root key, intermediate key: the keys in use are untouched
      expect(secrets.buffers.filter((buffer) => buffer.some((byte) => byte !== 0))).to.have.length(3);
      store.failure = undefined;
      expect(recordKeyId(await barrier.encrypt(Buffer.from('x'), 'a'))).to.equal(before);
    });

    it('stores but does not keep keys of a rotation that a seal overtook', async () => {
      const store = new ProbeStore();
      const secrets = recordingAllocator();
      const barrier = await unsealedOn(store, { allocateSecret: secrets.allocate });
      for (const kind of ['root', 'intermediate'] as const) {
        const held = gate();
        store.gate = held.promise;
        const rotating = barrier.rotate(kind);
        await new Promise((resolve) => setImmediate(resolve));
        barrier.seal();
        held.open();
        expect(await rejectionOf(rotating)).to.be.instanceOf(BarrierSealedError);
        expect(secrets.zeroed()).to.equal(true);
        store.gate = undefined;
        await barrier.unseal(shares.slice(0, 3));
      }
      expect((await store.inner.load())?.intermediateKeys).to.have.length(3);
    });
  });

  describe('logging', () => {
    it('logs initialization, unseal, rotation and seal with key ids and never a key or a share', async () => {
      const { logger, lines } = capturingLogger();
      const store = new MemoryBarrierStore();
      const barrier = await unsealedOn(store, { logger });
      const rotated = await barrier.rotate('root');
      barrier.seal();
      const snapshot = await store.load();
      const events = lines.map(({ msg, component }) => [component, msg]);
      expect(events).to.deep.equal([
        ['barrier', 'barrier initialized'],
        ['barrier', 'barrier unsealed'],
        ['barrier', 'barrier key rotated'],
        ['barrier', 'barrier sealed'],
      ]);
      expect(lines[0]).to.deep.include({ threshold: 3, rootKeyId: snapshot?.rootKeys[0]?.id });
      expect(lines[1]).to.deep.include({ rootKeyId: snapshot?.rootKeys[0]?.id, intermediateKeyId: snapshot?.intermediateKeys[0]?.id });
      expect(lines[2]).to.deep.include({ kind: 'root', rootKeyId: rotated.rootKeyId, intermediateKeyId: rotated.intermediateKeyId });
      const all = JSON.stringify(lines);
      for (const share of shares) expect(all).to.not.include(share);
    });
  });
});
