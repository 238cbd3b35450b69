import { expect } from 'chai';
import Provider, { errors, type Client } from 'oidc-provider';
import { mayIntrospect, validateExtraMetadata } from './provider.ts';

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
    expect(refusal('mfa_policy', 'required')).to.equal(undefined);
    expect(refusal('mfa_policy', 'optional')).to.equal(undefined);
    expect(refusal('mfa_policy', undefined)).to.equal(undefined);
    for (const value of ['always', true, null]) {
      expect(refusal('mfa_policy', value)).to.include('mfa_policy');
    }
  });
});

describe('identity-authz introspection policy (RFC 7662 §4)', () => {
  const INTROSPECT = { 'urn:cryptoutil:identity-authz': ['authz:introspect'] };
  const LEARN_PS = { 'urn:cryptoutil:learn-ps': ['pets:read'] };

  async function client(id: string, resourceScopes: Readonly<Record<string, readonly string[]>>): Promise<Client> {
    const provider = new Provider('https://issuer.example.test', {
      clients: [{ client_id: id, client_secret: 'secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], resource_scopes: resourceScopes }],
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
      extraClientMetadata: { properties: ['resource_scopes'] },
    });
    return await provider.Client.find(id) ?? expect.fail(`client ${id} not found`);
  }

  it('lets a client introspect its own tokens and another client\'s only with authz:introspect for identity-authz', async () => {
    const plain = await client('plain', LEARN_PS);
    expect(mayIntrospect(plain, 'plain')).to.equal(true);
    expect(mayIntrospect(plain, 'other')).to.equal(false);
    expect(mayIntrospect(plain, undefined)).to.equal(false);
    const resourceServer = await client('resource-server', INTROSPECT);
    expect(mayIntrospect(resourceServer, 'other')).to.equal(true);
    // The scope counts only for identity-authz's resource, not under another resource's name.
    const misplaced = await client('misplaced', { 'urn:cryptoutil:learn-ps': ['authz:introspect'] });
    expect(mayIntrospect(misplaced, 'other')).to.equal(false);
  });

  it('lets no one introspect when no client was authenticated', () => {
    expect(mayIntrospect(undefined, 'plain')).to.equal(false);
  });
});
