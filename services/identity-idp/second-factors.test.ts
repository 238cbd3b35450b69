import { expect } from 'chai';
import { ForbiddenError } from '../template/errors/index.ts';
import type { IdpUser } from './entities.ts';
import { passSecondFactors, SECOND_FACTORS, type SecondFactor } from './second-factors.ts';

const user = { id: 'u1', username: 'alice' } as IdpUser;
const form = new URLSearchParams();

function factor(amr: string, applies: boolean, verify: () => Promise<void> = () => Promise.resolve()): SecondFactor & { calls: number } {
  const made = { amr, calls: 0, appliesTo: () => Promise.resolve(applies), verify: () => { made.calls += 1; return verify(); } };
  return made;
}

describe('second factors (the MFA seam)', () => {
  it('has no factor in this version, so amr is pwd alone', async () => {
    expect(SECOND_FACTORS).to.deep.equal([]);
    expect(await passSecondFactors(SECOND_FACTORS, { user, form })).to.deep.equal(['pwd']);
  });

  it('runs every factor that applies, in order, and adds its RFC 8176 amr value', async () => {
    const otp = factor('otp', true);
    const hwk = factor('hwk', false);
    const sms = factor('sms', true);
    expect(await passSecondFactors([otp, hwk, sms], { user, form })).to.deep.equal(['pwd', 'otp', 'sms']);
    expect([otp.calls, hwk.calls, sms.calls]).to.deep.equal([1, 0, 1]);
  });

  it('stops the login when a factor refuses', async () => {
    const refusing = factor('otp', true, () => Promise.reject(new ForbiddenError('wrong code')));
    const after = factor('hwk', true);
    const failure: unknown = await passSecondFactors([refusing, after], { user, form }).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(ForbiddenError);
    expect(after.calls).to.equal(0);
  });
});
