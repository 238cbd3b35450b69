import { expect } from 'chai';
import { calculateJwkThumbprint } from 'jose';
import { BarrierIntegrityError } from '../template/barrier/index.ts';
import { sign, verify } from '../template/jose/index.ts';
import { generateKey, keyAad, openKey } from './keys.ts';
import { rejection, unsealedJa } from './testing/context.ts';

describe('jose-ja keys: thumbprint kids, private JWKs only under the barrier', () => {
  it('names a key by the RFC 7638 thumbprint of its public JWK and publishes no private member', async () => {
    const { barrier } = await unsealedJa();
    for (const alg of ['ES384', 'EdDSA', 'RS256', 'A256GCM/ECDH-ES+A128KW']) {
      const key = await generateKey(barrier, alg);
      expect(key.kid).to.equal(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      expect(key.publicJwk.kid).to.equal(key.kid);
      expect(key.publicJwk).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
      expect(key.sealedJwk.toString('latin1')).to.not.contain('"d"');
    }
  });

  it('opens a sealed key into one that signs and verifies, and only on its own row (AAD)', async () => {
    const { barrier } = await unsealedJa();
    const key = await generateKey(barrier, 'ES256');
    const prepared = await openKey(barrier, 'ES256', key);
    expect(prepared.kid).to.equal(key.kid);
    expect(await verify(prepared, await sign(prepared, Buffer.from('x')))).to.equal(true);
    const moved = await rejection(openKey(barrier, 'ES256', { ...key, id: '01900000-0000-7000-8000-000000000001' }));
    expect(moved).to.be.instanceOf(BarrierIntegrityError);
    expect(keyAad('x')).to.equal('jose-ja/keys/x');
  });

  it('refuses a symmetric row: a key set publishes public keys only', async () => {
    const { barrier } = await unsealedJa();
    expect(String(await rejection(generateKey(barrier, 'HS256')))).to.contain('asymmetric');
  });
});
