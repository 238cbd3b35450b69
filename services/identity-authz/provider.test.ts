import { expect } from 'chai';
import { errors } from 'oidc-provider';
import { validateExtraMetadata } from './provider.ts';

function refusal(key: string, value: unknown): string | undefined {
  try {
    validateExtraMetadata(undefined, key, value);
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(errors.InvalidClientMetadata);
    return (error as errors.InvalidClientMetadata).error_description;
  }
}

describe('identity-authz extra client metadata', () => {
  it('takes resources mapped to scope lists and positive lifetimes, and refuses anything else', () => {
    expect(refusal('resource_scopes', { 'urn:cryptoutil:learn-ps': ['pets:read'] })).to.equal(undefined);
    expect(refusal('access_token_ttl', 60)).to.equal(undefined);
    expect(refusal('refresh_token_ttl', undefined)).to.equal(undefined);
    for (const value of [null, 'x', { r: 'pets:read' }, { r: [1] }]) {
      expect(refusal('resource_scopes', value)).to.include('resource_scopes');
    }
    for (const value of [0, -1, 1.5, '60']) {
      expect(refusal('access_token_ttl', value)).to.include('access_token_ttl');
    }
  });
});
