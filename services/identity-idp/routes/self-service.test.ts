import { expect } from 'chai';
import { fieldValue, query, type Answer, type Browser } from '../testing/harness.ts';
import { createUser, PASSWORD, submitLogin } from '../testing/flow.ts';
import { describeSecondFactorPages, otherCode } from '../testing/second-factor.ts';
import { totpCode } from '../totp.ts';
import { PAGE_POLICY } from './index.ts';
import { TOTP_NOT_ON, WRONG_PASSWORD_OR_CODE } from './account.ts';
import { NO_SUCH_SESSION } from './self-service.ts';

const NEW_PASSWORD = 'a brand new passphrase';
const ACCOUNT_PAGES = ['/account', '/account/password', '/account/sessions', '/account/totp', '/account/passkeys'];

/** The rows of a sessions page: the row id each end form posts, and whether it is this browser's. */
function rowsOf(page: string): { rowId: string; current: boolean }[] {
  return page.split('<li class="session-row">').slice(1).map((item) => ({ rowId: fieldValue(item, 'row'), current: item.includes('<strong>This browser</strong>') }));
}

function currentRow(page: string): string {
  const row = rowsOf(page).find((item) => item.current);
  if (row === undefined) throw new Error('the page marks no session as this browser\'s');
  return row.rowId;
}

function statuses(answers: readonly Answer[]): number[] {
  return answers.map((answer) => answer.status).sort((a, b) => a - b);
}

describeSecondFactorPages('identity-idp account self-service pages (home, two-step off, sessions, CSRF)', (t) => {
  /** The CSRF token of a signed-in browser's password page. */
  async function csrfOf(browser: Browser, path = '/account/password'): Promise<string> {
    return fieldValue((await browser.get(path)).text, 'csrf');
  }

  it('renders every account page for a signed-in user under the page policy, and refuses them without a session', async () => {
    await createUser(t().idp, 'home-user');
    const browser = await t().signedIn('home-user');
    for (const path of ACCOUNT_PAGES) {
      const page = await browser.get(path);
      expect(page.status, path).to.equal(200);
      expect(page.headers['content-security-policy']).to.equal(PAGE_POLICY);
      expect(page.headers['cache-control']).to.equal('no-store');
    }
    const home = await browser.get('/account');
    expect(home.text).to.include('<strong>home-user</strong>').and.include('two-step verification is off').and.include('(1 session)');
    await t().signedIn('home-user');
    expect((await browser.get('/account')).text).to.include('(2 sessions)');
    for (const link of ['/account/password', '/account/totp', '/account/passkeys', '/account/sessions', '/logout']) expect(home.text).to.include(`href="${link}"`);

    const stranger = t().idp.browser();
    for (const path of ACCOUNT_PAGES) {
      const page = await stranger.get(path);
      expect(page.status, path).to.equal(403);
      expect(page.text).to.include('sign in through an application first');
    }
    // A stranger with a CSRF token of its own is still nobody's session.
    const csrf = fieldValue((await stranger.get('/logout')).text, 'csrf');
    for (const path of ['/account/password', '/account/totp/off', '/account/sessions/end', '/account/sessions/end-others']) {
      expect((await stranger.post(path, { csrf, password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD, row: 'x', code: '123456' })).status, path).to.equal(403);
    }
  });

  it('refuses every account form without the CSRF token or from another origin, changing nothing', async () => {
    await createUser(t().idp, 'csrf-victim');
    const browser = await t().signedIn('csrf-victim');
    const other = await t().signedIn('csrf-victim');
    const csrf = await csrfOf(browser);
    const change = { password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD };
    const refusals = [
      await browser.post('/account/password', change),
      await browser.post('/account/password', { ...change, csrf: 'A'.repeat(43) }),
      await browser.post('/account/password', { ...change, csrf }, { origin: 'https://evil.example' }),
      await browser.post('/account/sessions/end-others', {}),
      await browser.post('/account/sessions/end', { row: currentRow((await other.get('/account/sessions')).text) }),
      await browser.post('/account/totp/off', { password: PASSWORD, code: '123456' }),
    ];
    for (const answer of refusals) {
      expect(answer.status).to.equal(403);
      expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
    }
    // Both sessions live on, and the password is the old one.
    expect((await other.get('/account')).status).to.equal(200);
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'csrf-victim')).status).to.equal(303);
  });

  it('turns TOTP off only with the password and a current code or a recovery code, which is consumed', async () => {
    const { codes, browser } = await t().enrol('switching-off');
    const countOf = async (table: string): Promise<number> => {
      const [row] = await query<{ n: number }>(t().idp.databaseUrl, `select count(*) as n from ${table} t join idp_users u on u.id = t.user_id where u.username = ? and ${table === 'idp_recovery_codes' ? 't.used_at is null' : '1 = 1'}`, ['switching-off']);
      return Number(row?.n);
    };
    const page = await browser.get('/account/totp');
    expect(page.text).to.include('action="/account/totp/off"');
    const csrf = fieldValue(page.text, 'csrf');
    const [code = ''] = codes;

    const wrongCode = await browser.post('/account/totp/off', { csrf, password: PASSWORD, code: otherCode(totpCode('A'.repeat(32), t().now())) });
    expect(wrongCode.status).to.equal(401);
    expect(wrongCode.text).to.include(WRONG_PASSWORD_OR_CODE);
    expect((await browser.post('/account/totp/off', { csrf, password: PASSWORD })).status).to.equal(401);
    const wrongRecovery = await browser.post('/account/totp/off', { csrf, password: PASSWORD, code: 'AAAA-AAAA-AAAA-AAAA' });
    expect(wrongRecovery.status).to.equal(401);
    // A right code after a wrong password is not even checked: the code stays unused.
    expect((await browser.post('/account/totp/off', { csrf, password: 'not the password', code })).status).to.equal(401);
    expect(await countOf('idp_recovery_codes')).to.equal(10);
    expect(await countOf('idp_totp')).to.equal(1);
    // Four failures counted as logins: one more would lock the account. An administrator unlocks it.
    const [user] = await query<{ id: string; failed_attempts: number }>(t().idp.databaseUrl, 'select id, failed_attempts from idp_users where username = ?', ['switching-off']);
    expect(Number(user?.failed_attempts)).to.equal(4);
    expect((await t().idp.api('POST', `/users/${String(user?.id)}/unlock`)).status).to.equal(200);

    // One recovery code, posted twice at once: it is used once.
    const answers = await Promise.all([0, 1].map(() => browser.post('/account/totp/off', { csrf, password: PASSWORD, code })));
    expect(answers.filter((answer) => answer.status === 200), statuses(answers).join(' ')).to.have.length(1);
    expect(answers.find((answer) => answer.status !== 200)?.status).to.be.oneOf([401, 409]);
    expect(answers.find((answer) => answer.status === 200)?.text).to.include('Two-step verification is off');
    expect(await countOf('idp_totp')).to.equal(0);
    expect(await countOf('idp_recovery_codes')).to.equal(0);
    const again = await browser.post('/account/totp/off', { csrf, password: PASSWORD, code });
    expect(again.status).to.equal(409);
    expect(again.text).to.include(TOTP_NOT_ON);
    // The password alone signs in again.
    expect((await submitLogin(t().idp.browser(), await t().idp.challenge(), 'switching-off')).status).to.equal(303);
  });

  it('turns TOTP off with a current code of the authenticator', async () => {
    const { secret, browser } = await t().enrol('code-off');
    expect((await browser.get('/account')).text).to.include('two-step verification is on');
    t().nextStep();
    const off = await browser.post('/account/totp/off', { csrf: await csrfOf(browser, '/account/totp'), password: PASSWORD, code: totpCode(secret, t().now()) });
    expect(off.status, off.text).to.equal(200);
    expect((await browser.get('/account')).text).to.include('two-step verification is off');
  });

  it('lists the live sessions by opaque row ids, ends one, ends all others, and answers 404 for another user\'s row', async () => {
    await createUser(t().idp, 'many-places');
    await createUser(t().idp, 'someone-else');
    const here = await t().signedIn('many-places');
    const there = await t().signedIn('many-places');
    const third = await t().signedIn('many-places');
    const stranger = await t().signedIn('someone-else');

    const page = await here.get('/account/sessions');
    expect(page.status).to.equal(200);
    const rows = rowsOf(page.text);
    expect(rows).to.have.length(3);
    expect(rows.filter((row) => row.current)).to.have.length(1);
    const ids = await query<{ id: string }>(t().idp.databaseUrl, 'select s.id from idp_sessions s join idp_users u on u.id = s.user_id where u.username = ?', ['many-places']);
    expect(ids).to.have.length(3);
    for (const { id } of ids) expect(page.text).not.to.include(id);
    for (const browser of [here, there, third]) expect(page.text).not.to.include(String(browser.cookies.get('__Host-idp_session')));
    const csrf = fieldValue(page.text, 'csrf');

    // Another user's session, a made-up row and nothing at all are the same 404.
    for (const row of [currentRow((await stranger.get('/account/sessions')).text), 'A'.repeat(86), '', 'not a row!', undefined]) {
      const answer = await here.post('/account/sessions/end', row === undefined ? { csrf } : { csrf, row });
      expect(answer.status).to.equal(404);
      expect(answer.text).to.include(NO_SUCH_SESSION);
    }
    expect((await stranger.get('/account')).status).to.equal(200);

    // One session, ended by two posts at once: one ends it, the other finds it gone.
    const thereRow = currentRow((await there.get('/account/sessions')).text);
    const ended = await Promise.all([0, 1].map(() => here.post('/account/sessions/end', { csrf, row: thereRow })));
    expect(statuses(ended)).to.deep.equal([200, 404]);
    expect(ended.find((answer) => answer.status === 200)?.text).to.include('The session was ended.');
    expect((await there.get('/account')).status).to.equal(403);
    expect(rowsOf((await here.get('/account/sessions')).text)).to.have.length(2);

    const others = await here.post('/account/sessions/end-others', { csrf });
    expect(others.status).to.equal(200);
    expect(others.text).to.include('1 other session ended.');
    expect((await third.get('/account')).status).to.equal(403);
    expect((await stranger.get('/account')).status).to.equal(200);
    expect(rowsOf(others.text)).to.deep.equal([{ rowId: currentRow(page.text), current: true }]);
    expect((await here.post('/account/sessions/end-others', { csrf })).text).to.include('0 other sessions ended.');

    // This browser's own row signs it out.
    const out = await here.post('/account/sessions/end', { csrf, row: currentRow(page.text) });
    expect(out.status).to.equal(200);
    expect(out.text).to.include('You are signed out');
    expect(here.cookies.has('__Host-idp_session')).to.equal(false);
    expect((await here.get('/account')).status).to.equal(403);
  });
});
