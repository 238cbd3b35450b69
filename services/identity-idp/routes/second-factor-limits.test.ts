import { expect } from 'chai';
import { fieldValue, query, type Answer } from '../testing/harness.ts';
import { location, submitLogin } from '../testing/flow.ts';
import { describeSecondFactorPages, otherCode } from '../testing/second-factor.ts';
import { PendingLogins } from '../pending-logins.ts';
import { totpCode } from '../totp.ts';

const PARALLEL = 20;

describeSecondFactorPages('identity-idp second factors counted as logins (lockout, throttle, races)', (t) => {
  it('counts wrong codes as failed logins: the password and four wrong codes lock the account', async () => {
    const { secret } = await t().enrol('guessed');
    t().nextStep();
    const code = totpCode(secret, t().now());
    const wrongCode = otherCode(code);
    const { browser, challenge, answer } = await t().loginWith('guessed', 'totp', wrongCode);
    expect(answer.status).to.equal(401);
    const csrf = fieldValue(answer.text, 'csrf');
    const post = (value: string): Promise<Answer> => browser.post('/login/second-factor', { csrf, login_challenge: challenge, method: 'totp', code: value });
    expect((await post(wrongCode)).status).to.equal(401);
    expect((await post(wrongCode)).status).to.equal(401);
    const fifth = await post(wrongCode);
    expect(fifth.status).to.equal(403);
    expect(fifth.text).to.include('locked after too many failed sign-ins');
    // Locked: the right code is refused too, without being consumed.
    const right = await post(code);
    expect(right.status).to.equal(403);
    const id = (await query<{ id: string }>(t().idp.databaseUrl, "select id from idp_users where username = 'guessed'"))[0]?.id ?? '';
    expect((await t().idp.api('POST', `/users/${id}/unlock`)).status).to.equal(200);
    const after = await post(code);
    expect(after.status, after.text).to.equal(303);
  });
  it(`opens one session for ${String(PARALLEL)} parallel posts of one right code`, async () => {
    const { secret } = await t().enrol('raced');
    t().nextStep();
    const code = totpCode(secret, t().now());
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge();
    const password = await submitLogin(browser, challenge, 'raced');
    const page = await browser.get(location(password));
    const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'totp', code };
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => browser.post('/login/second-factor', form)));
    const passed = answers.filter((answer) => answer.status === 303 && location(answer).startsWith('/consent'));
    expect(passed, answers.map((answer) => answer.status).join(' ')).to.have.length(1);
    expect(answers.every((answer) => answer === passed[0] || [401, 403, 429].includes(answer.status) || (answer.status === 303 && location(answer).startsWith('/login')))).to.equal(true);
    const sessions = await query<{ n: number | string }>(t().idp.databaseUrl, "select count(*) as n from idp_sessions s join idp_users u on u.id = s.user_id where u.username = 'raced'");
    // One from enrolling (password only), one from this login.
    expect(Number(sessions[0]?.n)).to.equal(2);
  });
  it('counts failed re-authentications as failed logins: the fifth locks, then every attempt is refused', async () => {
    const { browser } = await t().enrol('renew-guesser');
    const csrf = fieldValue((await browser.get('/account/totp')).text, 'csrf');
    const attempt = (): Promise<Answer> => browser.post('/account/recovery-codes', { csrf, password: 'not the password', code: '000000' });
    for (let count = 0; count < 4; count += 1) expect((await attempt()).status).to.equal(401);
    for (let count = 0; count < 2; count += 1) {
      const locked = await attempt();
      expect(locked.status).to.equal(403);
      expect(locked.text).to.include('locked after too many failed sign-ins');
    }
    // Locked or not, each attempt fills the throttle window (20), after which the answer is 429.
    const answers: number[] = [];
    for (let count = 0; count < 15; count += 1) answers.push((await browser.post('/account/recovery-codes', { csrf })).status);
    expect(answers.slice(0, 14).every((status) => status === 403), answers.join(' ')).to.equal(true);
    expect(answers[14]).to.equal(429);
  });
  it('opens no second session when another post finished the pending login first', async () => {
    const { codes } = await t().enrol('finished-twice');
    type Finish = (this: PendingLogins, em: Parameters<PendingLogins['finish']>[0], id: string) => Promise<boolean>;
    const original = Object.getOwnPropertyDescriptor(PendingLogins.prototype, 'finish')?.value as Finish;
    // Another request ends the pending login between this one's check of the code and its finish.
    const finish = (pending: PendingLogins, em: Parameters<PendingLogins['finish']>[0], id: string): Promise<boolean> => Reflect.apply(original, pending, [em, id]);
    PendingLogins.prototype.finish = async function finishedElsewhere(this: PendingLogins, em, id) {
      await finish(this, em, id);
      return finish(this, em, id);
    };
    try {
      const { answer, challenge } = await t().loginWith('finished-twice', 'recovery', codes[0] ?? '');
      expect(answer.status).to.equal(303);
      expect(location(answer)).to.equal(`/login?login_challenge=${challenge}`);
    } finally {
      PendingLogins.prototype.finish = original;
    }
  });
});
