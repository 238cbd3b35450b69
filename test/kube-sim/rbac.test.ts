import { expect } from 'chai';
import { stringify } from 'yaml';
import { accessOf, allowed, grantedAccess, policyFromChart, policyFromManifests } from './rbac.ts';

const binding = (kind: string, role: { kind: string; name: string }, namespace?: string): object => ({
  kind,
  metadata: { name: 'b', ...(namespace === undefined ? {} : { namespace }) },
  roleRef: role,
  subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
});

describe('kube-sim RBAC from manifests', () => {
  it('scopes a RoleBinding to its namespace, even for a ClusterRole, and ignores roles that do not exist', () => {
    const read = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] };
    const manifests = [
      { kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [read] },
      { kind: 'Role', metadata: { name: 'writer', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] }] },
      binding('RoleBinding', { kind: 'ClusterRole', name: 'reader' }, 'team-a'),
      // No namespace on a RoleBinding means the default namespace, as kubectl applies it.
      binding('RoleBinding', { kind: 'Role', name: 'writer' }),
      binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'missing' }),
    ];
    // No ServiceAccount in the manifests: the default one of the default namespace.
    const policy = policyFromManifests(manifests.map((manifest) => `---\n${stringify(manifest)}`).join(''));
    expect(policy.username).to.equal('system:serviceaccount:default:default');
    expect(allowed(policy.rules, { verb: 'get', group: '', resource: 'configmaps', namespace: 'team-a' })).to.equal(true);
    expect(allowed(policy.rules, { verb: 'get', group: '', resource: 'configmaps', namespace: 'team-b' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'get', group: '', resource: 'configmaps' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'patch', group: '', resource: 'configmaps', namespace: 'default' })).to.equal(true);
    expect(grantedAccess(policy.rules)).to.deep.equal([accessOf('get', '', 'configmaps'), accessOf('patch', '', 'configmaps')]);
  });

  it('says why when helm cannot render the chart', async () => {
    const failed = await policyFromChart(['--set', 'replicas=0']).catch((error: unknown) => error);
    expect((failed as Error).message).to.match(/^helm template failed: .*replicas/su);
  });
});
