import { expect } from 'chai';
import type { Client } from 'oidc-provider';
import { offeredScopes } from './login.ts';

const KMS = 'urn:cryptoutil:sm-kms';
const PS = 'urn:cryptoutil:learn-ps';

function clientHolding(resourceScopes: Readonly<Record<string, readonly string[]>>): Client {
  return { metadata: () => ({ resource_scopes: resourceScopes }) } as unknown as Client;
}

describe('identity-authz offeredScopes (what consent may grant)', () => {
  const client = clientHolding({ [KMS]: ['kms:read', 'kms:admin'], [PS]: ['pets:read'] });

  it('keeps OpenID scopes and the scopes the client may hold for the requested resources, once each, in order', () => {
    expect(offeredScopes(client, { scope: 'openid kms:admin pets:read kms:write kms:read openid', resource: KMS })).to.deep.equal(['openid', 'kms:admin', 'kms:read']);
    expect(offeredScopes(client, { scope: 'kms:read pets:read', resource: [KMS, PS] })).to.deep.equal(['kms:read', 'pets:read']);
  });

  it('offers no resource scope without a resource, and only OpenID scopes without a client', () => {
    expect(offeredScopes(client, { scope: 'openid  email kms:read' })).to.deep.equal(['openid', 'email']);
    expect(offeredScopes(undefined, { scope: 'profile kms:read', resource: KMS })).to.deep.equal(['profile']);
    expect(offeredScopes(client, {})).to.deep.equal([]);
  });
});
