// @ts-nocheck
import { expect } from 'chai';
import { BarrierIntegrityError } from './contract.ts';
import { absorbSnapshot, Keyring, newestRootKey, uuidFromBytes, uuidToBytes } from './keyring.ts';
import { allocateSecret, contentKeyAad, intermediateKeyAad, rootKeyAad, wrapKey } from './wrapping.ts';

const id = (n: number) => `0190a3c4-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const key = (fill: number) => Buffer.alloc(32, fill);

function integrity(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(BarrierIntegrityError);
    return (error as Error).message;
  }
  return 'absorbed';
}

describe('keyring', () => {
  it('converts UUIDs to their 16 bytes and back, in lower case', () => {
    const text = '0190a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d';
    expect(uuidToBytes(text).toString('hex')).to.equal('0190a3c45e6f7a8b9c0d1e2f3a4b5c6d');
    expect(uuidFromBytes(uuidToBytes(text))).to.equal(text);
    expect(uuidFromBytes(uuidToBytes(text.toUpperCase()))).to.equal(text);
    const padded = Buffer.concat([Buffer.of(9), uuidToBytes(text)]);
    expect(uuidFromBytes(padded.subarray(1))).to.equal(text);
  });

  it('starts from its unseal key and one root key, which is the newest', () => {
    const keyring = new Keyring(key(9), id(5), key(1));
    expect(keyring.unsealKey).to.deep.equal(key(9));
    expect(keyring.newestRoot).to.deep.equal({ id: id(5), key: key(1) });
    expect(keyring.rootKey(id(5))).to.deep.equal(key(1));
    expect(keyring.rootKey(id(6))).to.equal(undefined);
  });

  it('tracks the newest root and intermediate key by id, whatever the order they arrive in', () => {
    const keyring = new Keyring(key(9), id(5), key(1));
    keyring.addRootKey(id(3), key(2));
    expect(keyring.newestRoot.id).to.equal(id(5));
    keyring.addRootKey(id(7), key(3));
    expect(keyring.newestRoot).to.deep.equal({ id: id(7), key: key(3) });
    keyring.addIntermediateKey(id(20), id(5), key(4));
    keyring.addIntermediateKey(id(10), id(3), key(5));
    expect(keyring.newestIntermediate.id).to.equal(id(20));
    keyring.addIntermediateKey(id(30), id(7), key(6));
    const newest = keyring.newestIntermediate;
    expect(newest).to.deep.equal({ id: id(30), idBytes: uuidToBytes(id(30)), rootKeyId: id(7), key: key(6), contentKeyAad: contentKeyAad(id(30)) });
    expect(keyring.intermediateKey(id(10))?.rootKeyId).to.equal(id(3));
    expect(keyring.intermediateKey(id(11))).to.equal(undefined);
  });

  it('lets a key added again under the same id replace the old one everywhere', () => {
    const keyring = new Keyring(key(9), id(5), key(1));
    keyring.addRootKey(id(5), key(2));
    expect(keyring.newestRoot).to.deep.equal({ id: id(5), key: key(2) });
    expect(keyring.rootKey(id(5))).to.deep.equal(key(2));
    keyring.addIntermediateKey(id(6), id(5), key(3));
    keyring.addIntermediateKey(id(6), id(5), key(4));
    expect(keyring.newestIntermediate.key).to.deep.equal(key(4));
    expect(keyring.intermediateKey(id(6))?.key).to.deep.equal(key(4));
  });

  it('reports a keyring without intermediate keys as damage to the store', () => {
    const keyring = new Keyring(key(9), id(5), key(1));
    expect(integrity(() => keyring.newestIntermediate)).to.equal('the barrier store holds no intermediate key');
  });

  it('wipes every key it holds to zeros and forgets them', () => {
    const unseal = key(9);
    const roots = [key(1), key(2)];
    const intermediates = [key(3), key(4)];
    const keyring = new Keyring(unseal, id(1), roots[0] ?? key(0));
    keyring.addRootKey(id(2), roots[1] ?? key(0));
    keyring.addIntermediateKey(id(3), id(1), intermediates[0] ?? key(0));
    keyring.addIntermediateKey(id(4), id(2), intermediates[1] ?? key(0));
    keyring.wipe();
    for (const buffer of [unseal, ...roots, ...intermediates]) expect(buffer).to.deep.equal(Buffer.alloc(32));
    expect(keyring.rootKey(id(1))).to.equal(undefined);
    expect(keyring.intermediateKey(id(3))).to.equal(undefined);
    expect(integrity(() => keyring.newestIntermediate)).to.equal('the barrier store holds no intermediate key');
  });

  it('finds the newest stored root key by id', () => {
    expect(newestRootKey([])).to.equal(undefined);
    const keys = [id(2), id(9), id(4)].map((rootId) => ({ id: rootId, wrapped: new Uint8Array(0) }));
    expect(newestRootKey(keys)?.id).to.equal(id(9));
    expect(newestRootKey(keys.slice(0, 1))?.id).to.equal(id(2));
    const tie = { id: id(9), wrapped: Uint8Array.of(1) };
    expect(newestRootKey([...keys, tie])).to.equal(tie);
  });

  describe('absorbing a snapshot', () => {
    const unseal = key(9);
    const rootOne = key(1);
    const rootTwo = key(2);
    const stored = {
      threshold: 3,
      rootKeys: [
        { id: id(1), wrapped: wrapKey(unseal, rootOne, rootKeyAad(id(1))) },
        { id: id(2), wrapped: wrapKey(unseal, rootTwo, rootKeyAad(id(2))) },
      ],
      intermediateKeys: [
        { id: id(11), rootKeyId: id(1), wrapped: wrapKey(rootOne, key(3), intermediateKeyAad(id(11), id(1))) },
        { id: id(12), rootKeyId: id(2), wrapped: wrapKey(rootTwo, key(4), intermediateKeyAad(id(12), id(2))) },
      ],
    };

    it('unwraps every key it does not hold yet and returns the newest intermediate key', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      const newest = absorbSnapshot(keyring, stored, allocateSecret);
      expect(newest.id).to.equal(id(12));
      expect(keyring.rootKey(id(1))).to.deep.equal(rootOne);
      expect(keyring.intermediateKey(id(11))?.key).to.deep.equal(key(3));
      expect(keyring.intermediateKey(id(12))?.key).to.deep.equal(key(4));
    });

    it('keeps the keys it already holds and allocates only for new ones', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      absorbSnapshot(keyring, { ...stored, rootKeys: stored.rootKeys.slice(1), intermediateKeys: stored.intermediateKeys.slice(1) }, allocateSecret);
      const held = keyring.intermediateKey(id(12));
      let allocations = 0;
      absorbSnapshot(keyring, stored, (size) => {
        allocations += 1;
        return Buffer.alloc(size);
      });
      expect(allocations).to.equal(2);
      expect(keyring.intermediateKey(id(12))).to.equal(held);
    });

    it('reports a root key that does not open under the unseal key', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      const damaged = { ...stored, rootKeys: [{ id: id(1), wrapped: stored.rootKeys[1]?.wrapped ?? new Uint8Array(0) }, ...stored.rootKeys.slice(1)] };
      expect(integrity(() => absorbSnapshot(keyring, damaged, allocateSecret))).to.equal(`root key ${id(1)} does not authenticate under the unseal key`);
    });

    it('reports an intermediate key whose root key is missing', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      const orphan = { ...stored, rootKeys: stored.rootKeys.slice(1) };
      expect(integrity(() => absorbSnapshot(keyring, orphan, allocateSecret))).to.equal(`intermediate key ${id(11)} names root key ${id(1)}, which the store does not hold`);
    });

    it('reports an intermediate key that does not open under its root key', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      const moved = { ...stored, intermediateKeys: [{ ...stored.intermediateKeys[0], id: id(11), rootKeyId: id(2), wrapped: stored.intermediateKeys[0]?.wrapped ?? new Uint8Array(0) }] };
      expect(integrity(() => absorbSnapshot(keyring, moved, allocateSecret))).to.equal(`intermediate key ${id(11)} does not authenticate under root key ${id(2)}`);
    });

    it('reports a snapshot without intermediate keys', () => {
      const keyring = new Keyring(Buffer.from(unseal), id(2), Buffer.from(rootTwo));
      expect(integrity(() => absorbSnapshot(keyring, { ...stored, intermediateKeys: [] }, allocateSecret))).to.equal('the barrier store holds no intermediate key');
    });
  });
});
