import { expect } from 'chai';
import { HashError } from './errors.ts';
import type { HashErrorReason } from './errors.ts';

describe('HashError', () => {
  const messages: readonly (readonly [HashErrorReason, string])[] = [
    ['ERR_HASH_MALFORMED', 'hash string is malformed'],
    ['ERR_HASH_UNKNOWN_REGISTRY', 'hash string names an unknown registry'],
    ['ERR_HASH_WRONG_REGISTRY', 'hash string belongs to another registry'],
    ['ERR_HASH_UNKNOWN_VERSION', 'unknown hash version'],
    ['ERR_HASH_UNKNOWN_PEPPER', 'hash string names a pepper version that is not configured'],
    ['ERR_HASH_INPUT_TOO_SHORT', 'input is too short for this registry'],
    ['ERR_HASH_PEPPER_INVALID', 'pepper configuration is invalid'],
    ['ERR_HASH_PARAMETERS_INVALID', 'hash parameters are invalid'],
    ['ERR_HASH_OVERLOADED', 'too many hashes are waiting; retry shortly'],
  ];
  for (const [reason, message] of messages) {
    it(`${reason} carries a stable reason and a clear message`, () => {
      const error = new HashError(reason);
      expect(error.reason).to.equal(reason);
      expect(error.message).to.equal(message);
    });
  }

  it('appends the detail to the message', () => {
    expect(new HashError('ERR_HASH_UNKNOWN_VERSION', 'v9').message).to.equal('unknown hash version: v9');
  });

  it('is an internal error: a 500 whose detail never reaches a client', () => {
    const error = new HashError('ERR_HASH_MALFORMED');
    expect(error.name).to.equal('HashError');
    expect(error.status).to.equal(500);
    expect(error.code).to.equal('internal_error');
    expect(error.expose).to.equal(false);
    expect(error.headers).to.deep.equal({});
  });

  it('an overload is a 503 with Retry-After that a client may read: the same request succeeds later', () => {
    const error = new HashError('ERR_HASH_OVERLOADED');
    expect(error.status).to.equal(503);
    expect(error.code).to.equal('service_unavailable');
    expect(error.expose).to.equal(true);
    expect(error.headers).to.deep.equal({ 'Retry-After': '1' });
  });
});
