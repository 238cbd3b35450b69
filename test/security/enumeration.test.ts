/**
 * Issue 13 point 2: the login form does not tell whether an account exists. An unknown username
 * gets the same pages (status and text), the same lock after the same number of failures and the
 * same work (one password check per attempt, against the decoy hash) as a known one with a wrong
 * password. The idp's clock stands still, so lock times are equal to the second.
 */
import { expect } from 'chai';
import { startIdp, type Answer, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { createUser, openLoginForm, PASSWORD } from '../../services/identity-idp/testing/flow.ts';
import { PasswordChecks } from '../../services/identity-idp/testing/password-checks.ts';

const LOCKOUT = 3;
const WRONG = 'a wrong guess';

/** What one attempt shows and costs. */
interface Seen {
  readonly status: number;
  readonly page: string;
  readonly checks: number;
}

describe('no account enumeration through the login form (issue 13 point 2)', function () {
  this.timeout(60_000);
  let idp: IdpHarness;
  let checks: PasswordChecks;
  let post: Awaited<ReturnType<typeof openLoginForm>>;
  const now = new Date();

  before(async () => {
    idp = await startIdp({ config: { idp: { lockout: { maxFailures: LOCKOUT } } }, now: () => now });
    post = await openLoginForm(idp);
    checks = PasswordChecks.watch();
  });
  after(async () => {
    checks.restore();
    await idp.close();
  });

  /**
   * One attempt; the page with the username (echoed in the form) and the passkey challenge (fresh
   * on every page, whoever asks) taken out.
   */
  async function attempt(username: string, password: string): Promise<Seen> {
    const before = checks.count;
    const answer: Answer = await post(username, password)();
    const page = answer.text.replaceAll(username, 'USERNAME').replace(/(&quot;challenge&quot;:&quot;)[\w-]{43}/u, '$1CHALLENGE');
    return { status: answer.status, page, checks: checks.count - before };
  }

  async function attempts(username: string, passwords: readonly string[]): Promise<Seen[]> {
    const seen: Seen[] = [];
    for (const password of passwords) seen.push(await attempt(username, password));
    return seen;
  }

  it(`answers an unknown username exactly as a known one with wrong passwords, and locks it after ${String(LOCKOUT)}`, async () => {
    await createUser(idp, 'existing-user');
    // Wrong passwords up to the lock, then the right one (for the unknown name: any one) while locked.
    const passwords = [...Array<string>(LOCKOUT + 1).fill(WRONG), PASSWORD];
    const known = await attempts('existing-user', passwords);
    const unknown = await attempts('missing-user', passwords);
    expect(unknown).to.deep.equal(known);
    expect(known.map((seen) => seen.status)).to.deep.equal([...Array<number>(LOCKOUT - 1).fill(401), 403, 403, 403]);
    expect(known.map((seen) => seen.checks)).to.deep.equal([...Array<number>(LOCKOUT).fill(1), 0, 0]);
    expect(known[0]?.page).to.include('The username or password is incorrect.');
    expect(known.at(-1)?.page).to.include('locked after too many failed sign-ins');
  });

  it('checks a password against the decoy hash for every name no user has, well-formed or not', async () => {
    for (const username of ['never-created', 'not a username!', 'x'.repeat(65)]) {
      const seen = await attempt(username, WRONG);
      expect(seen.status, username).to.equal(401);
      expect(seen.checks, username).to.equal(1);
      expect(seen.page).to.include('The username or password is incorrect.');
    }
  });
});
