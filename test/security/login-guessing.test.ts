/**
 * Issue 13 point 1: password guessing is bounded under concurrency. Each login attempt reserves
 * its place in the account's lockout count and in the address+username throttle before the
 * password is hashed, so a burst of parallel guesses gets no more password checks than the
 * threshold, and a right password sent while the account is locked is refused. Every check is
 * counted and held until each request of the burst is answered or inside a check, which makes the
 * race deterministic. On SQLite and on PostgreSQL.
 */
import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import { startIdp, type Answer, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { createUser, openLoginForm, PASSWORD } from '../../services/identity-idp/testing/flow.ts';
import { PasswordChecks } from '../../services/identity-idp/testing/password-checks.ts';

const GUESSES = 50;
const LOCKOUT = 5;
const THROTTLE = 10;
/** Far above the burst: the limit not under test stays out of the way. */
const UNREACHED = 1000;
const WRONG = 'a wrong guess';

const ENGINES: readonly { readonly title: string; readonly database: () => Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', database: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', database: createPostgresDatabase },
];

function hasSession(answer: Answer): boolean {
  return [answer.headers['set-cookie'] ?? []].flat().some((line) => line.startsWith('__Host-idp_session='));
}

for (const engine of ENGINES) {
  describe(`login guessing under concurrency on ${engine.title} (issue 13 point 1)`, function () {
    this.timeout(120_000);
    let checks: PasswordChecks;

    before(() => { checks = PasswordChecks.watch(); });
    after(() => { checks.restore(); });

    /** An idp of its own (each configuration gets a fresh database) for `body`. */
    async function withIdp(config: Readonly<Record<string, unknown>>, body: (idp: IdpHarness) => Promise<void>): Promise<void> {
      const scratch = await engine.database();
      const idp = await startIdp({ config, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
      try {
        await body(idp);
      } finally {
        await idp.close();
        await scratch?.drop();
      }
    }

    it(`${String(GUESSES)} parallel wrong guesses get at most ${String(LOCKOUT)} password checks, and the right password sent during them is refused`, async () => {
      await withIdp({ idp: { lockout: { maxFailures: LOCKOUT }, throttle: { maxFailures: UNREACHED } } }, async (idp) => {
        await createUser(idp, 'guessed');
        const post = await openLoginForm(idp);
        checks.count = 0;
        checks.hold();
        const wrong = await checks.send(Array.from({ length: GUESSES }, () => post('guessed', WRONG)));
        const [right] = await checks.send([post('guessed', PASSWORD)]);
        checks.release();
        const answers = await Promise.all(wrong);
        const rightAnswer = await (right ?? expect.fail('no answer'));
        expect(checks.count, 'password checks').to.be.at.most(LOCKOUT);
        expect(rightAnswer.status, 'the right password while locked').to.equal(403);
        expect(rightAnswer.text).to.include('locked after too many failed sign-ins');
        expect(hasSession(rightAnswer)).to.equal(false);
        expect(answers.filter((answer) => answer.status === 401), 'wrong guesses checked').to.have.length.at.most(LOCKOUT);
        expect(answers.filter((answer) => answer.status === 403), 'wrong guesses refused as locked').to.have.length.at.least(GUESSES - LOCKOUT);
      });
    });

    it(`the same burst from one address gets 429 beyond ${String(THROTTLE)} attempts, before any password check`, async () => {
      await withIdp({ idp: { lockout: { maxFailures: UNREACHED }, throttle: { maxFailures: THROTTLE } } }, async (idp) => {
        await createUser(idp, 'throttled');
        const post = await openLoginForm(idp);
        checks.count = 0;
        checks.hold();
        const pending = await checks.send([...Array.from({ length: GUESSES }, () => post('throttled', WRONG)), post('throttled', PASSWORD)]);
        checks.release();
        const answers = await Promise.all(pending);
        expect(checks.count, 'password checks').to.equal(THROTTLE);
        const throttled = answers.filter((answer) => answer.status === 429);
        expect(throttled, 'answered 429').to.have.length(GUESSES + 1 - THROTTLE);
        expect(throttled.every((answer) => Number(answer.headers['retry-after']) >= 1)).to.equal(true);
      });
    });
  });
}
