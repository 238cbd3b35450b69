/**
 * OpenID Connect Back-Channel Logout 1.0 from identity-authz: a client with a logout URI gets a
 * logout token that verifies against the authz's JWKS when its user signs out at end_session or
 * identity-idp's account event ends the account's sessions; a receiver that never answers delays
 * the logout by the deadline at most, and the failure is logged without the token.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { CookieJar } from '../template/testing/cookies.ts';
import { captureLogs, type CapturedLogs } from '../template/testing/logs.ts';
import { httpsCall } from '../template/testing/service-harness.ts';
import { failureReason, LOGOUT_CONCURRENCY, LOGOUT_DEADLINE_MS, logoutSessions, trustingFetch, type LogoutClients } from './backchannel-logout.ts';
import { endSession } from './testing/browser-flow.ts';
import { REDIRECT_URI, signIn, type TestClient } from './testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';
import { startBlackHole, startReceiver, type Receiver } from './testing/logout-receiver.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

async function logoutClient(authz: AuthzHarness, uri: string, sessionRequired: boolean): Promise<TestClient> {
  const created = await authz.api('POST', '/clients', {
    name: 'Logout client', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'],
    resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, backchannelLogoutUri: uri, backchannelLogoutSessionRequired: sessionRequired,
  });
  expect(created.status, created.text).to.equal(201);
  const body = created.json as { clientId: string; clientSecret: string; backchannelLogoutUri: string; backchannelLogoutSessionRequired: boolean };
  expect(body).to.include({ backchannelLogoutUri: uri, backchannelLogoutSessionRequired: sessionRequired });
  return { id: body.clientId, secret: body.clientSecret };
}

async function verified(authz: AuthzHarness, token: string, clientId: string): Promise<JWTPayload> {
  const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: clientId, typ: 'logout+jwt', requiredClaims: ['iat', 'exp', 'jti', 'sub', 'events'] });
  return payload;
}

describe('identity-authz back-channel logout (OpenID Connect Back-Channel Logout 1.0)', function () {
  this.timeout(30_000);
  let authz: AuthzHarness;
  let logs: CapturedLogs;
  let receiver: Receiver;
  before(async () => {
    logs = captureLogs('info');
    authz = await startAuthz({ logger: logs.logger });
    receiver = await startReceiver(authz);
  });
  after(async () => {
    await receiver.close();
    await authz.close();
  });

  it('POSTs a signed logout token (sid, sub, the event, no nonce) when the user signs out at end_session', async () => {
    const client = await logoutClient(authz, receiver.url, true);
    const jar = new CookieJar();
    await signIn(authz, client, 'lena', undefined, jar);
    const before = receiver.deliveries.length;
    const out = await endSession(authz.service.ca, jar, authz.issuer, client.id);
    expect(out.status, out.text).to.be.oneOf([200, 303]);
    expect(receiver.deliveries).to.have.length(before + 1);
    const delivery = receiver.deliveries[before];
    expect(delivery?.contentType).to.equal('application/x-www-form-urlencoded');
    const token = delivery?.fields.get('logout_token') ?? '';
    expect(decodeProtectedHeader(token).typ).to.equal('logout+jwt');
    const claims = await verified(authz, token, client.id);
    expect(claims.sub).to.equal('lena');
    expect(claims.sid).to.be.a('string').and.not.equal('');
    expect(claims.events).to.deep.equal({ [LOGOUT_EVENT]: {} });
    expect(claims).not.to.have.property('nonce');
    expect(Number(claims.exp) - Number(claims.iat)).to.be.within(1, 120);
    expect(logs.lines.join('')).not.to.contain(token);
  });

  it('names the user only (no sid) for a client that did not ask for sessions, and tells it when an account event ends the account', async () => {
    const client = await logoutClient(authz, receiver.url, false);
    await signIn(authz, client, 'mara');
    const before = receiver.deliveries.length;
    const now = Math.floor(Date.now() / 1000);
    const event = await authz.idp.sign({ iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, sub: 'mara', event: 'locked' }, { typ: 'account-event+jwt' });
    const answer = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/account-events`, { headers: { 'content-type': 'application/jwt' }, body: event });
    expect(answer.status, answer.text).to.equal(204);
    expect(receiver.deliveries).to.have.length(before + 1);
    const claims = await verified(authz, receiver.deliveries[before]?.fields.get('logout_token') ?? '', client.id);
    expect(claims.sub).to.equal('mara');
    expect(claims).not.to.have.property('sid');
  });

  it('does not stall a logout beyond the deadline for a receiver that never answers, and logs the failure without the token', async () => {
    const hole = await startBlackHole();
    try {
      const client = await logoutClient(authz, hole.url, true);
      const jar = new CookieJar();
      await signIn(authz, client, 'nils', undefined, jar);
      const started = Date.now();
      const out = await endSession(authz.service.ca, jar, authz.issuer, client.id);
      const took = Date.now() - started;
      expect(out.status, out.text).to.be.oneOf([200, 303]);
      expect(took).to.be.below(LOGOUT_DEADLINE_MS + 1_500);
      const failure = logs.records().find((record) => record.msg === 'a back-channel logout token was not delivered' && record.client === client.id);
      expect(failure?.reason).to.be.a('string');
    } finally {
      await hole.close();
    }
  });

  it('logs a receiver that refuses the token (not 200) by client and status', async () => {
    const refusing = await startReceiver(authz, 400);
    try {
      const client = await logoutClient(authz, refusing.url, true);
      const jar = new CookieJar();
      await signIn(authz, client, 'olga', undefined, jar);
      await endSession(authz.service.ca, jar, authz.issuer, client.id);
      const token = refusing.deliveries[0]?.fields.get('logout_token') ?? '';
      expect(token).not.to.equal('');
      const failure = logs.records().find((record) => record.msg === 'a back-channel logout token was not delivered' && record.client === client.id);
      expect(String(failure?.reason)).to.contain('400');
      expect(logs.lines.join('')).not.to.contain(token);
    } finally {
      await refusing.close();
    }
  });

  it('refuses a logout URI that is not an absolute https URL without a fragment (400 problem+json)', async () => {
    for (const uri of ['http://rp.example/logout', 'not a url', 'https://rp.example/logout#frag']) {
      const answer = await authz.api('POST', '/clients', {
        name: 'Bad logout URI', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'], backchannelLogoutUri: uri,
      });
      expect(answer.status, uri).to.equal(400);
      expect(answer.headers['content-type']).to.contain('application/problem+json');
      expect(answer.text).to.contain('/body/backchannelLogoutUri');
    }
  });

  it('tells the provider about a client created just after a look-up of its id found none', async () => {
    const id = `late-client-${randomUUID().slice(0, 8)}`;
    const early = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id, secret: 'x'.repeat(43) });
    expect(early.status).to.equal(401);
    const created = await authz.api('POST', '/clients', { clientId: id, name: 'Late client', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(created.status, created.text).to.equal(201);
    const secret = (created.json as { clientSecret: string }).clientSecret;
    const token = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id, secret });
    expect(token.status, token.text).to.equal(200);
  });
});

describe('identity-authz trustingFetch (the provider\'s outgoing calls)', function () {
  this.timeout(15_000);
  let authz: AuthzHarness;
  let receiver: Receiver;
  before(async () => {
    authz = await startAuthz();
    receiver = await startReceiver(authz, 204);
  });
  after(async () => {
    await receiver.close();
    await authz.close();
  });

  it('calls an https URL trusting the given CA, with a GET by default and a Request as input', async () => {
    const fetch = trustingFetch(authz.service.ca);
    expect((await fetch(receiver.url)).status).to.equal(204);
    expect((await fetch(new Request(receiver.url), { method: 'POST', body: 'logout_token=x', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': '' } })).status).to.equal(204);
    expect(receiver.deliveries.at(-1)?.fields.get('logout_token')).to.equal('x');
  });

  it('refuses plain http, an untrusted certificate, and gives up at the deadline or the caller\'s signal', async () => {
    const fetch = trustingFetch(authz.service.ca, 300);
    await expectRejection(fetch('http://127.0.0.1:1/logout'), 'is not an https URL');
    await expectRejection(trustingFetch(undefined)(receiver.url), 'certificate');
    const hole = await startBlackHole();
    try {
      await expectRejection(fetch(hole.url), 'no answer within 300 ms');
      await expectRejection(trustingFetch(authz.service.ca)(hole.url, { signal: AbortSignal.timeout(100) }), 'no answer within');
    } finally {
      await hole.close();
    }
  });
});

async function expectRejection(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).to.be.instanceOf(Error);
  expect((error as Error).message).to.contain(message);
}

describe('identity-authz logoutSessions', () => {
  it('tells each client with a logout URI of each session, skips the rest, and reports failures by client', async () => {
    const sent: string[] = [];
    const failures: string[] = [];
    const provider: LogoutClients = {
      Client: {
        find: (id) => {
          if (id === 'broken') return Promise.reject(new Error('no metadata'));
          if (id === 'silent') return Promise.resolve({ backchannelLogout: () => Promise.reject(new Error('must not be called')) });
          if (id === 'gone') return Promise.resolve(undefined);
          return Promise.resolve({ backchannelLogoutUri: `https://${id}.example/logout`, backchannelLogout: (sub, sid) => { sent.push(`${id}:${sub}:${sid}`); return Promise.resolve(); } });
        },
      },
    };
    await logoutSessions(provider, [
      { accountId: 'ada', authorizations: { one: { sid: 's1' }, silent: { sid: 's2' }, gone: {}, broken: { sid: 's3' } } },
      { accountId: 'ada', authorizations: { two: {} } },
      { authorizations: { three: { sid: 's4' } } },
      { accountId: 'ada' },
    ], (client, reason) => { failures.push(`${client}: ${reason}`); });
    expect(sent.sort()).to.deep.equal(['one:ada:s1', 'two:ada:']);
    expect(failures).to.deep.equal(['broken: no metadata']);
    expect(failureReason('plain')).to.equal('unknown failure');
  });

  it('has at most LOGOUT_CONCURRENCY logout tokens in flight, and sends every one of them', async () => {
    let inFlight = 0;
    let most = 0;
    const sent: string[] = [];
    const provider: LogoutClients = {
      Client: {
        find: (id) => Promise.resolve({
          backchannelLogoutUri: `https://${id}.example/logout`,
          backchannelLogout: async (sub, sid) => {
            inFlight += 1;
            most = Math.max(most, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 5));
            inFlight -= 1;
            sent.push(`${id}:${sub}:${sid}`);
          },
        }),
      },
    };
    const sessions = Array.from({ length: 10 }, (_, session) => ({
      accountId: 'ada',
      authorizations: Object.fromEntries(Array.from({ length: 5 }, (_, client) => [`c${String(client)}`, { sid: `s${String(session)}` }])),
    }));
    await logoutSessions(provider, sessions, () => { throw new Error('no failure expected'); });
    expect(sent).to.have.length(50);
    expect(new Set(sent).size).to.equal(50);
    expect(most).to.equal(LOGOUT_CONCURRENCY);
    await logoutSessions(provider, [], () => undefined);
    most = 0;
    await logoutSessions(provider, sessions.slice(0, 1), () => undefined, 2);
    expect(most).to.equal(2);
  });
});
