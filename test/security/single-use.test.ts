/**
 * Issue 13 point 6: an authorization code (RFC 6749 §4.1.2) and a rotated refresh token (OAuth 2.1
 * §4.3.1) are single use even under concurrency. Of 20 simultaneous redemptions exactly one gets
 * tokens; the rest get `invalid_grant` and reuse detection (RFC 9700 §4.14.2) revokes the grant,
 * so the winner's refresh token is refused as well. On SQLite and on PostgreSQL.
 */
import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import type { HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';

const REDEMPTIONS = 20;

const ENGINES: readonly { readonly title: string; readonly database: () => Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', database: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', database: createPostgresDatabase },
];

function errorOf(answer: HttpAnswer): unknown {
  return (answer.json as { error?: unknown } | undefined)?.error;
}

for (const engine of ENGINES) {
  describe(`single use under concurrency on ${engine.title} (issue 13 point 6)`, function () {
    this.timeout(60_000);
    let scratch: Scratch | undefined;
    let authz: AuthzHarness;
    let client: TestClient;

    before(async () => {
      scratch = await engine.database();
      authz = await startAuthz(scratch === undefined ? {} : { databaseUrl: scratch.url });
      client = await createCodeClient(authz);
    });
    after(async () => {
      await authz.close();
      await scratch?.drop();
    });

    /** Fires the same token request `REDEMPTIONS` times at once; returns the one winner's answer. */
    async function race(fields: Readonly<Record<string, string>>): Promise<HttpAnswer> {
      const answers = await Promise.all(Array.from({ length: REDEMPTIONS }, () => authz.form('/token', fields, client)));
      const won = answers.filter((answer) => answer.status === 200);
      expect(won, 'redemptions that got tokens').to.have.length(1);
      const refused = answers.filter((answer) => answer.status === 400 && errorOf(answer) === 'invalid_grant');
      expect(refused, 'redemptions refused with invalid_grant').to.have.length(REDEMPTIONS - 1);
      return won[0] ?? expect.fail('no redemption won');
    }

    async function refusedRefresh(refreshToken: string): Promise<void> {
      const answer = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, client);
      expect(answer.status, answer.text).to.equal(400);
      expect(errorOf(answer)).to.equal('invalid_grant');
    }

    it(`of ${String(REDEMPTIONS)} concurrent redemptions of one authorization code, exactly one succeeds and the grant is revoked`, async () => {
      const { code, verifier } = await issueCode(authz, client);
      const won = await race({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      await refusedRefresh((won.json as { refresh_token: string }).refresh_token);
    });

    it(`of ${String(REDEMPTIONS)} concurrent redemptions of one refresh token, exactly one succeeds and the grant is revoked`, async () => {
      const { code, verifier } = await issueCode(authz, client);
      const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
      expect(tokens.status, tokens.text).to.equal(200);
      const won = await race({ grant_type: 'refresh_token', refresh_token: (tokens.json as { refresh_token: string }).refresh_token });
      await refusedRefresh((won.json as { refresh_token: string }).refresh_token);
    });
  });
}
