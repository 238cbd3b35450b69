import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { BarrierIntegrityError } from '../template/barrier/index.ts';
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
  beforeEach(async () => { t = await unsealedKms(); });

  it('refuses material whose sealed JWKs were swapped between two rows in the database', async () => {
    const first = await createElasticKey(db().fork(), t.kms, { name: unique('swap-a'), algorithm: 'A256GCM/dir' }, ALICE);
    const second = await createElasticKey(db().fork(), t.kms, { name: unique('swap-b'), algorithm: 'A256GCM/dir' }, ALICE);
    const [a, b] = await Promise.all([first, second].map((key) => db().fork().findOneOrFail(MaterialKey, { elasticKey: key.id })));
    if (a?.sealedJwk == null || b?.sealedJwk == null) throw new Error('both keys have sealed material');
    await db().fork().nativeUpdate(MaterialKey, { id: a.id }, { sealedJwk: b.sealedJwk });
    await db().fork().nativeUpdate(MaterialKey, { id: b.id }, { sealedJwk: a.sealedJwk });
    for (const key of [first, second]) {
      expect(await rejection(latestKey(db().fork(), t.kms, key.id, 'encrypt')), key.name).to.be.instanceOf(BarrierIntegrityError);
    }
    // Put back, each row opens again: the refusal was the binding, not damage.
    await db().fork().nativeUpdate(MaterialKey, { id: a.id }, { sealedJwk: a.sealedJwk });
    await db().fork().nativeUpdate(MaterialKey, { id: b.id }, { sealedJwk: b.sealedJwk });
    expect((await latestKey(db().fork(), t.kms, first.id, 'encrypt')).prepared.kid).to.equal(a.id);
    expect((await latestKey(db().fork(), t.kms, second.id, 'encrypt')).prepared.kid).to.equal(b.id);
  });
});
