import { expect } from 'chai';
import type { RealmClient } from '../api/kinds.ts';
import { bodyDigest, desiredBody, differences, managedName, planClients, type ActualClient, type PlanInput, type SecretMemory } from './plan.ts';

const PS = 'urn:cryptoutil:learn-ps';
const billing: RealmClient = { name: 'billing', grantTypes: ['client_credentials'], scopes: { [PS]: ['learn-ps:write', 'learn-ps:read'] } };
const portal: RealmClient = { name: 'portal', grantTypes: ['refresh_token', 'authorization_code'], redirectUris: ['https://portal.example/cb'], openidScopes: ['profile', 'openid'], accessTokenTtlSeconds: 300 };

/** The client identity-authz would show after creating `client` as the operator sends it. */
function asCreated(client: RealmClient, realm = 'demo'): ActualClient {
  const { clientId, name, tokenEndpointAuthMethod, grantTypes, redirectUris, postLogoutRedirectUris, openidScopes, resourceScopes, accessTokenTtlSeconds, mfa } = desiredBody(realm, client, 900);
  return { clientId, name, tokenEndpointAuthMethod, grantTypes, redirectUris, postLogoutRedirectUris, openidScopes, resourceScopes, accessTokenTtlSeconds, mfa };
}

function remembered(client: RealmClient): SecretMemory {
  return { applied: bodyDigest(desiredBody('demo', client, 900)), ...(client.rotateSecret === undefined ? {} : { rotateSecret: client.rotateSecret }) };
}

function plan(clients: readonly RealmClient[], actual: readonly ActualClient[] = [], secrets: Readonly<Record<string, SecretMemory>> = {}): ReturnType<typeof planClients> {
  const input: PlanInput = { realm: 'demo', clients, defaultAccessTokenTtlSeconds: 900, actual, secrets: new Map(Object.entries(secrets)) };
  return planClients(input);
}

describe('realm content plan', () => {
  it('marks a managed client in its display name and names an unmanaged one plainly', () => {
    expect(desiredBody('demo', billing, 900).name).to.equal('billing (managed by IdentityRealm demo)');
    expect(managedName('demo', 'billing')).to.equal('billing (managed by IdentityRealm demo)');
    expect(desiredBody('demo', { ...billing, unmanaged: true }, 900).name).to.equal('billing');
  });

  it('sends sorted grant types and scopes, no post-logout URIs, and the realm lifetime unless the client sets its own', () => {
    expect(desiredBody('demo', billing, 900)).to.deep.equal({
      clientId: 'billing',
      name: 'billing (managed by IdentityRealm demo)',
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      postLogoutRedirectUris: [],
      openidScopes: [],
      resourceScopes: { [PS]: ['learn-ps:read', 'learn-ps:write'] },
      accessTokenTtlSeconds: 900,
      mfa: 'optional',
    });
    const body = desiredBody('demo', portal, 900);
    expect(body.grantTypes).to.deep.equal(['authorization_code', 'refresh_token']);
    expect(body.openidScopes).to.deep.equal(['openid', 'profile']);
    expect(body.resourceScopes).to.deep.equal({});
    expect(body.accessTokenTtlSeconds).to.equal(300);
  });

  it('digests settings regardless of the order of grant types, scopes and resources, and tells other settings apart', () => {
    const reordered: RealmClient = { ...billing, scopes: { 'urn:b': ['x'], [PS]: ['learn-ps:read', 'learn-ps:write'] } };
    const other: RealmClient = { ...billing, scopes: { [PS]: ['learn-ps:read', 'learn-ps:write'], 'urn:b': ['x'] } };
    expect(bodyDigest(desiredBody('demo', reordered, 900))).to.equal(bodyDigest(desiredBody('demo', other, 900)));
    expect(bodyDigest(desiredBody('demo', billing, 900))).to.not.equal(bodyDigest(desiredBody('demo', billing, 600)));
    expect(bodyDigest(desiredBody('demo', billing, 900))).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('names each differing setting and ignores order where order means nothing', () => {
    const body = desiredBody('demo', portal, 900);
    const actual = asCreated(portal);
    expect(differences(body, { ...actual, grantTypes: ['refresh_token', 'authorization_code'], openidScopes: ['profile', 'openid'] })).to.deep.equal([]);
    expect(differences(body, {
      ...actual,
      name: 'portal',
      tokenEndpointAuthMethod: 'client_secret_post',
      grantTypes: ['authorization_code'],
      redirectUris: ['https://other.example/cb'],
      postLogoutRedirectUris: ['https://portal.example/bye'],
      openidScopes: ['openid'],
      resourceScopes: { [PS]: ['learn-ps:read'] },
      accessTokenTtlSeconds: 3600,
      mfa: 'required',
    })).to.deep.equal(['name', 'tokenEndpointAuthMethod', 'grantTypes', 'redirectUris', 'postLogoutRedirectUris', 'openidScopes', 'resourceScopes', 'accessTokenTtlSeconds', 'mfa']);
  });

  it('sends a client\'s second-factor policy, optional unless it says required, and tells the two apart', () => {
    expect(desiredBody('demo', { ...portal, mfa: 'required' }, 900).mfa).to.equal('required');
    expect(bodyDigest(desiredBody('demo', { ...portal, mfa: 'required' }, 900))).to.not.equal(bodyDigest(desiredBody('demo', portal, 900)));
    expect(bodyDigest(desiredBody('demo', { ...portal, mfa: 'optional' }, 900))).to.equal(bodyDigest(desiredBody('demo', portal, 900)));
  });

  it('creates every declared client that is missing, with what its Secret will remember', () => {
    const result = plan([billing, { ...portal, rotateSecret: 'r1' }]);
    expect(result.ops.map((op) => [op.op, op.clientId])).to.deep.equal([['create', 'billing'], ['create', 'portal']]);
    expect(result.ops[1]).to.deep.include({ memory: remembered({ ...portal, rotateSecret: 'r1' }) });
    expect(result.ops[0]).to.deep.include({ body: desiredBody('demo', billing, 900), memory: remembered(billing), recreated: false });
    expect(result.managed).to.equal(2);
    expect(result.conflicts).to.deep.equal([]);
  });

  it('creates again, as drift, a managed client deleted through the API while its Secret remains', () => {
    expect(plan([billing], [], { billing: remembered(billing) }).ops).to.deep.equal([{ op: 'create', clientId: 'billing', body: desiredBody('demo', billing, 900), memory: remembered(billing), recreated: true }]);
  });

  it('does nothing when identity-authz and the Secrets match the spec', () => {
    expect(plan([billing, portal], [asCreated(billing), asCreated(portal)], { billing: remembered(billing), portal: remembered(portal) })).to.deep.equal({ ops: [], conflicts: [], managed: 2 });
  });

  it('reverts a change made through the API as drift: the Secret remembers the spec as applied', () => {
    const changed = { ...asCreated(billing), resourceScopes: { [PS]: ['learn-ps:read'] } };
    const result = plan([billing], [changed], { billing: remembered(billing) });
    expect(result.ops).to.deep.equal([{ op: 'update', clientId: 'billing', body: desiredBody('demo', billing, 900), cause: 'drift', fields: ['resourceScopes'] }]);
  });

  it('applies a change of the CR as a spec update and remembers the new settings', () => {
    const edited: RealmClient = { ...billing, scopes: { [PS]: ['learn-ps:read'] } };
    const result = plan([edited], [asCreated(billing)], { billing: remembered(billing) });
    expect(result.ops).to.deep.equal([
      { op: 'update', clientId: 'billing', body: desiredBody('demo', edited, 900), cause: 'spec', fields: ['resourceScopes'] },
      { op: 'remember', clientId: 'billing', memory: remembered(edited) },
    ]);
  });

  it('remembers new settings that identity-authz already has without updating it', () => {
    const edited: RealmClient = { ...billing, scopes: { [PS]: ['learn-ps:read'] } };
    expect(plan([edited], [asCreated(edited)], { billing: remembered(billing) }).ops).to.deep.equal([{ op: 'remember', clientId: 'billing', memory: remembered(edited) }]);
  });

  it('rotates the secret when rotateSecret changes, or when the Secret is gone (the secret is shown only once)', () => {
    const rotated: RealmClient = { ...billing, rotateSecret: '2' };
    expect(plan([rotated], [asCreated(rotated)], { billing: remembered(billing) }).ops).to.deep.equal([{ op: 'rotate', clientId: 'billing', reason: 'rotateSecret', memory: remembered(rotated) }]);
    expect(plan([rotated], [asCreated(rotated)], { billing: { ...remembered(rotated), rotateSecret: '1' } }).ops).to.have.length(1);
    expect(plan([billing], [asCreated(billing)]).ops).to.deep.equal([{ op: 'rotate', clientId: 'billing', reason: 'secretMissing', memory: remembered(billing) }]);
    const changed = { ...asCreated(billing), accessTokenTtlSeconds: 60 };
    expect(plan([billing], [changed]).ops.map((op) => op.op)).to.deep.equal(['update', 'rotate']);
    expect(plan([billing], [changed]).ops[0]).to.deep.include({ cause: 'spec' });
  });

  it('creates a missing unmanaged client once and then never touches, counts or deletes it', () => {
    const mine: RealmClient = { ...billing, unmanaged: true };
    expect(plan([mine]).ops).to.deep.equal([{ op: 'create', clientId: 'billing', body: desiredBody('demo', mine, 900), memory: remembered(mine), recreated: false }]);
    expect(plan([mine]).managed).to.equal(0);
    const changedByHand = { ...asCreated(mine), resourceScopes: {} };
    expect(plan([mine], [changedByHand])).to.deep.equal({ ops: [], conflicts: [], managed: 0 });
    // A managed client turned unmanaged keeps its marker and stays.
    expect(plan([mine], [asCreated(billing)]).ops).to.deep.equal([]);
  });

  it('deletes a managed client removed from the spec, and leaves clients of others and of people alone', () => {
    const result = plan([], [asCreated(billing), asCreated(portal, 'other'), { ...asCreated(portal), name: 'portal' }]);
    expect(result).to.deep.equal({ ops: [{ op: 'delete', clientId: 'billing' }], conflicts: [], managed: 0 });
  });

  it('never takes over a client of the same id that is not marked as this realm\'s', () => {
    const result = plan([billing, portal], [{ ...asCreated(billing), name: 'billing' }, asCreated(portal, 'other')], { billing: remembered(billing) });
    expect(result).to.deep.equal({ ops: [], conflicts: ['billing', 'portal'], managed: 0 });
  });
});
