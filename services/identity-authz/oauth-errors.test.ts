import { expect } from 'chai';
import { errors } from 'oidc-provider';
import { BadRequestError } from '../template/errors/index.ts';
import { asBadRequest } from './oauth-errors.ts';

describe('oidc-provider refusals as problems', () => {
  it('makes a library refusal a 400 with its description, and leaves other errors alone', () => {
    const refusal = asBadRequest(new errors.InvalidClientMetadata('redirect_uris must be https'), 'client: ');
    expect(refusal).to.be.instanceOf(BadRequestError);
    expect((refusal as BadRequestError).message).to.equal('client: redirect_uris must be https');
    const bug = new TypeError('bug');
    expect(asBadRequest(bug)).to.equal(bug);
  });
});
