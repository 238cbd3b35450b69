import { expect } from 'chai';
import { fieldValue, query, type Answer, type Browser } from '../testing/harness.ts';
import { createUser, PASSWORD, submitLogin } from '../testing/flow.ts';
import { describeSecondFactorPages } from '../testing/second-factor.ts';
import { WRONG_PASSWORD } from './account.ts';
import { PASSWORD_CHANGED, PASSWORD_CHANGED_MEANWHILE, PASSWORDS_DIFFER } from './password.ts';

const NEW_PASSWORD = 'a brand new passphrase';

async function failedAttempts(databaseUrl: string, username: string): Promise<number> {
  const [row] = await query<{ failed_attempts: number }>(databaseUrl, 'select failed_attempts from idp_users where username = ?', [username]);
  return Number(row?.failed_attempts);
}

describeSecondFactorPages('identity-idp password change page (/account/password)', (t) => {
  /** The CSRF token of a signed-in browser's password page. */
  async function csrfOf(browser: Browser, path = '/account/password'): Promise<string> {
    return fieldValue((await browser.get(path)).text, 'csrf');
  }

  it('changes the password: the new one is checked first, the current one is counted as a login, other sessions end and identity-authz is told', async () => {
    const userId = await createUser(t().idp, 'changer');
    const browser = await t().signedIn('changer');
    const elsewhere = await t().signedIn('changer');
    const csrf = await csrfOf(browser);
    const events = t().idp.accountEvents.length;

    const short = await browser.post('/account/password', { csrf, password: PASSWORD, new_password: 'too short', confirm_password: 'too short' });
    expect(short.status).to.equal(400);
    expect(short.text).to.include('at least 12 characters');
    const differ = await browser.post('/account/password', { csrf, password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: `${NEW_PASSWORD}!` });
    expect(differ.status).to.equal(400);
    expect(differ.text).to.include(PASSWORDS_DIFFER);
    expect((await browser.post('/account/password', { csrf, password: PASSWORD })).status).to.equal(400);
    // Neither refusal checked the current password, so neither counted.
    expect(await failedAttempts(t().idp.databaseUrl, 'changer')).to.equal(0);

    const wrong = await browser.post('/account/password', { csrf, password: 'not the password at all', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include(WRONG_PASSWORD);
    expect(await failedAttempts(t().idp.databaseUrl, 'changer')).to.equal(1);

    const changed = await browser.post('/account/password', { csrf, password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
    expect(changed.status, changed.text).to.equal(200);
    expect(changed.text).to.include(PASSWORD_CHANGED);
    expect(changed.text).not.to.include(NEW_PASSWORD).and.not.to.include(PASSWORD);
    expect(await failedAttempts(t().idp.databaseUrl, 'changer')).to.equal(0);
    expect((await browser.get('/account')).status).to.equal(200);
    expect((await elsewhere.get('/account')).status).to.equal(403);
    const delivered = t().idp.accountEvents.slice(events);
    expect(delivered).to.have.length(1);
    const [, payload = ''] = String(delivered[0]?.jws).split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).to.include({ sub: userId, event: 'password-changed' });

    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'changer', NEW_PASSWORD)).status).to.equal(303);
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'changer')).status).to.equal(401);
  });

  it('changes nothing when identity-authz cannot be told (503)', async () => {
    await createUser(t().idp, 'unheard');
    const browser = await t().signedIn('unheard');
    const elsewhere = await t().signedIn('unheard');
    const csrf = await csrfOf(browser);
    t().idp.authzDown = true;
    try {
      const answer = await browser.post('/account/password', { csrf, password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
      expect(answer.status).to.equal(503);
    } finally {
      t().idp.authzDown = false;
    }
    expect((await elsewhere.get('/account')).status).to.equal(200);
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'unheard')).status).to.equal(303);
  });

  it('locks the account after wrong current passwords as after wrong logins', async () => {
    await createUser(t().idp, 'guessed');
    const browser = await t().signedIn('guessed');
    const csrf = await csrfOf(browser);
    const guess = (): Promise<Answer> => browser.post('/account/password', { csrf, password: 'a guess at the password', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
    for (let attempt = 1; attempt < 5; attempt += 1) expect((await guess()).status).to.equal(401);
    const locking = await guess();
    expect(locking.status).to.equal(403);
    expect(locking.text).to.include('locked after too many failed sign-ins');
    // Even the right password is refused now, without a check.
    expect((await browser.post('/account/password', { csrf, password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD })).status).to.equal(403);
  });

  it('lets exactly one of 4 parallel changes with the right password win; the others get a 409 page', async () => {
    await createUser(t().idp, 'racer');
    const browser = await t().signedIn('racer');
    const csrf = await csrfOf(browser);
    const passwords = [0, 1, 2, 3].map((index) => `${NEW_PASSWORD} number ${String(index)}`);
    const answers = await Promise.all(passwords.map((password) => browser.post('/account/password', { csrf, password: PASSWORD, new_password: password, confirm_password: password })));
    const winners = answers.flatMap((answer, index) => (answer.status === 200 ? [index] : []));
    expect(winners, answers.map((answer) => answer.status).join(' ')).to.have.length(1);
    for (const answer of answers.filter((item) => item.status !== 200)) {
      // A loser that read the user before the winner's write gets 409; one that read it after
      // checked the current password against the new hash: a wrong password now.
      expect(answer.status).to.be.oneOf([409, 401]);
      expect(answer.text).to.include(answer.status === 409 ? PASSWORD_CHANGED_MEANWHILE : WRONG_PASSWORD);
    }
    const winner = passwords[winners[0] ?? -1] ?? '';
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'racer', winner)).status).to.equal(303);
    const loser = passwords.find((password) => password !== winner) ?? '';
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'racer', loser)).status).to.equal(401);
    expect((await browser.get('/account')).status).to.equal(200);
  });
});
