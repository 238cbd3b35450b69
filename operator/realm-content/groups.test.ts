import { expect } from 'chai';
import type { RealmGroup } from '../api/kinds.ts';
import { desiredScopes, flatScopes, groupMarker, planGroups, scopesDigest, type ActualGroup } from './groups.ts';

const PS = 'urn:cryptoutil:learn-ps';
const KMS = 'urn:cryptoutil:sm-kms';
const readers: RealmGroup = { name: 'readers', scopes: { [PS]: ['pets:read'], [KMS]: ['kms:read', 'pets:read'] } };
const writers: RealmGroup = { name: 'writers', scopes: { [PS]: ['pets:write'] } };
const BUILT_IN: readonly ActualGroup[] = [
  { name: 'admin', scopes: ['*', '*:admin'], builtIn: true },
  { name: 'users', scopes: ['*'], builtIn: true },
];

/** The group identity-idp would show after the operator created `group` for realm demo. */
function asCreated(group: RealmGroup, realm = 'demo'): ActualGroup {
  return { name: group.name, scopes: desiredScopes(realm, group), builtIn: false };
}

function plan(groups: readonly RealmGroup[], actual: readonly ActualGroup[] = [], known: readonly string[] = []): ReturnType<typeof planGroups> {
  return planGroups({ realm: 'demo', groups, actual: [...BUILT_IN, ...actual], known: new Set(known) });
}

describe('realm group plan', () => {
  it('flattens the scopes per resource into identity-idp\'s one sorted list, and marks a managed group with one scope more', () => {
    expect(flatScopes(readers)).to.deep.equal(['kms:read', 'pets:read']);
    expect(groupMarker('demo', ['pets:read', 'kms:read'])).to.equal(`managed-by-identityrealm.demo:${scopesDigest(['kms:read', 'pets:read'])}`);
    expect(scopesDigest(['b:x', 'a:y', 'a:y'])).to.equal(scopesDigest(['a:y', 'b:x'])).and.not.equal(scopesDigest(['a:y']));
    expect(scopesDigest([])).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(desiredScopes('demo', readers)).to.deep.equal(['kms:read', groupMarker('demo', ['kms:read', 'pets:read']), 'pets:read']);
    // The marker matches identity-idp's scope pattern: it is stored as any scope is.
    expect(groupMarker('demo', [])).to.match(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/);
    expect(desiredScopes('demo', { ...readers, unmanaged: true })).to.deep.equal(['kms:read', 'pets:read']);
  });

  it('creates every declared group that is missing and counts the managed ones', () => {
    expect(plan([readers, writers])).to.deep.equal({
      ops: [
        { op: 'create', name: 'readers', scopes: desiredScopes('demo', readers), recreated: false },
        { op: 'create', name: 'writers', scopes: desiredScopes('demo', writers), recreated: false },
      ],
      conflicts: [],
      managed: 2,
      present: ['readers', 'writers'],
    });
  });

  it('does nothing when identity-idp matches the spec, whatever the order of the scopes', () => {
    const shuffled = { ...asCreated(readers), scopes: [...asCreated(readers).scopes].reverse() };
    expect(plan([readers, writers], [shuffled, asCreated(writers)], ['readers', 'writers'])).to.deep.equal({ ops: [], conflicts: [], managed: 2, present: ['readers', 'writers'] });
  });

  it('creates again, as drift, a managed group deleted through the API since the last sync', () => {
    expect(plan([readers], [], ['readers']).ops).to.deep.equal([{ op: 'create', name: 'readers', scopes: desiredScopes('demo', readers), recreated: true }]);
  });

  it('reverts a change made through the API as drift: the marker still has the spec\'s digest', () => {
    const changed = { ...asCreated(readers), scopes: [...asCreated(readers).scopes.filter((scope) => scope !== 'kms:read'), 'pets:write', 'pets:delete'] };
    expect(plan([readers], [changed]).ops).to.deep.equal([
      { op: 'update', name: 'readers', scopes: desiredScopes('demo', readers), cause: 'drift', extra: ['pets:delete', 'pets:write'], missing: ['kms:read'] },
    ]);
  });

  it('applies a change of the CR as a spec update, with a marker of the new digest', () => {
    const wider = { ...readers, scopes: { [PS]: ['pets:read', 'pets:write'] } };
    const [op] = plan([wider], [asCreated(readers)]).ops;
    expect(op).to.deep.equal({ op: 'update', name: 'readers', scopes: ['pets:read', groupMarker('demo', ['pets:read', 'pets:write']), 'pets:write'].sort(), cause: 'spec', extra: ['kms:read'], missing: ['pets:write'] });
  });

  it('brings back a marker changed through the API, as a spec update (the marker no longer tells)', () => {
    const remarked = { ...asCreated(writers), scopes: ['pets:write', groupMarker('demo', ['other:scope'])] };
    expect(plan([writers], [remarked]).ops).to.deep.equal([{ op: 'update', name: 'writers', scopes: desiredScopes('demo', writers), cause: 'spec', extra: [], missing: [] }]);
  });

  it('creates a missing unmanaged group once, without a marker, then never touches, counts or deletes it', () => {
    const own = { ...writers, unmanaged: true };
    expect(plan([own]).ops).to.deep.equal([{ op: 'create', name: 'writers', scopes: ['pets:write'], recreated: false }]);
    const changed: ActualGroup = { name: 'writers', scopes: ['anything:else'], builtIn: false };
    expect(plan([own], [changed])).to.deep.equal({ ops: [], conflicts: [], managed: 0, present: [] });
  });

  it('deletes a managed group removed from the spec, and leaves groups of others, of people and the built-in ones alone', () => {
    const other = asCreated(writers, 'other');
    const person: ActualGroup = { name: 'people', scopes: ['pets:read'], builtIn: false };
    expect(plan([], [asCreated(readers), other, person]).ops).to.deep.equal([{ op: 'delete', name: 'readers' }]);
  });

  it('never takes over a group of the same name without this realm\'s marker', () => {
    const person: ActualGroup = { name: 'readers', scopes: ['pets:read'], builtIn: false };
    expect(plan([readers, writers], [person, asCreated(writers, 'other')])).to.deep.equal({ ops: [], conflicts: ['readers', 'writers'], managed: 0, present: [] });
  });
});
