import { expect } from 'chai';
import * as algorithms from './index.ts';

describe('sm-kms algorithms public surface', () => {
  it('exports exactly the operations handlers use', () => {
    expect(Object.keys(algorithms).sort()).to.deep.equal([
      'ALGORITHM_NAMES', 'DATA_KEY_SPECS', 'DecryptionFailedError', 'UnsupportedAlgorithmError', 'decrypt', 'drawsRandomIvUnderKey', 'encrypt', 'generateDataKey',
      'generateKeyMaterial', 'importKeyMaterial', 'parseDataKeySpec', 'prepareKey', 'readJoseHeader', 'resolveAlgorithm', 'sign', 'verify',
    ]);
  });

  it('works end to end through the index: resolve, generate, prepare, encrypt, decrypt, sign, verify', async () => {
    const encRow = algorithms.resolveAlgorithm('A256GCM/A256KW');
    const encKey = algorithms.prepareKey(encRow, await algorithms.generateKeyMaterial(encRow, 'e'));
    const jwe = await algorithms.encrypt(encKey, Buffer.from('hi'), 'c');
    expect(algorithms.readJoseHeader(jwe)).to.deep.equal({ kid: 'e', alg: 'A256KW', enc: 'A256GCM', ctx: 'c' });
    expect(Buffer.from(await algorithms.decrypt(encKey, jwe, 'c')).toString()).to.equal('hi');
    const sigRow = algorithms.resolveAlgorithm('ES256');
    const sigKey = algorithms.prepareKey(sigRow, await algorithms.generateKeyMaterial(sigRow, 's'));
    const jws = await algorithms.sign(sigKey, Buffer.from('hi'));
    expect(algorithms.readJoseHeader(jws)).to.deep.equal({ kid: 's', alg: 'ES256' });
    expect(await algorithms.verify(sigKey, jws)).to.equal(true);
  });
});
