// @ts-nocheck
import { expect } from 'chai';
import { MemoryBarrierStore } from './memory-store.ts';
import { describeBarrierConformance } from './testing/conformance.ts';

describeBarrierConformance('memory store', () => {
  const store = new MemoryBarrierStore();
  return Promise.resolve({ store, sibling: () => store });
});

describe('MemoryBarrierStore', () => {
  const root = { id: '00000000-0000-7000-8000-000000000001', wrapped: Uint8Array.of(1, 2) };
  const intermediate = { id: '00000000-0000-7000-8000-000000000002', rootKeyId: root.id, wrapped: Uint8Array.of(3) };

  it('is empty until initialized, then holds what the first initialization wrote', async () => {
    const store = new MemoryBarrierStore();
    expect(await store.load()).to.equal(undefined);
    expect(await store.initialize({ threshold: 2, rootKey: root, intermediateKey: intermediate })).to.equal(true);
    expect(await store.initialize({ threshold: 4, rootKey: { ...root, id: 'other' }, intermediateKey: intermediate })).to.equal(false);
    expect(await store.load()).to.deep.equal({ threshold: 2, rootKeys: [root], intermediateKeys: [intermediate] });
  });

  it('adds rotated keys, with or without a new root key', async () => {
    const store = new MemoryBarrierStore();
    await store.initialize({ threshold: 2, rootKey: root, intermediateKey: intermediate });
    const root2 = { id: '00000000-0000-7000-8000-000000000003', wrapped: Uint8Array.of(4) };
    const intermediate2 = { id: '00000000-0000-7000-8000-000000000004', rootKeyId: root2.id, wrapped: Uint8Array.of(5) };
    const intermediate3 = { id: '00000000-0000-7000-8000-000000000005', rootKeyId: root2.id, wrapped: Uint8Array.of(6) };
    await store.addKeys({ rootKey: root2, intermediateKey: intermediate2 });
    await store.addKeys({ intermediateKey: intermediate3 });
    expect(await store.load()).to.deep.equal({ threshold: 2, rootKeys: [root, root2], intermediateKeys: [intermediate, intermediate2, intermediate3] });
  });

  it('keeps copies: changing what went in or came out changes nothing stored', async () => {
    const store = new MemoryBarrierStore();
    const wrapped = Uint8Array.of(9, 9);
    const wrappedIntermediate = Uint8Array.of(8);
    await store.initialize({ threshold: 2, rootKey: { id: root.id, wrapped }, intermediateKey: { ...intermediate, wrapped: wrappedIntermediate } });
    wrapped[0] = 0;
    wrappedIntermediate[0] = 0;
    const loaded = await store.load();
    expect(loaded?.rootKeys[0]?.wrapped).to.deep.equal(Uint8Array.of(9, 9));
    expect(loaded?.intermediateKeys[0]?.wrapped).to.deep.equal(Uint8Array.of(8));
    (loaded?.rootKeys[0]?.wrapped ?? new Uint8Array(1))[0] = 7;
    (loaded?.intermediateKeys[0]?.wrapped ?? new Uint8Array(1))[0] = 7;
    const again = await store.load();
    expect(again?.rootKeys[0]?.wrapped).to.deep.equal(Uint8Array.of(9, 9));
    expect(again?.intermediateKeys[0]?.wrapped).to.deep.equal(Uint8Array.of(8));
  });
});
