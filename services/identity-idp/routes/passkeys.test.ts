import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { decide, location, PASSWORD, submitLogin, verifiedResult, createUser } from '../testing/flow.ts';
import { fieldValue, query, type Answer, type Browser } from '../testing/harness.ts';
import { describeSecondFactorPages } from '../testing/second-factor.ts';
import { SoftwareAuthenticator, type Answering } from '../testing/authenticator.ts';
import { PASSKEY_SCRIPT_INTEGRITY, PASSKEY_SCRIPT_PATH } from '../pages/passkey-script.ts';
import { NO_SUCH_PASSKEY, PASSKEY_DUPLICATE, PASSKEY_REFUSED } from './passkeys.ts';
import { WRONG_PASSKEY_LOGIN } from './passkey-login.ts';
import { WRONG_PASSKEY } from './second-factor.ts';
import { WRONG_PASSWORD } from './account.ts';

const PARALLEL = 20;

/** The passkey options a page's form `action` carries, as the script reads them. */
function optionsOf(page: string, action: string): { challenge: string; user: { id: string } } {
  const match = new RegExp(`action="${action}" class="passkey" data-passkey="(?:create|get)" data-options="([^"]*)"`).exec(page);
  if (match?.[1] === undefined) throw new Error(`no passkey form posting to ${action}`);
  const json = match[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return JSON.parse(json) as { challenge: string; user: { id: string } };
}

describeSecondFactorPages('identity-idp passkey pages (register, sign in, second step, remove)', (t) => {
  const answering = (): Answering => ({ origin: new URL(t().idp.url).origin, rpId: new URL(t().idp.url).hostname });

  /** A signed-in browser of a new user with one passkey added through the account page. */
  async function withPasskey(username: string): Promise<{ browser: Browser; device: SoftwareAuthenticator }> {
    await createUser(t().idp, username);
    const browser = await t().signedIn(username);
    const device = new SoftwareAuthenticator();
    const page = await browser.get('/account/passkeys');
    const added = await browser.post('/account/passkeys', { csrf: fieldValue(page.text, 'csrf'), password: PASSWORD, response: device.register(optionsOf(page.text, '/account/passkeys'), answering()) });
    expect(added.status, added.text).to.equal(201);
    expect(added.text).to.include('Passkey added.');
    return { browser, device };
  }

  /** A new browser on the login page; posts `response` made from its passkey options. */
  async function passkeyLogin(make: (challenge: string) => string): Promise<{ answer: Answer; browser: Browser; challenge: string }> {
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge();
    const page = await browser.get(`/login?login_challenge=${challenge}`);
    const answer = await browser.post('/login/passkey', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, response: make(optionsOf(page.text, '/login/passkey').challenge) });
    return { answer, browser, challenge };
  }

  async function amrAfterConsent(browser: Browser, challenge: string): Promise<unknown> {
    return (await verifiedResult(t().idp, location(await decide(browser, challenge, 'allow')))).payload.amr;
  }

  it('serves the passkey script with the hash the page policy allows, and the pages load it with integrity', async () => {
    const browser = t().idp.browser();
    const script = await browser.get(PASSKEY_SCRIPT_PATH);
    expect(script.status).to.equal(200);
    expect(script.headers['content-type']).to.equal('text/javascript; charset=utf-8');
    expect(`sha256-${createHash('sha256').update(script.text).digest('base64')}`).to.equal(PASSKEY_SCRIPT_INTEGRITY);
    const login = await browser.get(`/login?login_challenge=${await t().idp.challenge()}`);
    expect(login.headers['content-security-policy']).to.include(`script-src '${PASSKEY_SCRIPT_INTEGRITY}';`).and.not.include('unsafe');
    expect(login.text).to.include(`<script src="${PASSKEY_SCRIPT_PATH}" integrity="${PASSKEY_SCRIPT_INTEGRITY}" defer></script>`);
    expect((await browser.get('/account/passkeys')).status).to.equal(403);
  });

  it('adds a passkey only with the password and a valid response to this session\'s challenge', async () => {
    const { browser, device } = await withPasskey('pk-adder');
    let page = await browser.get('/account/passkeys');
    expect(page.text).to.include('device-bound passkey').and.include('last used never');
    const post = async (fields: Record<string, string>): Promise<Answer> => {
      page = await browser.get('/account/passkeys');
      return browser.post('/account/passkeys', { csrf: fieldValue(page.text, 'csrf'), ...fields });
    };
    const wrongPassword = await post({ password: 'not the password', response: new SoftwareAuthenticator().register(optionsOf(page.text, '/account/passkeys'), answering()) });
    expect(wrongPassword.status).to.equal(401);
    expect(wrongPassword.text).to.include(WRONG_PASSWORD);
    const notVerified = await post({ password: PASSWORD, response: 'garbage' });
    expect(notVerified.status).to.equal(400);
    expect(notVerified.text).to.include(PASSKEY_REFUSED.replaceAll("'", '&#39;'));
    page = await browser.get('/account/passkeys');
    const again = await browser.post('/account/passkeys', { csrf: fieldValue(page.text, 'csrf'), password: PASSWORD, response: device.register(optionsOf(page.text, '/account/passkeys'), answering()) });
    expect(again.status).to.equal(409);
    expect(again.text).to.include(PASSKEY_DUPLICATE);
    page = await browser.get('/account/passkeys');
    const synced = await browser.post('/account/passkeys', { csrf: fieldValue(page.text, 'csrf'), password: PASSWORD, response: new SoftwareAuthenticator().register(optionsOf(page.text, '/account/passkeys'), { ...answering(), synced: true }) });
    expect(synced.status).to.equal(201);
    expect(synced.text).to.include('synced passkey').and.include('device-bound passkey');
  });

  it('signs in with the passkey alone (amr hwk mfa: user-verified); an unknown or wrong one is refused and counted', async () => {
    const { device } = await withPasskey('pk-solo');
    const { answer, browser, challenge } = await passkeyLogin((options) => device.assert(options, answering()));
    expect(answer.status, answer.text).to.equal(303);
    expect(location(answer)).to.equal(`/consent?login_challenge=${challenge}`);
    expect(await amrAfterConsent(browser, challenge)).to.deep.equal(['hwk', 'mfa']);
    expect((await browser.get('/account/passkeys')).text).to.match(/last used \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
    const unknown = await passkeyLogin((options) => new SoftwareAuthenticator().assert(options, answering()));
    expect(unknown.answer.status).to.equal(401);
    expect(unknown.answer.text).to.include(WRONG_PASSKEY_LOGIN);
    const otherOrigin = await passkeyLogin((options) => device.assert(options, { ...answering(), origin: 'https://evil.example' }));
    expect(otherOrigin.answer.status).to.equal(401);
    const failed = await query<{ failed_attempts: number | string }>(t().idp.databaseUrl, "select failed_attempts from idp_users where username = 'pk-solo'");
    expect(Number(failed[0]?.failed_attempts)).to.equal(1);
  });

  it('locks the account after wrong passkey answers, then refuses a valid one; an unknown credential fills the address\'s throttle', async () => {
    const { device } = await withPasskey('pk-locked');
    for (let count = 0; count < 4; count += 1) {
      expect((await passkeyLogin((options) => device.assert(options, { ...answering(), uv: false }))).answer.status).to.equal(401);
    }
    const fifth = await passkeyLogin((options) => device.assert(options, { ...answering(), uv: false }));
    expect(fifth.answer.status).to.equal(403);
    expect(fifth.answer.text).to.include('locked after too many failed sign-ins');
    const valid = await passkeyLogin((options) => device.assert(options, answering()));
    expect(valid.answer.status).to.equal(403);
    // The address's window (20) fills with unknown credentials (earlier tests may have used some).
    const statuses: number[] = [];
    while (statuses.length < 21 && !statuses.includes(429)) statuses.push((await passkeyLogin((options) => new SoftwareAuthenticator().assert(options, answering()))).answer.status);
    expect(statuses.at(-1)).to.equal(429);
    expect(statuses.slice(0, -1).every((status) => status === 401), statuses.join(' ')).to.equal(true);
  });

  it(`opens one session for ${String(PARALLEL)} parallel posts of one passkey assertion`, async () => {
    const { device } = await withPasskey('pk-raced');
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge();
    const page = await browser.get(`/login?login_challenge=${challenge}`);
    const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, response: device.assert(optionsOf(page.text, '/login/passkey').challenge, answering()) };
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => browser.post('/login/passkey', form)));
    expect(answers.filter((answer) => answer.status === 303), answers.map((answer) => answer.status).join(' ')).to.have.length(1);
  });

  it('asks for the passkey after the password (amr pwd hwk mfa) and refuses a wrong or another user\'s one', async () => {
    const { device } = await withPasskey('pk-second');
    const other = await withPasskey('pk-stranger');
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge();
    const password = await submitLogin(browser, challenge, 'pk-second');
    expect(location(password)).to.equal(`/login/second-factor?login_challenge=${challenge}`);
    let page = await browser.get(location(password));
    // No TOTP on this account: the passkey is the only way offered.
    expect(page.text).not.to.include('name="code"');
    // Each answer is a page with a new challenge; each refusal counts (with the password's, three of five).
    const post = async (make: (options: string) => string): Promise<Answer> => {
      page = await browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'passkey', response: make(optionsOf(page.text, '/login/second-factor').challenge) });
      return page;
    };
    const stranger = await post((options) => other.device.assert(options, answering()));
    expect(stranger.status).to.equal(401);
    expect(stranger.text).to.include(WRONG_PASSKEY);
    expect((await post((options) => device.assert(options, { ...answering(), rpId: 'evil.example' }))).status).to.equal(401);
    const answer = await post((options) => device.assert(options, answering()));
    expect(answer.status, answer.text).to.equal(303);
    expect(await amrAfterConsent(browser, challenge)).to.deep.equal(['pwd', 'hwk', 'mfa']);
  });

  it('removes a passkey after the password; an administrator\'s reset removes them all', async () => {
    const { browser } = await withPasskey('pk-removed');
    const remove = async (password: string, id?: string): Promise<Answer> => {
      const page = await browser.get('/account/passkeys');
      return browser.post('/account/passkeys/remove', { csrf: fieldValue(page.text, 'csrf'), password, id: id ?? fieldValue(page.text, 'id') });
    };
    expect((await remove('not the password')).status).to.equal(401);
    const unknown = await remove(PASSWORD, '01900000-0000-7000-8000-000000000000');
    expect(unknown.status).to.equal(404);
    expect(unknown.text).to.include(NO_SUCH_PASSKEY);
    expect((await remove(PASSWORD, 'not-an-id')).status).to.equal(404);
    const page = await browser.get('/account/passkeys');
    expect((await browser.post('/account/passkeys/remove', { csrf: fieldValue(page.text, 'csrf'), password: PASSWORD })).status).to.equal(404);
    const removed = await remove(PASSWORD);
    expect(removed.status).to.equal(200);
    expect(removed.text).to.include('Passkey removed.').and.include('You have no passkeys yet.');
    expect(location(await submitLogin(t().idp.browser(), await t().idp.challenge(), 'pk-removed'))).to.match(/^\/consent/);

    await withPasskey('pk-reset');
    const [row] = await query<{ id: string }>(t().idp.databaseUrl, "select id from idp_users where username = 'pk-reset'");
    expect((await t().idp.api('DELETE', `/users/${row?.id ?? ''}/second-factors`)).status).to.equal(204);
    const left = await query<{ n: number | string }>(t().idp.databaseUrl, 'select count(*) as n from idp_passkeys where user_id = ?', [row?.id]);
    expect(Number(left[0]?.n)).to.equal(0);
  });
});
