import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../../template/testing/databases.ts';
import { fieldValue, query, startIdp, type Answer, type Browser, type IdpHarness } from '../testing/harness.ts';
import { createUser, decide, location, PASSWORD, submitLogin, verifiedResult } from '../testing/flow.ts';
import { PendingLogins } from '../pending-logins.ts';
import { TOTP_PERIOD_SECONDS, totpCode } from '../totp.ts';
import { PAGE_POLICY } from './index.ts';
import { WRONG_CODE } from './second-factor.ts';

const ENGINES: readonly { readonly title: string; readonly scratch?: () => Promise<Scratch> }[] = [
  { title: 'SQLite' },
  { title: 'PostgreSQL', scratch: createPostgresDatabase },
];
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const PARALLEL = 20;

/** The text of the first `<code class="secret">` of a page, unescaped. */
function secretsOf(page: string): string[] {
  return [...page.matchAll(/<code class="secret">([^<]*)<\/code>/g)].map((match) => (match[1] ?? '').replaceAll('&amp;', '&'));
}

function codesOf(page: string): string[] {
  return [...page.matchAll(/<li>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<\/li>/g)].map((match) => match[1] ?? '');
}

for (const engine of ENGINES) {
  describe(`identity-idp second factors through the pages on ${engine.title}`, function () {
    this.timeout(60_000);
    let idp: IdpHarness;
    let scratch: Scratch | undefined;
    // The idp's clock runs `ahead` of the real one: tests move it a step on instead of waiting one out.
    let ahead = 0;
    const idpNow = (): number => Date.now() + ahead;
    before(async () => {
      scratch = await engine.scratch?.();
      idp = await startIdp({ ...(scratch === undefined ? {} : { databaseUrl: scratch.url }), now: () => new Date(idpNow()) });
    });
    after(async () => {
      await idp.close();
      await scratch?.drop();
    });

    /** Moves the idp's clock to the next time step, so a code of the new step has not been used. */
    function nextStep(): void {
      ahead += STEP_MS;
    }

    /** A signed-in browser of `username` (password alone: no factor yet). */
    async function signedIn(username: string): Promise<Browser> {
      const browser = idp.browser();
      const login = await submitLogin(browser, await idp.challenge(), username);
      expect(login.status, login.text).to.equal(303);
      return browser;
    }

    /** Creates `username` and turns TOTP on through the pages; answers the secret and the recovery codes. */
    async function enrol(username: string): Promise<{ secret: string; codes: string[]; browser: Browser }> {
      await createUser(idp, username);
      const browser = await signedIn(username);
      const page = await browser.get('/account/totp');
      const [secret = ''] = secretsOf(page.text);
      const confirmed = await browser.post('/account/totp', { csrf: fieldValue(page.text, 'csrf'), code: totpCode(secret, idpNow()) });
      expect(confirmed.status, confirmed.text).to.equal(200);
      return { secret, codes: codesOf(confirmed.text), browser };
    }

    /** Password, then the second-factor page: answers its POST of `code` by `method`. */
    async function loginWith(username: string, method: 'totp' | 'recovery', code: string, challenge?: string): Promise<{ answer: Answer; browser: Browser; challenge: string }> {
      const browser = idp.browser();
      const chosen = challenge ?? await idp.challenge();
      const password = await submitLogin(browser, chosen, username);
      expect(password.status, password.text).to.equal(303);
      expect(location(password)).to.equal(`/login/second-factor?login_challenge=${chosen}`);
      const page = await browser.get(location(password));
      expect(page.status, page.text).to.equal(200);
      const answer = await browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: chosen, method, code });
      return { answer, browser, challenge: chosen };
    }

    it('refuses the enrolment page without a session (403 page)', async () => {
      const page = await idp.browser().get('/account/totp');
      expect(page.status).to.equal(403);
      expect(page.text).to.include('sign in through an application first');
    });

    it('enrols: an inline SVG QR code under the page policy, the base32 secret and the otpauth URI; one valid code confirms and shows ten recovery codes once', async () => {
      await createUser(idp, 'enrolling');
      const browser = await signedIn('enrolling');
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
      const rows = await query<{ sealed_secret: Buffer; confirmed_at: unknown }>(idp.databaseUrl, "select t.sealed_secret, t.confirmed_at from idp_totp t join idp_users u on u.id = t.user_id where u.username = 'enrolling'");
      expect(Buffer.from(rows[0]?.sealed_secret ?? '').toString('latin1')).not.to.include(secret);
      expect(rows[0]?.confirmed_at).to.equal(null);

      const csrf = fieldValue(page.text, 'csrf');
      expect((await browser.post('/account/totp', { csrf })).status).to.equal(400);
      const wrong = await browser.post('/account/totp', { csrf, code: '12345' });
      expect(wrong.status).to.equal(400);
      expect(wrong.text).to.include(WRONG_CODE);
      const confirmed = await browser.post('/account/totp', { csrf, code: totpCode(secret, idpNow()) });
      expect(confirmed.status).to.equal(200);
      const codes = codesOf(confirmed.text);
      expect(codes).to.have.length(10);
      const stored = await query<{ code_hash: string }>(idp.databaseUrl, "select c.code_hash from idp_recovery_codes c join idp_users u on u.id = c.user_id where u.username = 'enrolling'");
      expect(stored).to.have.length(10);
      for (const row of stored) for (const code of codes) expect(row.code_hash).not.to.include(code.replaceAll('-', ''));
      // Once on, the page shows the status, never the secret or the codes again.
      const status = await browser.get('/account/totp');
      expect(status.text).to.include('Two-step verification is on').and.include('<strong>10</strong> unused recovery codes');
      expect(status.text).not.to.include(secret).and.not.to.include(codes[0]);
      const twice = await browser.post('/account/totp', { csrf, code: totpCode(secret, idpNow()) });
      expect(twice.status).to.equal(409);
    });

    it('asks for the code after the password, signs in with pwd otp mfa, and refuses the same code again (replay)', async () => {
      const { secret } = await enrol('totp-user');
      nextStep();
      const code = totpCode(secret, idpNow());
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const first = await loginWith('totp-user', 'totp', wrongCode);
      expect(first.answer.status).to.equal(401);
      expect(first.answer.text).to.include(WRONG_CODE);
      expect(first.browser.cookies.has('__Host-idp_session')).to.equal(false);
      // The page is bound to its login request: another one sends the browser back to the password.
      const other = await idp.challenge();
      const elsewhere = await first.browser.get(`/login/second-factor?login_challenge=${other}`);
      expect(elsewhere.status).to.equal(303);
      expect(location(elsewhere)).to.equal(`/login?login_challenge=${other}`);
      // So is a browser without the pending login's cookie.
      expect(location(await idp.browser().get(`/login/second-factor?login_challenge=${first.challenge}`))).to.equal(`/login?login_challenge=${first.challenge}`);

      const page = await first.browser.get(`/login/second-factor?login_challenge=${first.challenge}`);
      const passed = await first.browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: first.challenge, method: 'totp', code });
      expect(passed.status, passed.text).to.equal(303);
      expect(location(passed)).to.equal(`/consent?login_challenge=${first.challenge}`);
      expect(first.browser.cookies.has('__Host-idp_pending')).to.equal(false);
      const allowed = await decide(first.browser, first.challenge, 'allow');
      expect((await verifiedResult(idp, location(allowed))).payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);

      const replay = await loginWith('totp-user', 'totp', code);
      expect(replay.answer.status).to.equal(401);
      expect(replay.answer.text).to.include(WRONG_CODE);
    });

    it('signs in with a recovery code once, says how many are left, and reports amr pwd otp mfa', async () => {
      const { codes } = await enrol('recovering');
      const [code = ''] = codes;
      const used = await loginWith('recovering', 'recovery', code.toLowerCase());
      expect(used.answer.status, used.answer.text).to.equal(200);
      expect(used.answer.text).to.include('9 recovery codes left.');
      expect(used.answer.text).to.include(`href="/consent?login_challenge=${used.challenge}"`);
      const allowed = await decide(used.browser, used.challenge, 'allow');
      expect((await verifiedResult(idp, location(allowed))).payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
      const again = await loginWith('recovering', 'recovery', code);
      expect(again.answer.status).to.equal(401);
      const unknownMethod = await loginWith('recovering', 'sms' as 'totp', '123456');
      expect(unknownMethod.answer.status).to.equal(400);
    });

    it('counts wrong codes as failed logins: the password and four wrong codes lock the account', async () => {
      const { secret } = await enrol('guessed');
      nextStep();
      const code = totpCode(secret, idpNow());
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const { browser, challenge, answer } = await loginWith('guessed', 'totp', wrongCode);
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
      const id = (await query<{ id: string }>(idp.databaseUrl, "select id from idp_users where username = 'guessed'"))[0]?.id ?? '';
      expect((await idp.api('POST', `/users/${id}/unlock`)).status).to.equal(200);
      const after = await post(code);
      expect(after.status, after.text).to.equal(303);
    });

    it(`opens one session for ${String(PARALLEL)} parallel posts of one right code`, async () => {
      const { secret } = await enrol('raced');
      nextStep();
      const code = totpCode(secret, idpNow());
      const browser = idp.browser();
      const challenge = await idp.challenge();
      const password = await submitLogin(browser, challenge, 'raced');
      const page = await browser.get(location(password));
      const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method: 'totp', code };
      const answers = await Promise.all(Array.from({ length: PARALLEL }, () => browser.post('/login/second-factor', form)));
      const passed = answers.filter((answer) => answer.status === 303 && location(answer).startsWith('/consent'));
      expect(passed, answers.map((answer) => answer.status).join(' ')).to.have.length(1);
      expect(answers.every((answer) => answer === passed[0] || [401, 403, 429].includes(answer.status) || (answer.status === 303 && location(answer).startsWith('/login')))).to.equal(true);
      const sessions = await query<{ n: number | string }>(idp.databaseUrl, "select count(*) as n from idp_sessions s join idp_users u on u.id = s.user_id where u.username = 'raced'");
      // One from enrolling (password only), one from this login.
      expect(Number(sessions[0]?.n)).to.equal(2);
    });

    it('makes new recovery codes only after the password and a current code', async () => {
      const { secret, codes, browser } = await enrol('renewing');
      const status = await browser.get('/account/totp');
      const csrf = fieldValue(status.text, 'csrf');
      nextStep();
      for (const password of ['', 'x'.repeat(257)]) {
        expect((await browser.post('/account/recovery-codes', { csrf, password, code: '000000' })).status).to.equal(401);
      }
      expect((await browser.post('/account/recovery-codes', { csrf })).status).to.equal(401);
      const wrong = await browser.post('/account/recovery-codes', { csrf, password: 'not the password', code: totpCode(secret, idpNow()) });
      expect(wrong.status).to.equal(401);
      expect(wrong.text).to.include('The password or the code is incorrect.');
      // That code was consumed by the refused attempt: the next step's code is needed.
      nextStep();
      const renewed = await browser.post('/account/recovery-codes', { csrf, password: PASSWORD, code: totpCode(secret, idpNow()) });
      expect(renewed.status, renewed.text).to.equal(200);
      const fresh = codesOf(renewed.text);
      expect(fresh).to.have.length(10);
      expect(fresh).not.to.include(codes[0]);
      expect((await loginWith('renewing', 'recovery', codes[0] ?? '')).answer.status).to.equal(401);
      expect((await loginWith('renewing', 'recovery', fresh[0] ?? '')).answer.status).to.equal(200);
    });

    it('counts failed re-authentications as failed logins: the fifth locks, then every attempt is refused', async () => {
      const { browser } = await enrol('renew-guesser');
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
      const { codes } = await enrol('finished-twice');
      type Finish = (this: PendingLogins, em: Parameters<PendingLogins['finish']>[0], id: string) => Promise<boolean>;
      const original = Object.getOwnPropertyDescriptor(PendingLogins.prototype, 'finish')?.value as Finish;
      // Another request ends the pending login between this one's check of the code and its finish.
      const finish = (pending: PendingLogins, em: Parameters<PendingLogins['finish']>[0], id: string): Promise<boolean> => Reflect.apply(original, pending, [em, id]);
      PendingLogins.prototype.finish = async function finishedElsewhere(this: PendingLogins, em, id) {
        await finish(this, em, id);
        return finish(this, em, id);
      };
      try {
        const { answer, challenge } = await loginWith('finished-twice', 'recovery', codes[0] ?? '');
        expect(answer.status).to.equal(303);
        expect(location(answer)).to.equal(`/login?login_challenge=${challenge}`);
      } finally {
        PendingLogins.prototype.finish = original;
      }
    });
  });
}
