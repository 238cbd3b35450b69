/**
 * Issue 13 point 3: behind a reverse proxy. `http.trustedProxies` decides whose X-Forwarded-For
 * is believed; the login throttle (like the allowlist, the rate limiter and the access log) keys
 * on the client so resolved, together with the username, so one user's failures through a shared
 * ingress address do not lock anyone else out. The test clients connect from 127.0.0.1, which
 * plays the ingress.
 */
import { expect } from 'chai';
import { startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { createUser, openLoginForm, PASSWORD } from '../../services/identity-idp/testing/flow.ts';

const THROTTLE = 3;
const WRONG = 'a wrong guess';

function forwardedFor(address: string): Record<string, string> {
  return { 'x-forwarded-for': address };
}

describe('login throttle behind a proxy (issue 13 point 3)', function () {
  this.timeout(60_000);

  async function withIdp(trustedProxies: readonly string[], body: (idp: IdpHarness) => Promise<void>): Promise<void> {
    const proxies = trustedProxies.length === 0 ? {} : { http: { trustedProxies } };
    const idp = await startIdp({ config: { ...proxies, idp: { throttle: { maxFailures: THROTTLE } } } });
    try {
      await body(idp);
    } finally {
      await idp.close();
    }
  }

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    await withIdp([], async (idp) => {
      await createUser(idp, 'user-a');
      const post = await openLoginForm(idp);
      for (let attempt = 0; attempt < THROTTLE; attempt += 1) {
        expect((await post('user-a', WRONG, forwardedFor('198.51.100.1'))()).status).to.equal(401);
      }
      // A client cannot escape its throttle by naming itself someone else.
      expect((await post('user-a', PASSWORD, forwardedFor('198.51.100.2'))()).status).to.equal(429);
    });
  });

  it('believes X-Forwarded-For from a trusted proxy: each client behind it has its own throttle', async () => {
    await withIdp(['127.0.0.0/8'], async (idp) => {
      await createUser(idp, 'user-a');
      const post = await openLoginForm(idp);
      for (let attempt = 0; attempt < THROTTLE; attempt += 1) {
        expect((await post('user-a', WRONG, forwardedFor('198.51.100.1'))()).status).to.equal(401);
      }
      expect((await post('user-a', PASSWORD, forwardedFor('198.51.100.1'))()).status).to.equal(429);
      // The leftmost entry is the client's own claim; the proxy's entry is what counts.
      expect((await post('user-a', PASSWORD, forwardedFor('203.0.113.9, 198.51.100.1'))()).status).to.equal(429);
      expect((await post('user-a', PASSWORD, forwardedFor('198.51.100.2'))()).status).to.equal(303);
    });
  });

  it('keys the throttle on address and username: user A throttled from the ingress address does not block user B', async () => {
    await withIdp([], async (idp) => {
      await createUser(idp, 'user-a');
      await createUser(idp, 'user-b');
      const post = await openLoginForm(idp);
      for (let attempt = 0; attempt < THROTTLE; attempt += 1) expect((await post('user-a', WRONG)()).status).to.equal(401);
      expect((await post('user-a', PASSWORD)()).status).to.equal(429);
      expect((await post('user-b', PASSWORD)()).status).to.equal(303);
    });
  });
});
