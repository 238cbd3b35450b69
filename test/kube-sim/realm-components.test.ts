import { expect } from 'chai';
import { identityRealmSpec } from '../../operator/api/kinds.ts';
import { checkRules } from './cel.ts';

const components = identityRealmSpec.json.properties?.components;

describe('IdentityRealm spec.components rules (as the API server runs them)', () => {
  it('needs rp for spa and idp for rp, and takes every consistent set', () => {
    if (components === undefined) throw new Error('no spec.components in the schema');
    const check = (value: Record<string, boolean>): string[] => checkRules(value, undefined, components, 'spec.components').map((cause) => cause.message);
    expect(check({ idp: true, rs: false, rp: false, spa: true })).to.deep.equal(['Invalid value: "object": components.spa needs components.rp']);
    expect(check({ idp: false, rs: false, rp: true, spa: false })).to.deep.equal(['Invalid value: "object": components.rp needs components.idp (identity-authz sends sign-ins there)']);
    for (const valid of [{ idp: true, rs: true, rp: true, spa: true }, { idp: true, rs: false, rp: true, spa: false }, { idp: false, rs: true, rp: false, spa: false }]) {
      expect(check(valid), JSON.stringify(valid)).to.deep.equal([]);
    }
  });
});
