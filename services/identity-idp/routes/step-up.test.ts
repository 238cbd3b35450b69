import { expect } from 'chai';
import { ACR_MFA, ACR_PHR } from '../acr.ts';
import { fieldValue, query, type Answer, type Browser } from '../testing/harness.ts';
import { createUser, decide, location, submitLogin, verifiedResult } from '../testing/flow.ts';
import { describeSecondFactorPages, otherCode, type SecondFactorTest } from '../testing/second-factor.ts';
import { totpCode } from '../totp.ts';

/** The signed login result a redirect to identity-authz carries (checked against the idp's keys). */
async function resultOf(t: SecondFactorTest, answer: Answer): Promise<Record<string, unknown>> {
  expect(answer.status, answer.text).to.equal(303);
  return (await verifiedResult(t.idp, location(answer))).payload;
}

/** The session's auth_time and amr as stored, for `username`'s newest session. */
async function newestSession(t: SecondFactorTest, username: string): Promise<{ amr: string; auth_time: unknown }> {
  const rows = await query<{ amr: string; auth_time: unknown }>(t.idp.databaseUrl, 'select s.amr, s.auth_time from idp_sessions s join idp_users u on u.id = s.user_id where u.username = ? order by s.created_at desc, s.id desc', [username]);
  return rows[0] ?? { amr: '', auth_time: null };
}

/** A stored timestamp in milliseconds, whichever way the engine answers it. */
function millis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
}

/** Opens the second-factor page a step-up sent `browser` to and posts `code`. */
async function postCode(browser: Browser, challenge: string, code: string): Promise<Answer> {
  const page = await browser.get(`/login/second-factor?login_challenge=${challenge}`);
  expect(page.status, page.text).to.equal(200);
  return browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'totp', code });
}

describeSecondFactorPages('identity-idp step-up and the acr a login must reach', (t) => {
  it('steps a password session up with the second factor alone: amr pwd otp mfa, the first auth_time kept', async () => {
    // enrol() signs in with the password alone, then turns TOTP on: the session stays pwd.
    const { secret, browser } = await t().enrol('stepper');
    const before = await newestSession(t(), 'stepper');
    expect(before.amr).to.equal('pwd');
    // A request that needs no more goes straight on to consent.
    const plain = await t().idp.challenge();
    expect(location(await browser.get(`/login?login_challenge=${plain}`))).to.equal(`/consent?login_challenge=${plain}`);
    const challenge = await t().idp.challenge({ acr: ACR_MFA });
    // Consent refuses the weak session and sends it to the login step …
    expect(location(await browser.get(`/consent?login_challenge=${challenge}`))).to.equal(`/login?login_challenge=${challenge}`);
    // … which asks for the second factor, not the password.
    const login = await browser.get(`/login?login_challenge=${challenge}`);
    expect(login.status).to.equal(303);
    expect(location(login)).to.equal(`/login/second-factor?login_challenge=${challenge}`);
    t().nextStep();
    const code = totpCode(secret, t().now());
    const wrong = await postCode(browser, challenge, otherCode(code));
    expect(wrong.status).to.equal(401);
    const passed = await postCode(browser, challenge, code);
    expect(passed.status, passed.text).to.equal(303);
    expect(location(passed)).to.equal(`/consent?login_challenge=${challenge}`);
    const payload = await resultOf(t(), await decide(browser, challenge, 'allow'));
    expect(payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
    const after = await newestSession(t(), 'stepper');
    expect(after.amr).to.equal('pwd otp mfa');
    expect(millis(before.auth_time)).to.be.above(0);
    expect(millis(after.auth_time)).to.equal(millis(before.auth_time));
    expect(payload.auth_time).to.equal(Math.floor(millis(before.auth_time) / 1000));
    // The upgraded session answers the next request for mfa by itself.
    const next = await t().idp.challenge({ acr: ACR_MFA });
    expect(location(await browser.get(`/login?login_challenge=${next}`))).to.equal(`/consent?login_challenge=${next}`);
  });

  it('asks for the password again when max_age has passed or prompt=login, even with a strong enough level asked', async () => {
    const { browser } = await t().enrol('fresh-login');
    for (const claims of [{ max_age: 0, acr: ACR_MFA }, { prompt: ['login', 'consent'], acr: ACR_MFA }]) {
      const challenge = await t().idp.challenge(claims);
      // A second later, max_age=0 has passed.
      t().nextStep();
      const page = await browser.get(`/login?login_challenge=${challenge}`);
      expect(page.status, JSON.stringify(claims)).to.equal(200);
      expect(page.text).to.include('name="password"');
    }
  });

  it('refuses a user without a second factor with unmet_authentication_requirements, leaving a session to enrol one', async () => {
    await createUser(t().idp, 'no-factor');
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge({ acr: ACR_MFA });
    const payload = await resultOf(t(), await submitLogin(browser, challenge, 'no-factor'));
    expect(payload).to.include({ error: 'unmet_authentication_requirements' }).and.not.to.have.property('scope');
    // The password was right: the account pages can turn a second factor on now.
    expect((await browser.get('/account/totp')).status).to.equal(200);
    // The live session meets the same request with the same answer (no loop through the password page).
    const again = await t().idp.challenge({ acr: ACR_MFA });
    expect(await resultOf(t(), await browser.get(`/login?login_challenge=${again}`))).to.include({ error: 'unmet_authentication_requirements' });
  });

  it('refuses phr (a passkey) to a user with TOTP alone, with no session, and without counting a failure', async () => {
    await t().enrol('totp-only');
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge({ acr: ACR_PHR });
    const payload = await resultOf(t(), await submitLogin(browser, challenge, 'totp-only'));
    expect(payload).to.include({ error: 'unmet_authentication_requirements' });
    expect(browser.cookies.has('__Host-idp_session')).to.equal(false);
    const rows = await query<{ failed_attempts: number | string }>(t().idp.databaseUrl, "select failed_attempts from idp_users where username = 'totp-only'");
    expect(Number(rows[0]?.failed_attempts)).to.equal(0);
  });

  it('counts wrong codes of a step-up as failed logins: the fifth locks the account, the 21st is throttled', async () => {
    const { secret, browser } = await t().enrol('step-locked');
    const challenge = await t().idp.challenge({ acr: ACR_MFA });
    expect(location(await browser.get(`/login?login_challenge=${challenge}`))).to.equal(`/login/second-factor?login_challenge=${challenge}`);
    t().nextStep();
    const wrong = otherCode(totpCode(secret, t().now()));
    for (let attempt = 1; attempt <= 4; attempt += 1) expect((await postCode(browser, challenge, wrong)).status).to.equal(401);
    const fifth = await postCode(browser, challenge, wrong);
    expect(fifth.status).to.equal(403);
    expect(fifth.text).to.include('locked after too many failed sign-ins');
    expect((await postCode(browser, challenge, totpCode(secret, t().now()))).status).to.equal(403);
    // Locked or not, each attempt fills the address's throttle window (20): then 429.
    for (let attempt = 7; attempt <= 20; attempt += 1) expect((await postCode(browser, challenge, wrong)).status).to.equal(403);
    const throttled = await postCode(browser, challenge, wrong);
    expect(throttled.status).to.equal(429);
    expect(throttled.headers['retry-after']).to.match(/^\d+$/);
  });

  it('upgrades one session for 12 parallel posts of one right step-up code', async () => {
    const { secret, browser } = await t().enrol('step-raced');
    const challenge = await t().idp.challenge({ acr: ACR_MFA });
    expect(location(await browser.get(`/login?login_challenge=${challenge}`))).to.equal(`/login/second-factor?login_challenge=${challenge}`);
    t().nextStep();
    const page = await browser.get(`/login/second-factor?login_challenge=${challenge}`);
    const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'totp', code: totpCode(secret, t().now()) };
    const answers = await Promise.all(Array.from({ length: 12 }, () => browser.post('/login/second-factor', form)));
    const passed = answers.filter((answer) => answer.status === 303 && location(answer).startsWith('/consent'));
    expect(passed, answers.map((answer) => answer.status).join(' ')).to.have.length(1);
    const upgraded = await query<{ n: number | string }>(t().idp.databaseUrl, "select count(*) as n from idp_sessions s join idp_users u on u.id = s.user_id where u.username = 'step-raced' and s.amr = 'pwd otp mfa'");
    expect(Number(upgraded[0]?.n)).to.equal(1);
  });
});
