import { expect } from 'chai';
import { fieldValue, type Answer, type Browser } from '../testing/harness.ts';
import { createUser, decide, location, PASSWORD, submitLogin, verifiedResult } from '../testing/flow.ts';
import { describeSecondFactorPages, type SecondFactorTest } from '../testing/second-factor.ts';
import { totpCode } from '../totp.ts';

/** The signed login result a redirect to identity-authz carries (checked against the idp's keys). */
async function resultOf(t: SecondFactorTest, answer: Answer): Promise<Record<string, unknown>> {
  expect(answer.status, answer.text).to.equal(303);
  return (await verifiedResult(t.idp, location(answer))).payload;
}

/** Opens the second-factor page a step-up sent `browser` to and posts `code`. */
async function postCode(browser: Browser, challenge: string, code: string): Promise<Answer> {
  const page = await browser.get(`/login/second-factor?login_challenge=${challenge}`);
  expect(page.status, page.text).to.equal(200);
  return browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'totp', code });
}

describeSecondFactorPages('identity-idp idp.mfa.requiredGroups', (t) => {
  async function inGroup(username: string): Promise<void> {
    const users = (await t().idp.api('GET', '/users')).json as { items: { id: string; username: string }[] };
    const id = users.items.find((user) => user.username === username)?.id ?? '';
    const joined = await t().idp.api('PUT', `/users/${id}/groups/operators`);
    expect(joined.status, joined.text).to.equal(204);
  }

  it('makes members of a listed group use a second factor whatever the client asks, and leaves others alone', async () => {
    expect((await t().idp.api('POST', '/groups', { name: 'operators', scopes: ['kms:read'] })).status).to.equal(201);
    await createUser(t().idp, 'operator');
    await inGroup('operator');
    const challenge = await t().idp.challenge();
    expect(await resultOf(t(), await submitLogin(t().idp.browser(), challenge, 'operator'))).to.include({ error: 'unmet_authentication_requirements' });
    await createUser(t().idp, 'plain');
    const plain = await t().idp.challenge();
    const login = await submitLogin(t().idp.browser(), plain, 'plain');
    expect(location(login)).to.equal(`/consent?login_challenge=${plain}`);
  });

  it('steps up a member\'s password session (made before joining the group) on the next sign-in', async () => {
    const { secret, browser } = await t().enrol('late-operator');
    await inGroup('late-operator');
    const challenge = await t().idp.challenge();
    expect(location(await browser.get(`/login?login_challenge=${challenge}`))).to.equal(`/login/second-factor?login_challenge=${challenge}`);
    t().nextStep();
    const passed = await postCode(browser, challenge, totpCode(secret, t().now()));
    expect(location(passed)).to.equal(`/consent?login_challenge=${challenge}`);
    expect((await resultOf(t(), await decide(browser, challenge, 'allow'))).amr).to.deep.equal(['pwd', 'otp', 'mfa']);
    // The password alone never passes for this user again.
    const fresh = await t().idp.challenge();
    const login = await submitLogin(t().idp.browser(), fresh, 'late-operator', PASSWORD);
    expect(location(login)).to.equal(`/login/second-factor?login_challenge=${fresh}`);
  });
}, { idp: { mfa: { requiredGroups: ['operators'] } } });
