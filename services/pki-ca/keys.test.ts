import { expect } from 'chai';
import { webcrypto } from 'node:crypto';
import { BarrierIntegrityError, BarrierSealedError, createBarrierWithStore, MemoryBarrierStore, newUnsealShares, type Barrier } from '../template/barrier/index.ts';
import { caKeyAlgorithms, signingAlgorithm, type CaSigner } from './contract.ts';
import { caAad, generateCaKey, openCaKey, SignerCache } from './keys.ts';

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

describe('pki-ca CA keys under the barrier', function () {
  this.timeout(15_000);
  let barrier: Barrier;
  let shares: string[];
  beforeEach(async () => {
    barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
    shares = await newUnsealShares(5, 3);
    await barrier.unseal(shares.slice(0, 3));
  });

  for (const algorithm of caKeyAlgorithms.filter((name) => name !== 'RSA-4096')) {
    it(`${algorithm}: seals PKCS#8 under the row's AAD and opens it as a non-extractable signing key`, async () => {
      const id = '01900000-0000-7000-8000-00000000000a';
      const key = await generateCaKey(barrier, algorithm, id);
      expect(key.privateKey.extractable).to.equal(false);
      const opened = await openCaKey(barrier, { id, sealedPrivateKey: key.sealed, keyAlgorithm: algorithm });
      expect(opened.extractable).to.equal(false);
      const data = Buffer.from('to be signed');
      const signature = await webcrypto.subtle.sign(signingAlgorithm(algorithm), opened, data);
      expect(await webcrypto.subtle.verify(signingAlgorithm(algorithm), key.publicKey, signature, data)).to.equal(true);
      expect(await rejection(openCaKey(barrier, { id: '01900000-0000-7000-8000-00000000000b', sealedPrivateKey: key.sealed, keyAlgorithm: algorithm }))).to.be.instanceOf(BarrierIntegrityError);
    });
  }

  it('names the AAD after service, table and row', () => {
    expect(caAad('x')).to.equal('pki-ca/pki_cas/x');
  });

  it('refuses to generate or open while sealed', async () => {
    const key = await generateCaKey(barrier, 'ES256', 'id');
    barrier.seal();
    expect(await rejection(generateCaKey(barrier, 'ES256', 'id'))).to.be.instanceOf(BarrierSealedError);
    expect(await rejection(openCaKey(barrier, { id: 'id', sealedPrivateKey: key.sealed, keyAlgorithm: 'ES256' }))).to.be.instanceOf(BarrierSealedError);
  });

  it('caches open signers per name, forgets failed opens, and wipes every signer on seal', async () => {
    const cache = new SignerCache(barrier);
    let opens = 0;
    const signer = { name: 'a' } as unknown as CaSigner;
    const open = (): Promise<CaSigner> => { opens += 1; return Promise.resolve(signer); };
    expect(await cache.get('a', open)).to.equal(signer);
    expect(await cache.get('a', open)).to.equal(signer);
    expect(opens).to.equal(1);
    expect(await rejection(cache.get('b', () => Promise.reject(new Error('boom'))))).to.be.instanceOf(Error);
    expect(cache.size).to.equal(1);
    barrier.seal();
    expect(cache.size).to.equal(0);
    expect(await rejection(cache.get('a', open))).to.be.instanceOf(BarrierSealedError);
    await barrier.unseal(shares.slice(1, 4));
    expect(await cache.get('a', open)).to.equal(signer);
    expect(opens).to.equal(2);
  });
});
