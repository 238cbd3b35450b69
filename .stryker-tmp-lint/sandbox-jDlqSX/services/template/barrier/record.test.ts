// @ts-nocheck
import { expect } from 'chai';
import { BarrierIntegrityError } from './contract.ts';
import { open } from './gcm.ts';
import { Keyring, type IntermediateKey } from './keyring.ts';
import { openRecord as openWith, parseRecord, RECORD_OVERHEAD, RECORD_VERSION, sealRecord, type RecordFields } from './record.ts';
import { allocateSecret, contentKeyAad } from './wrapping.ts';

const openRecord = (fields: RecordFields, key: IntermediateKey, aad: Uint8Array): Buffer => openWith(fields, key, aad, allocateSecret);

const ROOT = '0190a3c4-0000-7000-8000-0000000000aa';
const ID = '0190a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d';

function intermediate(id = ID, fill = 0x33): IntermediateKey {
  const keyring = new Keyring(Buffer.alloc(32), ROOT, Buffer.alloc(32, 1));
  keyring.addIntermediateKey(id, ROOT, Buffer.alloc(32, fill));
  return keyring.newestIntermediate;
}

function integrity(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(BarrierIntegrityError);
    expect(error).to.include({ status: 500, code: 'internal_error', expose: false });
    return (error as Error).message;
  }
  return 'opened';
}

const randomKey = () => Buffer.alloc(32, 0x5a);

describe('record format, version 1 (docs/barrier.md)', () => {
  const key = intermediate();
  const aad = Buffer.from('pets/42/secret');
  const plaintext = Buffer.from('a secret worth keeping');
  const record = sealRecord(key, plaintext, aad, randomKey);

  it('lays out version, key id, wrapped content key, iv, ciphertext and tag', () => {
    expect(RECORD_VERSION).to.equal(1);
    expect(RECORD_OVERHEAD).to.equal(105);
    expect(record.length).to.equal(105 + plaintext.length);
    expect(record[0]).to.equal(1);
    expect(record.subarray(1, 17).toString('hex')).to.equal(ID.replaceAll('-', ''));
    const contentKey = open(key.key, record.subarray(17, 77), contentKeyAad(ID));
    expect(contentKey).to.deep.equal(Buffer.alloc(32, 0x5a));
    expect(open(contentKey ?? Buffer.alloc(32), record.subarray(77), aad)).to.deep.equal(plaintext);
  });

  it('parses what it writes and opens it with the same AAD', () => {
    const fields = parseRecord(record);
    expect(fields.intermediateKeyId).to.equal(ID);
    expect(fields.wrappedContentKey).to.deep.equal(record.subarray(17, 77));
    expect(fields.body).to.deep.equal(record.subarray(77));
    expect(openRecord(fields, key, aad)).to.deep.equal(plaintext);
  });

  it('wipes the content key it was given once the record is sealed', () => {
    const contentKey = Buffer.alloc(32, 0x77);
    sealRecord(key, plaintext, aad, () => contentKey);
    expect(contentKey).to.deep.equal(Buffer.alloc(32));
  });

  it('opens the content key into memory from the allocator and wipes it after use', () => {
    const given: Buffer[] = [];
    const plain = openWith(parseRecord(record), key, aad, (size) => {
      const buffer = Buffer.alloc(size);
      given.push(buffer);
      return buffer;
    });
    expect(plain).to.deep.equal(plaintext);
    expect(given).to.deep.equal([Buffer.alloc(32)]);
    const tampered = Buffer.from(record);
    tampered[90] = (tampered[90] ?? 0) ^ 1;
    expect(integrity(() => openWith(parseRecord(tampered), key, aad, (size) => {
      const buffer = Buffer.alloc(size);
      given.push(buffer);
      return buffer;
    }))).to.equal('the record does not authenticate: tampered, or sealed with another AAD');
    expect(given).to.deep.equal([Buffer.alloc(32), Buffer.alloc(32)]);
  });

  it('seals an empty plaintext into exactly the overhead', () => {
    const empty = sealRecord(key, new Uint8Array(0), aad, randomKey);
    expect(empty.length).to.equal(105);
    expect(openRecord(parseRecord(empty), key, aad)).to.deep.equal(Buffer.alloc(0));
  });

  it('refuses every truncation as truncated (below the overhead) or as not authentic', () => {
    for (let length = 0; length < record.length; length += 1) {
      const message = integrity(() => openRecord(parseRecord(record.subarray(0, length)), key, aad));
      if (length < 105) {
        expect(message).to.equal(`the record is truncated: ${length} bytes, at least 105 expected`);
      } else {
        expect(message).to.equal('the record does not authenticate: tampered, or sealed with another AAD');
      }
    }
  });

  it('refuses unknown versions', () => {
    for (const version of [0, 2, 255]) {
      const tampered = Buffer.from(record);
      tampered[0] = version;
      expect(integrity(() => parseRecord(tampered))).to.equal(`the record has unknown format version ${version}`);
    }
  });

  it('refuses a flipped byte in the wrapped content key, the iv, the ciphertext or the tag', () => {
    for (let index = 17; index < record.length; index += 1) {
      const tampered = Buffer.from(record);
      tampered[index] = (tampered[index] ?? 0) ^ 1;
      const expected = index < 77
        ? `the content key does not authenticate under intermediate key ${ID}`
        : 'the record does not authenticate: tampered, or sealed with another AAD';
      expect(integrity(() => openRecord(parseRecord(tampered), key, aad)), `byte ${index}`).to.equal(expected);
    }
  });

  it('names another key when a key-id byte is flipped, which that key cannot open', () => {
    const tampered = Buffer.from(record);
    tampered[16] = (tampered[16] ?? 0) ^ 1;
    const fields = parseRecord(tampered);
    expect(fields.intermediateKeyId).to.equal(`${ID.slice(0, -1)}c`);
    const other = intermediate(fields.intermediateKeyId);
    expect(integrity(() => openRecord(fields, other, aad))).to.equal(`the content key does not authenticate under intermediate key ${other.id}`);
  });

  it('refuses another AAD, even one differing in a single character', () => {
    const fields = parseRecord(record);
    expect(integrity(() => openRecord(fields, key, Buffer.from('pets/43/secret')))).to.equal('the record does not authenticate: tampered, or sealed with another AAD');
    expect(integrity(() => openRecord(fields, key, Buffer.alloc(0)))).to.equal('the record does not authenticate: tampered, or sealed with another AAD');
  });

  it('refuses a record opened with another intermediate key under the same id', () => {
    expect(integrity(() => openRecord(parseRecord(record), intermediate(ID, 0x34), aad))).to.equal(`the content key does not authenticate under intermediate key ${ID}`);
  });
});
