// @ts-nocheck
import { expect } from 'chai';
import { open } from './gcm.ts';
import { allocateSecret, contentKeyAad, intermediateKeyAad, rootKeyAad, unwrapKey, wrapKey, WRAPPED_KEY_BYTES } from './wrapping.ts';

const ROOT = '0190a3c4-0000-7000-8000-000000000001';
const INTERMEDIATE = '0190a3c4-0000-7000-8000-000000000002';

describe('key wrapping and AAD bindings (docs/barrier.md)', () => {
  const parent = Buffer.alloc(32, 0x11);
  const key = Buffer.alloc(32, 0x22);

  it('binds each key to its id and its parent with versioned ASCII labels', () => {
    expect(rootKeyAad(ROOT).toString('latin1')).to.equal(`cryptoutil/barrier/v1/root-key/${ROOT}`);
    expect(intermediateKeyAad(INTERMEDIATE, ROOT).toString('latin1')).to.equal(`cryptoutil/barrier/v1/intermediate-key/${INTERMEDIATE}/root-key/${ROOT}`);
    expect(contentKeyAad(INTERMEDIATE).toString('latin1')).to.equal(`cryptoutil/barrier/v1/content-key/intermediate-key/${INTERMEDIATE}`);
  });

  it('wraps a 32-byte key into 60 bytes that open under the same parent and AAD', () => {
    expect(WRAPPED_KEY_BYTES).to.equal(60);
    const wrapped = wrapKey(parent, key, rootKeyAad(ROOT));
    expect(wrapped.length).to.equal(60);
    expect(open(parent, wrapped, rootKeyAad(ROOT))).to.deep.equal(key);
    expect(unwrapKey(parent, wrapped, rootKeyAad(ROOT), allocateSecret)).to.deep.equal(key);
  });

  it('unwraps into memory from the allocator and wipes the copy it decrypted into', () => {
    const wrapped = wrapKey(parent, key, rootKeyAad(ROOT));
    const given: Buffer[] = [];
    const unwrapped = unwrapKey(parent, wrapped, rootKeyAad(ROOT), (size) => {
      const buffer = Buffer.alloc(size);
      given.push(buffer);
      return buffer;
    });
    expect(given).to.have.length(1);
    expect(unwrapped).to.equal(given[0]);
    expect(unwrapped).to.deep.equal(key);
  });

  it('refuses a key moved to another id, another parent, another parent key or another kind', () => {
    const wrapped = wrapKey(parent, key, intermediateKeyAad(INTERMEDIATE, ROOT));
    expect(unwrapKey(parent, wrapped, intermediateKeyAad(INTERMEDIATE, ROOT), allocateSecret)).to.deep.equal(key);
    expect(unwrapKey(parent, wrapped, intermediateKeyAad(ROOT, ROOT), allocateSecret)).to.equal(undefined);
    expect(unwrapKey(parent, wrapped, intermediateKeyAad(INTERMEDIATE, INTERMEDIATE), allocateSecret)).to.equal(undefined);
    expect(unwrapKey(Buffer.alloc(32, 0x12), wrapped, intermediateKeyAad(INTERMEDIATE, ROOT), allocateSecret)).to.equal(undefined);
    expect(unwrapKey(parent, wrapped, rootKeyAad(INTERMEDIATE), allocateSecret)).to.equal(undefined);
  });

  it('refuses anything that is not exactly one wrapped 32-byte key, before decrypting', () => {
    const sixteen = wrapKey(parent, Buffer.alloc(16), rootKeyAad(ROOT));
    const thirtyThree = wrapKey(parent, Buffer.alloc(33), rootKeyAad(ROOT));
    let allocations = 0;
    const counting = (size: number) => {
      allocations += 1;
      return Buffer.alloc(size);
    };
    expect(unwrapKey(parent, sixteen, rootKeyAad(ROOT), counting)).to.equal(undefined);
    expect(unwrapKey(parent, thirtyThree, rootKeyAad(ROOT), counting)).to.equal(undefined);
    expect(unwrapKey(parent, wrapKey(parent, key, rootKeyAad(ROOT)).subarray(0, 59), rootKeyAad(ROOT), counting)).to.equal(undefined);
    expect(allocations).to.equal(0);
  });

  it('allocates zero-filled, unpooled secret buffers', () => {
    const buffer = allocateSecret(32);
    expect(buffer).to.deep.equal(Buffer.alloc(32));
    expect(buffer.buffer.byteLength).to.equal(32);
  });
});
