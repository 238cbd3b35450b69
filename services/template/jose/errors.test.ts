import { expect } from 'chai';
import { ProblemError } from '../errors/index.ts';
import { DECRYPTION_FAILED_DETAIL, DecryptionFailedError, UnsupportedAlgorithmError } from './errors.ts';

describe('sm-kms algorithm errors', () => {
  it('UnsupportedAlgorithmError is a 400 bad_request naming the algorithm', () => {
    const error = new UnsupportedAlgorithmError('XYZ');
    expect(error).to.be.instanceOf(ProblemError);
    expect([error.name, error.status, error.code, error.title, error.expose, error.message, error.algorithm]).to.deep.equal([
      'UnsupportedAlgorithmError', 400, 'bad_request', 'Bad Request', true, 'unsupported algorithm: "XYZ"', 'XYZ',
    ]);
  });

  it('DecryptionFailedError is a 400 with one fixed detail', () => {
    const error = new DecryptionFailedError();
    expect(error).to.be.instanceOf(ProblemError);
    expect([error.name, error.status, error.code, error.title, error.expose, error.message]).to.deep.equal(['DecryptionFailedError', 400, 'bad_request', 'Bad Request', true, DECRYPTION_FAILED_DETAIL]);
    expect(DECRYPTION_FAILED_DETAIL).to.equal('the JWE cannot be decrypted with this key and context');
  });
});
