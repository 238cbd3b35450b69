/**
 * The second-factor pages as tests drive them, on SQLite and on PostgreSQL: an idp whose clock the
 * test moves a TOTP step on instead of waiting one out, a user enrolled through the pages, and a
 * login through the password and second-factor pages.
 */
import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../../template/testing/databases.ts';
import { TOTP_PERIOD_SECONDS, totpCode } from '../totp.ts';
import { createUser, location, PASSWORD, submitLogin } from './flow.ts';
import { fieldValue, startIdp, type Answer, type Browser, type IdpHarness } from './harness.ts';

const ENGINES: readonly { readonly title: string; readonly scratch?: () => Promise<Scratch> }[] = [
  { title: 'SQLite' },
  { title: 'PostgreSQL', scratch: createPostgresDatabase },
];

/** The base32 secret and the otpauth URI an enrolment page shows, unescaped. */
export function secretsOf(page: string): string[] {
  return [...page.matchAll(/<code class="secret">([^<]*)<\/code>/g)].map((match) => (match[1] ?? '').replaceAll('&amp;', '&'));
}

/** The recovery codes a page shows. */
export function codesOf(page: string): string[] {
  return [...page.matchAll(/<li>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<\/li>/g)].map((match) => match[1] ?? '');
}

/** A six-digit code that is not `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

export interface SecondFactorTest {
  readonly idp: IdpHarness;
  /** The idp's clock, in milliseconds. */
  now(): number;
  /** Moves the idp's clock to the next time step, so a code of the new step has not been used. */
  nextStep(): void;
  /** A browser signed in as `username` (password alone). */
  signedIn(username: string): Promise<Browser>;
  /** Creates `username` and turns TOTP on through the pages. */
  enrol(username: string): Promise<{ secret: string; codes: string[]; browser: Browser }>;
  /** Password, then the second-factor page's POST of `code` by `method`. */
  loginWith(username: string, method: string, code: string): Promise<{ answer: Answer; browser: Browser; challenge: string }>;
}

/** `describe(title on <engine>)` for each engine, with a fresh idp on that engine (and `config` on top of the harness's). */
export function describeSecondFactorPages(title: string, body: (test: () => SecondFactorTest) => void, config: Readonly<Record<string, unknown>> = {}): void {
  for (const engine of ENGINES) {
    describe(`${title} on ${engine.title}`, function () {
      this.timeout(60_000);
      let scratch: Scratch | undefined;
      let test: SecondFactorTest | undefined;
      let ahead = 0;
      before(async () => {
        scratch = await engine.scratch?.();
        const now = (): number => Date.now() + ahead;
        const idp = await startIdp({ ...(scratch === undefined ? {} : { databaseUrl: scratch.url }), now: () => new Date(now()), config });
        const signedIn = async (username: string): Promise<Browser> => {
          const browser = idp.browser();
          const login = await submitLogin(browser, await idp.challenge(), username);
          expect(login.status, login.text).to.equal(303);
          return browser;
        };
        test = {
          idp,
          now,
          nextStep: () => { ahead += TOTP_PERIOD_SECONDS * 1000; },
          signedIn,
          enrol: async (username) => {
            await createUser(idp, username);
            const browser = await signedIn(username);
            const page = await browser.get('/account/totp');
            const [secret = ''] = secretsOf(page.text);
            const confirmed = await browser.post('/account/totp', { csrf: fieldValue(page.text, 'csrf'), password: PASSWORD, code: totpCode(secret, now()) });
            expect(confirmed.status, confirmed.text).to.equal(200);
            return { secret, codes: codesOf(confirmed.text), browser };
          },
          loginWith: async (username, method, code) => {
            const browser = idp.browser();
            const challenge = await idp.challenge();
            const password = await submitLogin(browser, challenge, username);
            expect(password.status, password.text).to.equal(303);
            expect(location(password)).to.equal(`/login/second-factor?login_challenge=${challenge}`);
            const page = await browser.get(location(password));
            expect(page.status, page.text).to.equal(200);
            const answer = await browser.post('/login/second-factor', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, method, code });
            return { answer, browser, challenge };
          },
        };
      });
      after(async () => {
        await test?.idp.close();
        await scratch?.drop();
      });
      body(() => {
        if (test === undefined) throw new Error('the idp starts before the first test');
        return test;
      });
    });
  }
}
