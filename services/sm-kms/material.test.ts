import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { BarrierIntegrityError } from '../template/barrier/index.ts';
import type { Barrier } from '../template/barrier/contract.ts';
import { materialAad, openMaterial, sealMaterial } from './material.ts';
import { createElasticKey } from './elastic-keys.ts';
import { entities, MaterialKey } from './entities.ts';
import { latestKey } from './keyring.ts';
import { migrations } from './migrations.ts';
import { ALICE, rejection, unique, unsealedKms, type TestKms } from './testing/kms-context.ts';

/**
 * Issue "sm-kms" point 5 through sm-kms's own code (issue 13 point 17): the AAD of each sealed JWK
 * names its row, so sealed material moved onto another row never opens, even between two keys of
 * the same algorithm whose material would otherwise parse.
 */
describeOnDatabases('sm-kms sealed material bound to its row', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads); });

  it('refuses material whose sealed JWKs were swapped between two rows in the database', async () => {
    const first = await createElasticKey(db().fork(), t.kms, { name: unique('swap-a'), algorithm: 'A256GCM/dir' }, ALICE);
    const second = await createElasticKey(db().fork(), t.kms, { name: unique('swap-b'), algorithm: 'A256GCM/dir' }, ALICE);
    const [a, b] = await Promise.all([first, second].map((key) => db().fork().findOneOrFail(MaterialKey, { elasticKey: key.id })));
    if (a?.sealedJwk == null || b?.sealedJwk == null) throw new Error('both keys have sealed material');
    await db().fork().nativeUpdate(MaterialKey, { id: a.id }, { sealedJwk: b.sealedJwk });
    await db().fork().nativeUpdate(MaterialKey, { id: b.id }, { sealedJwk: a.sealedJwk });
    for (const key of [first, second]) {
      expect(await rejection(latestKey(() => db().fork(), t.kms, key.id, 'encrypt')), key.name).to.be.instanceOf(BarrierIntegrityError);
    }
    // Put back, each row opens again: the refusal was the binding, not damage.
    await db().fork().nativeUpdate(MaterialKey, { id: a.id }, { sealedJwk: a.sealedJwk });
    await db().fork().nativeUpdate(MaterialKey, { id: b.id }, { sealedJwk: b.sealedJwk });
    expect((await latestKey(() => db().fork(), t.kms, first.id, 'encrypt')).prepared.kid).to.equal(a.id);
    expect((await latestKey(() => db().fork(), t.kms, second.id, 'encrypt')).prepared.kid).to.equal(b.id);
  });
});

/** A barrier that only records: what it was given to seal or open, and under which AAD. */
function recordingBarrier(opened: Uint8Array): { barrier: Barrier; sealed: { clear: Uint8Array; copy: string; aad: string }[]; aads: string[] } {
  const sealed: { clear: Uint8Array; copy: string; aad: string }[] = [];
  const aads: string[] = [];
  const barrier = {
    encrypt: (clear: Uint8Array, aad: string) => {
      sealed.push({ clear, copy: Buffer.from(clear).toString('utf8'), aad });
      return Promise.resolve(new Uint8Array([1, 2, 3]));
    },
    decrypt: (_ciphertext: Uint8Array, aad: string) => {
      aads.push(aad);
      return Promise.resolve(opened);
    },
  } as unknown as Barrier;
  return { barrier, sealed, aads };
}

describe('sm-kms material sealing (the clear JWK zeroed, the AAD naming the row)', () => {
  const privateJwk = { kty: 'oct', k: 'c2VjcmV0', kid: 'm-1', alg: 'A256GCM' };
  const publicJwk = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB', kid: 'm-1' };

  it('seals the private JWK as JSON under the row AAD and zeroes the clear copy', async () => {
    const { barrier, sealed } = recordingBarrier(new Uint8Array());
    const stored = await sealMaterial(barrier, { kid: 'm-1', privateJwk });
    expect(Buffer.isBuffer(stored)).to.equal(true);
    expect([...stored]).to.deep.equal([1, 2, 3]);
    expect(sealed).to.have.length(1);
    expect(sealed[0]?.aad).to.equal('sm-kms/material_keys/m-1');
    expect(materialAad('m-1')).to.equal('sm-kms/material_keys/m-1');
    expect(JSON.parse(sealed[0]?.copy ?? '')).to.deep.equal(privateJwk);
    expect([...(sealed[0]?.clear ?? [])].every((byte) => byte === 0)).to.equal(true);
  });

  it('opens the JWK from a view into a larger buffer, keeps the public JWK when stored, and zeroes the plaintext', async () => {
    const json = Buffer.from(JSON.stringify(privateJwk), 'utf8');
    const backing = new Uint8Array(json.length + 8).fill(0x7b);
    backing.set(json, 4);
    const view = backing.subarray(4, 4 + json.length);
    const { barrier, aads } = recordingBarrier(view);
    const withPublic = await openMaterial(barrier, { id: 'm-1', sealedJwk: new Uint8Array([9]), publicJwk });
    expect(withPublic).to.deep.equal({ kid: 'm-1', privateJwk, publicJwk });
    expect(aads).to.deep.equal(['sm-kms/material_keys/m-1']);
    expect([...view].every((byte) => byte === 0)).to.equal(true);
    backing.set(json, 4);
    const secretOnly = await openMaterial(barrier, { id: 'm-2', sealedJwk: new Uint8Array([9]), publicJwk: null });
    expect(secretOnly).to.deep.equal({ kid: 'm-2', privateJwk });
    expect(Object.hasOwn(secretOnly, 'publicJwk')).to.equal(false);
    expect(aads[1]).to.equal('sm-kms/material_keys/m-2');
  });
});
