import { expect } from 'chai';
import type { Client, Provider } from 'oidc-provider';
import { grantFor, offeredScopes, type LoginResult } from './login.ts';

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

  it('never offers an empty scope name, even one a client lists', () => {
    const odd = clientHolding({ [KMS]: ['', 'kms:read'] });
    expect(offeredScopes(odd, { scope: ' kms:read  ', resource: KMS })).to.deep.equal(['kms:read']);
  });
});

/** A grant that records what it was told, in place of the library's. */
class RecordingGrant {
  static readonly found = new Map<string, RecordingGrant>();
  static readonly made: RecordingGrant[] = [];
  readonly calls: string[] = [];
  readonly init: { accountId: string; clientId: string };
  constructor(init: { accountId: string; clientId: string }) {
    this.init = init;
    RecordingGrant.made.push(this);
  }
  addOIDCScope(scopes: string): void { this.calls.push(`add openid ${scopes}`); }
  rejectOIDCScope(scopes: string): void { this.calls.push(`reject openid ${scopes}`); }
  addResourceScope(resource: string, scopes: string): void { this.calls.push(`add ${resource} ${scopes}`); }
  rejectResourceScope(resource: string, scopes: string): void { this.calls.push(`reject ${resource} ${scopes}`); }
  save(): Promise<string> { return Promise.resolve(`grant-of-${this.init.accountId}`); }
  static readonly lookedUp: unknown[] = [];
  static find(id: unknown): Promise<RecordingGrant | undefined> {
    RecordingGrant.lookedUp.push(id);
    return Promise.resolve(typeof id === 'string' ? RecordingGrant.found.get(id) : undefined);
  }
}

function providerWith(client: Client | undefined): Provider {
  return { Grant: RecordingGrant, Client: { find: () => Promise.resolve(client) } } as unknown as Provider;
}

function resultGranting(scopes: readonly string[]): LoginResult {
  return { jti: 'j', expiresAt: 0, subject: 'user-1', authTime: 0, amr: ['pwd'], scopes, claims: {}, denied: false };
}

type Interaction = Parameters<typeof grantFor>[1];

describe('identity-authz grantFor (the grant a login result allows)', () => {
  const client = clientHolding({ [KMS]: ['kms:read', 'kms:admin'] });

  it('adds what the result grants and rejects the rest, OpenID scopes included', async () => {
    const interaction = { params: { client_id: 'c', scope: 'openid email kms:read kms:admin', resource: KMS } } as unknown as Interaction;
    RecordingGrant.made.length = 0;
    expect(await grantFor(providerWith(client), interaction, resultGranting(['openid', 'kms:read']))).to.equal('grant-of-user-1');
    expect(RecordingGrant.made.map((grant) => grant.calls)).to.deep.equal([
      ['add openid openid', 'reject openid email', `add ${KMS} kms:read`, `reject ${KMS} kms:admin`],
    ]);
  });

  it('names several scopes of one kind in one call, space-separated', async () => {
    const interaction = { params: { client_id: 'c', scope: 'openid email profile offline_access kms:read kms:admin', resource: KMS } } as unknown as Interaction;
    RecordingGrant.made.length = 0;
    await grantFor(providerWith(client), interaction, resultGranting(['openid', 'email', 'kms:read', 'kms:admin']));
    await grantFor(providerWith(client), interaction, resultGranting(['openid']));
    expect(RecordingGrant.made.map((grant) => grant.calls)).to.deep.equal([
      ['add openid openid email', 'reject openid profile offline_access', `add ${KMS} kms:read kms:admin`],
      ['add openid openid', 'reject openid profile email offline_access', `reject ${KMS} kms:read kms:admin`],
    ]);
  });

  it('grants nothing and looks up no stored grant for a request without scope or grant', async () => {
    RecordingGrant.made.length = 0;
    RecordingGrant.lookedUp.length = 0;
    const bare = { params: { client_id: 'c', resource: KMS } } as unknown as Interaction;
    expect(await grantFor(providerWith(client), bare, resultGranting(['openid', 'kms:read']))).to.equal('grant-of-user-1');
    expect(RecordingGrant.made.map((grant) => grant.calls)).to.deep.equal([[]]);
    expect(RecordingGrant.lookedUp).to.deep.equal([]);
  });

  it('extends the grant the interaction already has, and starts a new one when that grant is gone', async () => {
    const existing = new RecordingGrant({ accountId: 'earlier', clientId: 'c' });
    RecordingGrant.found.set('g1', existing);
    const interaction = { grantId: 'g1', params: { client_id: 'c', scope: 'openid email', resource: KMS } } as unknown as Interaction;
    expect(await grantFor(providerWith(client), interaction, resultGranting(['openid']))).to.equal('grant-of-earlier');
    expect(existing.calls).to.deep.equal(['add openid openid', 'reject openid email']);
    const gone = { grantId: 'g2', params: { client_id: 'c', scope: 'openid' } } as unknown as Interaction;
    expect(await grantFor(providerWith(client), gone, resultGranting(['openid']))).to.equal('grant-of-user-1');
  });

  it('answers undefined when resource scopes were asked and the user holds none, and never looks at a client the library lost', async () => {
    const interaction = { params: { client_id: 'c', scope: 'kms:admin', resource: KMS } } as unknown as Interaction;
    RecordingGrant.made.length = 0;
    expect(await grantFor(providerWith(client), interaction, resultGranting([]))).to.equal(undefined);
    expect(await grantFor(providerWith(undefined), interaction, resultGranting([]))).to.equal('grant-of-user-1');
    // Nothing empty is added or rejected: no OpenID scope was asked, and the lost client's resource scopes are not looked at.
    expect(RecordingGrant.made.map((grant) => grant.calls)).to.deep.equal([[`reject ${KMS} kms:admin`], []]);
  });
});
