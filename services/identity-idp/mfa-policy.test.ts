import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { ACR_MFA, ACR_PHR, ACR_PWD } from './acr.ts';
import type { IdpUser } from './entities.ts';
import type { LoginRequest } from './login-request.ts';
import { factorsReaching, policyRequiresMfa, requiredAcr, sessionReaches } from './mfa-policy.ts';
import type { SecondFactor } from './second-factors.ts';

/** An entity manager that must not be asked: the answer follows from the policy alone. */
const untouched = { find: () => Promise.reject(new Error('the entity manager is not needed')) } as unknown as EntityManager;
const user = { id: 'u-1' } as IdpUser;
const request = (acr?: LoginRequest['acr']): LoginRequest => ({ ...(acr === undefined ? {} : { acr }) }) as LoginRequest;

describe('identity-idp MFA policy', () => {
  it('idp.mfa.required makes everyone use a second factor; an empty group list asks nothing of the database', async () => {
    expect(await policyRequiresMfa(untouched, { required: true, requiredGroups: [] }, user)).to.equal(true);
    expect(await policyRequiresMfa(untouched, { required: false, requiredGroups: [] }, user)).to.equal(false);
    expect(await requiredAcr(untouched, { required: true, requiredGroups: [] }, request(), user)).to.equal(ACR_MFA);
    expect(await requiredAcr(untouched, { required: false, requiredGroups: [] }, request(), user)).to.equal(ACR_PWD);
  });

  it('keeps a stronger level asked by identity-authz, and never lowers one', async () => {
    expect(await requiredAcr(untouched, { required: true, requiredGroups: ['x'] }, request(ACR_PHR), user)).to.equal(ACR_PHR);
    expect(await requiredAcr(untouched, { required: false, requiredGroups: ['x'] }, request(ACR_MFA), user)).to.equal(ACR_MFA);
    expect(await requiredAcr(untouched, { required: true, requiredGroups: [] }, request(ACR_PWD), user)).to.equal(ACR_MFA);
  });

  it('offers the factors that reach the level: only a passkey reaches phr', () => {
    const totp = { method: 'totp', amr: ['otp'] } as unknown as SecondFactor;
    const passkey = { method: 'passkey', amr: ['hwk'] } as unknown as SecondFactor;
    expect(factorsReaching([totp, passkey], ACR_MFA)).to.deep.equal([totp, passkey]);
    expect(factorsReaching([totp, passkey], ACR_PHR)).to.deep.equal([passkey]);
    expect(sessionReaches('pwd', ACR_MFA)).to.equal(false);
    expect(sessionReaches('pwd otp mfa', ACR_MFA)).to.equal(true);
    expect(sessionReaches('swk mfa', ACR_PHR)).to.equal(true);
  });
});
