import { expect } from 'chai';
import { captureLogs } from '../template/testing/logs.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { httpsCall } from '../template/testing/service-harness.ts';
import { newUnsealShares } from '../template/barrier/index.ts';
import { openDatabase } from '../template/database/index.ts';
import { createPostgresDatabase } from '../template/testing/databases.ts';
import { RevokedToken, UsedLoginResult } from './entities.ts';
import { authzOwnEntities } from './entities.ts';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz, testAuthz } from './testing/harness.ts';
import type { ServiceRuntime, UpSuite } from '../template/service.ts';
import type { AuthzConfig } from './config.ts';
import { AuthzHost } from './host.ts';
import { repeatOnTimer, type Repeat } from './index.ts';
import { UsageError } from '../template/errors/index.ts';

describe('identity-authz across seal, restart and clean-up', function () {
  this.timeout(60_000);

  it('forgets its keys on seal (503 everywhere, rotation refused) and serves the same keys after unseal', async () => {
    const authz = await startAuthz();
    try {
      const admin = { id: ADMIN_CLIENT_ID, secret: authz.adminSecret };
      const before = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin);
      const kid = decodeProtectedHeader((before.json as { access_token: string }).access_token).kid;
      const { ca, adminUrl, adminToken: token } = authz.service;
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/seal`, { token })).status).to.equal(200);
      expect((await authz.get('/.well-known/openid-configuration')).status).to.equal(503);
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/keys/rotate`, { token })).status).to.equal(503);
      for (const share of authz.shares.slice(0, 2)) {
        await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/unseal`, { body: { share }, token });
      }
      const after = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin);
      expect(after.status, after.text).to.equal(200);
      expect(decodeProtectedHeader((after.json as { access_token: string }).access_token).kid).to.equal(kid);
    } finally {
      await authz.close();
    }
  });

  it('brings the bootstrap client in line with a changed configured secret on restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-authz-restart-'));
    const databaseUrl = `sqlite:${join(dir, 'authz.sqlite')}`;
    const shares = await newUnsealShares(3, 2);
    const pepper = randomBytes(32).toString('base64url');
    try {
      const first = await startAuthz({ databaseUrl, shares, pepper });
      const oldSecret = first.adminSecret;
      expect((await first.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: oldSecret })).status).to.equal(200);
      await first.close();
      const same = await startAuthz({ databaseUrl, shares, pepper, adminSecret: oldSecret });
      expect((await same.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: oldSecret })).status).to.equal(200);
      await same.close();
      const second = await startAuthz({ databaseUrl, shares, pepper });
      try {
        const stale = await second.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: oldSecret });
        expect(stale.status).to.equal(401);
        const fresh = await second.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: second.adminSecret });
        expect(fresh.status).to.equal(200);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on settings that cannot work, naming the key (exit 2)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ bootstrapClient: { id: 'lonely', secret: '' } }, 'authz.bootstrapClient.secret'],
      [{ issuer: 'http://plain.example' }, 'authz.issuer'],
      [{ idpUrl: 'not a url' }, 'authz.idpUrl'],
    ];
    for (const [authz, key] of cases) {
      let failure: unknown;
      try {
        const started = await startAuthz({ extra: { authz } });
        await started.close();
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(UsageError);
      expect(String(failure)).to.include(key);
    }
  });

  it('sweeps expired revocations and used login results on its timer, and nothing while sealed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-authz-sweep-'));
    const databaseUrl = `sqlite:${join(dir, 'authz.sqlite')}`;
    const logs = captureLogs();
    // The test runs the timer's ticks itself: each one is a whole sweep, awaited, whatever the machine's load.
    const timers: { ms: number; tick: () => Promise<unknown>; stopped: boolean }[] = [];
    const repeat: Repeat = (ms, tick) => {
      const timer = { ms, tick, stopped: false };
      timers.push(timer);
      return () => { timer.stopped = true; };
    };
    const authz = await startAuthz({ databaseUrl, logger: logs.logger, extra: { authz: { sweepIntervalSeconds: 7 } }, repeat });
    try {
      const db = await openDatabase({ url: databaseUrl, entities: [...authzOwnEntities], migrations: [] });
      try {
        const em = db.orm.em.fork();
        const past = new Date(Date.now() - 60_000);
        const future = new Date(Date.now() + 60_000);
        await em.insert(RevokedToken, { jti: 'old', expiresAt: past });
        await em.insert(RevokedToken, { jti: 'live', expiresAt: future });
        await em.insert(UsedLoginResult, { jti: 'old', expiresAt: past });
        // One timer per service, at the configured interval.
        expect(timers.map((timer) => timer.ms)).to.deep.equal([7000]);
        const [timer] = timers;
        const tick = (): Promise<unknown> => timer?.tick() ?? Promise.reject(new Error('no timer'));
        expect(await tick()).to.be.at.least(2);
        expect(await em.fork().count(RevokedToken, {})).to.equal(1);
        expect(await em.fork().count(UsedLoginResult, {})).to.equal(0);
        await httpsCall(authz.service.ca, 'POST', `${authz.service.adminUrl}/admin/v1/seal`, { token: authz.service.adminToken });
        await em.insert(RevokedToken, { jti: 'old-while-sealed', expiresAt: past });
        expect(await tick()).to.equal(0);
        expect(await em.fork().count(RevokedToken, { jti: 'old-while-sealed' })).to.equal(1);
        for (const share of authz.shares.slice(0, 2)) {
          await httpsCall(authz.service.ca, 'POST', `${authz.service.adminUrl}/admin/v1/unseal`, { body: { share }, token: authz.service.adminToken });
        }
        await em.getConnection().execute('drop table authz_used_login_results');
        expect(await tick()).to.equal(0);
        expect(logs.lines.some((line) => line.includes('sweep of expired authorization data failed'))).to.equal(true);
        expect(timer?.stopped).to.equal(false);
      } finally {
        await db.close();
      }
    } finally {
      await authz.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(timers.map((timer) => timer.stopped)).to.deep.equal([true]);
  });

  it('runs its sweep on a real interval timer by default', async () => {
    let stop = (): void => undefined;
    let ticks = 0;
    await new Promise<void>((resolve) => {
      stop = repeatOnTimer(1, () => {
        ticks += 1;
        if (ticks === 2) resolve();
        return Promise.resolve();
      });
    });
    stop();
    expect(ticks).to.equal(2);
  });

  it('needs the barrier and the hash service, and runs without a bootstrap client', async () => {
    expect(() => new AuthzHost({ runtime: {} as ServiceRuntime<AuthzConfig>, resources: () => [] })).to.throw('the barrier');
    const authz = await startAuthz({ extra: { authz: { bootstrapClient: { id: '', secret: '' } } } });
    try {
      expect((await authz.get('/.well-known/openid-configuration')).status).to.equal(200);
      expect((await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: authz.adminSecret })).status).to.equal(401);
    } finally {
      await authz.close();
    }
  });

  for (const [algorithm, kty] of [['RS256', 'RSA'], ['EdDSA', 'OKP']] as const) {
    it(`signs tokens with ${algorithm} when authz.signingAlgorithm says so`, async () => {
      const authz = await startAuthz({ extra: { authz: { signingAlgorithm: algorithm } } });
      try {
        const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
        expect(jwks.keys.map((key) => [key.kty, key.alg])).to.deep.equal([[kty, algorithm]]);
        const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: authz.adminSecret });
        const token = (answer.json as { access_token: string }).access_token;
        const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: LEARN_PS_RESOURCE, typ: 'at+jwt' });
        expect(protectedHeader.alg).to.equal(algorithm);
      } finally {
        await authz.close();
      }
    });
  }

  it('answers 503 naming authz.idpUrl when a browser must sign in and no identity-idp is configured', async () => {
    const authz = await startAuthz({ extra: { authz: { idpUrl: '' } } });
    try {
      const answer = await authz.get('/interaction/abc');
      expect(answer.status).to.equal(503);
      expect(answer.text).to.include('authz.idpUrl');
    } finally {
      await authz.close();
    }
  });

  it('uses a configured issuer without its trailing slash', async () => {
    const authz = await startAuthz({ configuredIssuer: true });
    try {
      const metadata = (await authz.get('/.well-known/openid-configuration')).json as { issuer: string };
      expect(metadata.issuer).to.equal(authz.issuer);
    } finally {
      await authz.close();
    }
  });

  it('gives cryptoutil up\'s demo client and the identity-idp URL in its up configuration', async () => {
    const secrets = new Map<string, string>();
    const suite = (names: readonly string[]): UpSuite => ({
      dataDir: '/tmp/unused',
      demoClientId: 'cryptoutil-demo',
      publicUrl: (name) => {
        if (!names.includes(name)) throw new Error('not in the suite');
        return `https://127.0.0.1:${{ 'identity-idp': '8181', 'learn-ps': '8480' }[name] ?? '8180'}`;
      },
      secret: (name) => {
        secrets.set(name, secrets.get(name) ?? `secret-of-${name}`);
        return Promise.resolve(String(secrets.get(name)));
      },
      signInClients: () => Promise.resolve(names.includes('identity-rp') ? [rpClient] : []),
    });
    const rpClient = {
      id: 'identity-rp', secret: 'secret-of-identity-rp', redirectUris: ['https://127.0.0.1:8183/bff/callback'],
      postLogoutRedirectUris: ['https://127.0.0.1:8183/'], openidScopes: ['openid'], resourceScopes: {},
    };
    // corsOrigins: the Swagger UI of every service in the suite may call the token endpoint.
    expect(await testAuthz.upConfig?.(suite(['identity-authz', 'identity-idp', 'learn-ps']))).to.deep.equal({
      authz: { idpUrl: 'https://127.0.0.1:8181', corsOrigins: ['https://127.0.0.1:8180', 'https://127.0.0.1:8480'], bootstrapClient: { id: 'cryptoutil-demo', secret: 'secret-of-cryptoutil-demo' }, signInClients: [] },
    });
    expect(await testAuthz.upConfig?.(suite(['identity-authz']))).to.deep.include({
      authz: { idpUrl: '', corsOrigins: ['https://127.0.0.1:8180'], bootstrapClient: { id: 'cryptoutil-demo', secret: 'secret-of-cryptoutil-demo' }, signInClients: [] },
    });
    // A service that signs users in (identity-rp) gets its client, as the suite describes it.
    const withRp = await testAuthz.upConfig?.(suite(['identity-authz', 'identity-rp'])) as { authz: { signInClients: unknown[] } };
    expect(withRp.authz.signInClients).to.deep.equal([rpClient]);
  });
});

describe('identity-authz authz.signInClients', function () {
  this.timeout(60_000);
  const secret = randomBytes(32).toString('base64url');
  const client = (redirect: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'identity-rp', secret, redirectUris: [`${redirect}/bff/callback`], postLogoutRedirectUris: [`${redirect}/`],
    openidScopes: ['openid', 'profile'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, ...extra,
  });

  /** A pushed authorization request as identity-rp makes it: the client's credentials must hold. */
  function push(authz: Awaited<ReturnType<typeof startAuthz>>, redirectUri: string, withSecret: string): ReturnType<typeof authz.form> {
    return authz.form('/request', {
      response_type: 'code', client_id: 'identity-rp', redirect_uri: redirectUri, scope: 'openid pets:read', resource: LEARN_PS_RESOURCE,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'state-1', nonce: 'nonce-1',
    }, { id: 'identity-rp', secret: withSecret });
  }

  it('creates the configured client and brings it in line with a changed configuration on restart, keeping its lifetimes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-authz-signin-'));
    const databaseUrl = `sqlite:${join(dir, 'authz.sqlite')}`;
    const shares = await newUnsealShares(3, 2);
    const pepper = randomBytes(32).toString('base64url');
    try {
      const first = await startAuthz({ databaseUrl, shares, pepper, extra: { authz: { signInClients: [client('https://127.0.0.1:8183')] } } });
      try {
        const shown = await first.api('GET', '/clients/identity-rp');
        expect(shown.status, shown.text).to.equal(200);
        expect(shown.json).to.deep.include({
          clientId: 'identity-rp', tokenEndpointAuthMethod: 'client_secret_basic', grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: ['https://127.0.0.1:8183/bff/callback'], postLogoutRedirectUris: ['https://127.0.0.1:8183/'],
          openidScopes: ['openid', 'profile'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] },
        });
        expect(shown.text).to.not.include(secret);
        expect((await push(first, 'https://127.0.0.1:8183/bff/callback', secret)).status).to.equal(201);
        expect((await push(first, 'https://127.0.0.1:8183/bff/callback', randomBytes(32).toString('base64url'))).status).to.equal(401);
        // An administrator gives the client its own access token lifetime: a restart keeps it.
        const changed = await first.api('PUT', '/clients/identity-rp', {
          name: 'identity-rp', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://127.0.0.1:8183/bff/callback'],
          openidScopes: ['openid'], resourceScopes: {}, accessTokenTtlSeconds: 120,
        });
        expect(changed.status, changed.text).to.equal(200);
      } finally {
        await first.close();
      }
      // The next `up --port-offset 1000`: the redirect URIs move, and a new secret replaces the old one.
      const newSecret = randomBytes(32).toString('base64url');
      const second = await startAuthz({ databaseUrl, shares, pepper, extra: { authz: { signInClients: [client('https://127.0.0.1:9183', { secret: newSecret, backchannelLogoutUri: 'https://127.0.0.1:9183/bff/backchannel-logout' })] } } });
      try {
        const shown = await second.api('GET', '/clients/identity-rp');
        expect(shown.json).to.deep.include({
          redirectUris: ['https://127.0.0.1:9183/bff/callback'], postLogoutRedirectUris: ['https://127.0.0.1:9183/'],
          openidScopes: ['openid', 'profile'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, accessTokenTtlSeconds: 120,
          // Logout tokens name the session this client must end.
          backchannelLogoutUri: 'https://127.0.0.1:9183/bff/backchannel-logout', backchannelLogoutSessionRequired: true,
        });
        expect((await push(second, 'https://127.0.0.1:8183/bff/callback', newSecret)).status).to.equal(400);
        expect((await push(second, 'https://127.0.0.1:9183/bff/callback', secret)).status).to.equal(401);
        expect((await push(second, 'https://127.0.0.1:9183/bff/callback', newSecret)).status).to.equal(201);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers 500 and logs the client when it names a scope no resource has (the configuration is wrong, not the request)', async () => {
    const logs = captureLogs();
    const authz = await startAuthz({ logger: logs.logger, extra: { authz: { signInClients: [client('https://127.0.0.1:8183', { resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:fly'] } })] } } });
    try {
      const answer = await authz.get('/.well-known/openid-configuration');
      expect(answer.status).to.equal(500);
      expect(logs.lines.join('')).to.include('authz.signInClients: client identity-rp').and.not.include(secret);
    } finally {
      await authz.close();
    }
  });

  it('lets two processes unsealed at once on one PostgreSQL database both create the configured clients: neither answers 500', async () => {
    const scratch = await createPostgresDatabase();
    const shares = await newUnsealShares(3, 2);
    const pepper = randomBytes(32).toString('base64url');
    const adminSecret = randomBytes(32).toString('base64url');
    try {
      const options = { databaseUrl: scratch.url, shares, pepper, adminSecret, extra: { authz: { signInClients: [client('https://127.0.0.1:8183')] } } };
      const first = await startAuthz(options);
      const second = await startAuthz(options);
      try {
        // The first request of each process creates the clients; both find none and insert.
        const answers = await Promise.all([first, second].map((authz) => authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: adminSecret })));
        expect(answers.map((answer) => answer.status), answers.filter((answer) => answer.status !== 200).map((answer) => answer.text).join('\n')).to.deep.equal([200, 200]);
        expect((await push(second, 'https://127.0.0.1:8183/bff/callback', secret)).status).to.equal(201);
        expect((await push(first, 'https://127.0.0.1:8183/bff/callback', secret)).status).to.equal(201);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    } finally {
      await scratch.drop();
    }
  });
});
