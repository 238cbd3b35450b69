import { expect } from 'chai';
import { createHashService, type HashError } from '../../template/hash/index.ts';
import { createPostgresDatabase, type Scratch } from '../../template/testing/databases.ts';
import { fieldValue, query, startIdp, type IdpHarness } from '../testing/harness.ts';
import { createUser, openLoginForm, PASSWORD } from '../testing/flow.ts';
import { PasswordChecks } from '../testing/password-checks.ts';
import { decoyHash, OVERLOADED_MESSAGE } from './login.ts';

const ENGINES: readonly { readonly title: string; scratch(): Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', scratch: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', scratch: createPostgresDatabase },
];

for (const engine of ENGINES) {
  describe(`login under an overloaded hash gate (issue 19 point 6) on ${engine.title}`, function () {
    this.timeout(60_000);
    let idp: IdpHarness;
    let scratch: Scratch | undefined;
    before(async () => {
      scratch = await engine.scratch();
      // One password check at a time and none waiting: a second login while one is checked is refused.
      idp = await startIdp({
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
        config: { hash: { maxConcurrent: 1, maxQueued: 0 }, idp: { throttle: { maxFailures: 2 } } },
      });
    });
    after(async () => {
      await idp.close();
      await scratch?.drop();
    });

    async function failedAttempts(username: string): Promise<number> {
      const [row] = await query<{ failed_attempts: number }>(idp.databaseUrl, 'select failed_attempts from idp_users where username = ?', [username]);
      return Number(row?.failed_attempts);
    }

    it('answers 503 with Retry-After and the form again, before the throttle or the lockout counts anything', async () => {
      await createUser(idp, 'crowded');
      const post = await openLoginForm(idp);
      const checks = PasswordChecks.watch();
      try {
        checks.hold();
        // The first attempt holds the only place while its check waits.
        const [first] = await checks.send([post('crowded', 'a wrong password')]);
        expect(checks.held).to.equal(1);
        const refused = await Promise.all(Array.from({ length: 5 }, () => post('crowded', PASSWORD)()));
        for (const answer of refused) {
          expect(answer.status).to.equal(503);
          expect(answer.headers['retry-after']).to.equal('1');
          expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
          expect(answer.text).to.include(OVERLOADED_MESSAGE);
          expect(fieldValue(answer.text, 'username')).to.equal('crowded');
        }
        // Refused before the reservation: only the held attempt is counted.
        expect(await failedAttempts('crowded')).to.equal(1);
        expect(checks.count).to.equal(1);
        checks.release();
        expect((await first)?.status).to.equal(401);
      } finally {
        checks.restore();
      }
      // The throttle allows two failures per address and username: had a refusal counted, this
      // second wrong password would get 429; it gets 401, and only the third is throttled.
      expect((await post('crowded', 'another wrong one')()).status).to.equal(401);
      expect(await failedAttempts('crowded')).to.equal(2);
      expect((await post('crowded', 'a third wrong one')()).status).to.equal(429);
    });

    it('once the place is free, the same user signs in: an overload never locks anyone out', async () => {
      await createUser(idp, 'patient');
      const post = await openLoginForm(idp);
      expect((await post('patient', PASSWORD)()).status).to.equal(303);
      expect(await failedAttempts('patient')).to.equal(0);
    });
  });
}

describe('the decoy hash under an overloaded gate', () => {
  it('an overload refusing the decoy is not remembered: the next unknown user gets it made', async () => {
    const hash = await createHashService({ pepper: 'p'.repeat(32), pbkdf2Iterations: { 3: 1_000 }, maxConcurrent: 1, maxQueued: 0 });
    const decoy = decoyHash(hash);
    const held = hash.lowEntropyRandom.admit();
    const refused = await decoy().then(() => undefined, (error: unknown) => error);
    expect((refused as HashError).reason).to.equal('ERR_HASH_OVERLOADED');
    held.leave();
    expect(await decoy()).to.match(/^\$low-entropy-random\$v=3\$/);
  });
});
