import { expect } from 'chai';
import { fieldValue, query } from '../testing/harness.ts';
import { createUser, decide, location, PASSWORD, submitLogin, verifiedResult } from '../testing/flow.ts';
import { codesOf, describeSecondFactorPages, otherCode, secretsOf } from '../testing/second-factor.ts';
import { totpCode } from '../totp.ts';
import { PAGE_POLICY } from './index.ts';
import { WRONG_PASSWORD_OR_CODE } from './account.ts';
import { WRONG_CODE } from './second-factor.ts';

describeSecondFactorPages('identity-idp TOTP and recovery codes through the pages', (t) => {
  it('refuses the enrolment page without a session (403 page)', async () => {
    const page = await t().idp.browser().get('/account/totp');
    expect(page.status).to.equal(403);
    expect(page.text).to.include('sign in through an application first');
  });
  it('enrols: an inline SVG QR code under the page policy, the base32 secret and the otpauth URI; one valid code confirms and shows ten recovery codes once', async () => {
    await createUser(t().idp, 'enrolling');
    const browser = await t().signedIn('enrolling');
    const page = await browser.get('/account/totp');
    expect(page.status).to.equal(200);
    expect(page.headers['content-security-policy']).to.equal(PAGE_POLICY);
    expect(PAGE_POLICY).not.to.include('img-src').and.not.to.include('unsafe-inline');
    expect(page.text).to.match(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<path[^>]*stroke="#000000"/s);
    for (const banned of ['<script', '<img', 'style=', 'data:']) expect(page.text).not.to.include(banned);
    const [secret = '', uri = ''] = secretsOf(page.text);
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    expect(uri).to.equal(`otpauth://totp/cryptoutil:enrolling?issuer=cryptoutil&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
    // The page shows the same secret until it is confirmed.
    expect(secretsOf((await browser.get('/account/totp')).text)[0]).to.equal(secret);
    const rows = await query<{ sealed_secret: Buffer; confirmed_at: unknown }>(t().idp.databaseUrl, "select t.sealed_secret, t.confirmed_at from idp_totp t join idp_users u on u.id = t.user_id where u.username = 'enrolling'");
    expect(Buffer.from(rows[0]?.sealed_secret ?? '').toString('latin1')).not.to.include(secret);
    expect(rows[0]?.confirmed_at).to.equal(null);

    const csrf = fieldValue(page.text, 'csrf');
    expect((await browser.post('/account/totp', { csrf })).status).to.equal(401);
    const wrong = await browser.post('/account/totp', { csrf, password: PASSWORD, code: '12345' });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include(WRONG_PASSWORD_OR_CODE);
    // The password is asked too: a stolen session alone cannot turn on an attacker's authenticator.
    expect((await browser.post('/account/totp', { csrf, password: 'not the password', code: totpCode(secret, t().now()) })).status).to.equal(401);
    expect(secretsOf((await browser.get('/account/totp')).text)[0]).to.equal(secret);
    const confirmed = await browser.post('/account/totp', { csrf, password: PASSWORD, code: totpCode(secret, t().now()) });
    expect(confirmed.status).to.equal(200);
    const codes = codesOf(confirmed.text);
    expect(codes).to.have.length(10);
    const stored = await query<{ code_hash: string }>(t().idp.databaseUrl, "select c.code_hash from idp_recovery_codes c join idp_users u on u.id = c.user_id where u.username = 'enrolling'");
    expect(stored).to.have.length(10);
    for (const row of stored) for (const code of codes) expect(row.code_hash).not.to.include(code.replaceAll('-', ''));
    // Once on, the page shows the status, never the secret or the codes again.
    const status = await browser.get('/account/totp');
    expect(status.text).to.include('Two-step verification is on').and.include('<strong>10</strong> unused recovery codes');
    expect(status.text).not.to.include(secret).and.not.to.include(codes[0]);
    const twice = await browser.post('/account/totp', { csrf, password: PASSWORD, code: totpCode(secret, t().now()) });
    expect(twice.status).to.equal(409);
  });
  it('asks for the code after the password, signs in with pwd otp mfa, and refuses the same code again (replay)', async () => {
    const { secret } = await t().enrol('totp-user');
    t().nextStep();
    const code = totpCode(secret, t().now());
    const wrongCode = otherCode(code);
    const first = await t().loginWith('totp-user', 'totp', wrongCode);
    expect(first.answer.status).to.equal(401);
    expect(first.answer.text).to.include(WRONG_CODE);
    expect(first.browser.cookies.has('__Host-idp_session')).to.equal(false);
    // The page is bound to its login request: another one sends the browser back to the password.
    const other = await t().idp.challenge();
    const elsewhere = await first.browser.get(`/login/second-factor?login_challenge=${other}`);
    expect(elsewhere.status).to.equal(303);
    expect(location(elsewhere)).to.equal(`/login?login_challenge=${other}`);
    // So is a browser without the pending login's cookie.
    expect(location(await t().idp.browser().get(`/login/second-factor?login_challenge=${first.challenge}`))).to.equal(`/login?login_challenge=${first.challenge}`);

    const page = await first.browser.get(`/login/second-factor?login_challenge=${first.challenge}`);
    const passed = await first.browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: first.challenge, method: 'totp', code });
    expect(passed.status, passed.text).to.equal(303);
    expect(location(passed)).to.equal(`/consent?login_challenge=${first.challenge}`);
    expect(first.browser.cookies.has('__Host-idp_pending')).to.equal(false);
    const allowed = await decide(first.browser, first.challenge, 'allow');
    expect((await verifiedResult(t().idp, location(allowed))).payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);

    const replay = await t().loginWith('totp-user', 'totp', code);
    expect(replay.answer.status).to.equal(401);
    expect(replay.answer.text).to.include(WRONG_CODE);
  });
  it('signs in with a recovery code once, says how many are left, and reports amr pwd otp mfa', async () => {
    const { codes } = await t().enrol('recovering');
    const [code = ''] = codes;
    const used = await t().loginWith('recovering', 'recovery', code.toLowerCase());
    expect(used.answer.status, used.answer.text).to.equal(200);
    expect(used.answer.text).to.include('<p class="notice" role="status">You signed in with a recovery code. 9 recovery codes left.</p>');
    expect(used.answer.text).to.include(`href="/consent?login_challenge=${used.challenge}"`);
    const allowed = await decide(used.browser, used.challenge, 'allow');
    expect((await verifiedResult(t().idp, location(allowed))).payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
    const again = await t().loginWith('recovering', 'recovery', code);
    expect(again.answer.status).to.equal(401);
    const unknownMethod = await t().loginWith('recovering', 'sms', '123456');
    expect(unknownMethod.answer.status).to.equal(400);
  });
  it('makes new recovery codes only after the password and a current code', async () => {
    const { secret, codes, browser } = await t().enrol('renewing');
    const status = await browser.get('/account/totp');
    const csrf = fieldValue(status.text, 'csrf');
    t().nextStep();
    for (const password of ['', 'x'.repeat(257)]) {
      expect((await browser.post('/account/recovery-codes', { csrf, password, code: '000000' })).status).to.equal(401);
    }
    expect((await browser.post('/account/recovery-codes', { csrf })).status).to.equal(401);
    const wrong = await browser.post('/account/recovery-codes', { csrf, password: 'not the password', code: totpCode(secret, t().now()) });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include(WRONG_PASSWORD_OR_CODE);
    t().nextStep();
    const renewed = await browser.post('/account/recovery-codes', { csrf, password: PASSWORD, code: totpCode(secret, t().now()) });
    expect(renewed.status, renewed.text).to.equal(200);
    const fresh = codesOf(renewed.text);
    expect(fresh).to.have.length(10);
    expect(fresh).not.to.include(codes[0]);
    expect((await t().loginWith('renewing', 'recovery', codes[0] ?? '')).answer.status).to.equal(401);
    expect((await t().loginWith('renewing', 'recovery', fresh[0] ?? '')).answer.status).to.equal(200);
  });

  it('lets an administrator reset a user\'s second factors: the next login asks for the password alone', async () => {
    await t().enrol('lost-phone');
    const id = (await query<{ id: string }>(t().idp.databaseUrl, "select id from idp_users where username = 'lost-phone'"))[0]?.id ?? '';
    // A login waiting for its code goes too.
    expect(location(await submitLogin(t().idp.browser(), await t().idp.challenge(), 'lost-phone'))).to.match(/^\/login\/second-factor/);
    expect(await query(t().idp.databaseUrl, 'select id from idp_pending_logins where user_id = ?', [id])).to.have.length(1);
    const reader = await t().idp.token(['idp:read']);
    expect((await t().idp.api('DELETE', `/users/${id}/second-factors`, undefined, reader)).status).to.equal(403);
    expect((await t().idp.api('DELETE', '/users/01900000-0000-7000-8000-000000000000/second-factors')).status).to.equal(404);
    expect((await t().idp.api('DELETE', `/users/${id}/second-factors`)).status).to.equal(204);
    for (const table of ['idp_totp', 'idp_recovery_codes', 'idp_pending_logins']) {
      expect(await query(t().idp.databaseUrl, `select user_id from ${table} where user_id = ?`, [id]), table).to.deep.equal([]);
    }
    const browser = t().idp.browser();
    const challenge = await t().idp.challenge();
    const login = await submitLogin(browser, challenge, 'lost-phone');
    expect(location(login)).to.equal(`/consent?login_challenge=${challenge}`);
    expect((await verifiedResult(t().idp, location(await decide(browser, challenge, 'allow')))).payload.amr).to.deep.equal(['pwd']);
  });
});
