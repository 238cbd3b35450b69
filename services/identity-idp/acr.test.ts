import { expect } from 'chai';
import { ACR_MFA, ACR_PHR, ACR_PWD, ACR_VALUES, acrOf, acrRank, isAcr, requestedAcr, satisfies, stronger } from './acr.ts';

describe('identity suite acr levels', () => {
  it('orders pwd < mfa < phr, each meeting the ones below it', () => {
    expect(ACR_VALUES.map(acrRank)).to.deep.equal([0, 1, 2]);
    expect(satisfies(ACR_PHR, ACR_MFA)).to.equal(true);
    expect(satisfies(ACR_MFA, ACR_MFA)).to.equal(true);
    expect(satisfies(ACR_PWD, ACR_MFA)).to.equal(false);
    expect(stronger(ACR_PWD, ACR_MFA)).to.equal(ACR_MFA);
    expect(stronger(ACR_PHR, ACR_MFA)).to.equal(ACR_PHR);
  });

  it('derives the level from amr (RFC 8176): a passkey is phr, two factors mfa, else pwd', () => {
    expect(acrOf(['pwd'])).to.equal(ACR_PWD);
    expect(acrOf([])).to.equal(ACR_PWD);
    expect(acrOf(['pwd', 'otp', 'mfa'])).to.equal(ACR_MFA);
    expect(acrOf(['hwk', 'mfa'])).to.equal(ACR_PHR);
    expect(acrOf(['swk', 'mfa'])).to.equal(ACR_PHR);
    expect(acrOf(['pwd', 'hwk', 'mfa'])).to.equal(ACR_PHR);
  });

  it('reads acr_values as the weakest of our values named, ignoring the others', () => {
    expect(requestedAcr(`${ACR_PHR} ${ACR_MFA}`)).to.equal(ACR_MFA);
    expect(requestedAcr(`${ACR_MFA} ${ACR_PHR}`)).to.equal(ACR_MFA);
    expect(requestedAcr(`urn:example:gold ${ACR_PHR}`)).to.equal(ACR_PHR);
    expect(requestedAcr('urn:example:gold 0')).to.equal(undefined);
    expect(requestedAcr(undefined)).to.equal(undefined);
    expect(requestedAcr(['urn:cryptoutil:acr:mfa'])).to.equal(undefined);
    expect(isAcr(ACR_MFA)).to.equal(true);
    expect(isAcr('urn:cryptoutil:acr:gold')).to.equal(false);
  });
});
