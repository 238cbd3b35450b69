import { expect } from 'chai';
import { captureLogs } from '../template/testing/logs.ts';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import type { EntityManager } from '@mikro-orm/core';
import { loadConfig } from '../template/config/index.ts';
import { schemaOptionsOf } from '../template/cli/service-config.ts';
import { UsageError } from '../template/errors/index.ts';
import { createHashService } from '../template/hash/index.ts';
import type { RequestState, ServiceRuntime, UpSuite } from '../template/service.ts';
import { checkIdpConfig, idpPublicUrl, type IdpConfig } from './config.ts';
import { bootstrapAdminCheck, identityIdp, sweeper, sweepOnce } from './index.ts';
import { LoginResultSigner } from './login-result.ts';
import { PAGE_POLICY } from './routes/index.ts';
import { PASSKEY_SCRIPT_INTEGRITY } from './pages/passkey-script.ts';
import { renderPageErrors } from './routes/page-errors.ts';
import { SessionStore } from './sessions.ts';
import { FailureThrottle } from './throttle.ts';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('identity-idp definition', () => {
  it('is the DESIGN row: port 8181, up admin port 9092, barrier and hash, its own config keys', () => {
    expect(identityIdp).to.include({ name: 'identity-idp', publicPort: 8181, upAdminPort: 9092, barrier: true, hash: true });
    const config = loadConfig({ ...schemaOptionsOf(identityIdp), files: [], env: { CRYPTOUTIL_IDP_LOCKOUT_MAXFAILURES: '7', CRYPTOUTIL_IDP_MFA_REQUIREDGROUPS: 'operators,auditors' } }) as unknown as IdpConfig;
    expect(config.idp).to.deep.equal({
      publicUrl: '', sessionTtlSeconds: 28_800, lockout: { maxFailures: 7, seconds: 900 }, throttle: { maxFailures: 20, windowSeconds: 300 },
      mfa: { required: false, requiredGroups: ['operators', 'auditors'] }, bootstrapAdmin: { username: '', password: '' },
    });
  });

  it('under cryptoutil up, bootstraps the admin user whose password credentials.json holds', async () => {
    const suite = { secret: (name: string) => Promise.resolve(`secret of ${name}`.padEnd(43, '.')) } as unknown as UpSuite;
    const admin = { username: 'admin', password: 'secret of idp-admin.password'.padEnd(43, '.') };
    expect(await identityIdp.upConfig?.(suite)).to.deep.equal({ idp: { bootstrapAdmin: admin } });
    expect(await identityIdp.upCredentials?.(suite)).to.deep.equal({ admin });
  });

  it('is not ready while idp.bootstrapAdmin cannot be created, and logs the failure by class only', async () => {
    const { logger: log, records } = captureLogs('debug');
    const env = { CRYPTOUTIL_IDP_BOOTSTRAPADMIN_USERNAME: 'admin', CRYPTOUTIL_IDP_BOOTSTRAPADMIN_PASSWORD: 'a long enough password' };
    const config = loadConfig({ ...schemaOptionsOf(identityIdp), files: [], env });
    const failing = { findOne: () => Promise.reject(new TypeError('the database is down')) };
    const runtime = { config, log, hash: await createHashService({ pepper: 'x'.repeat(32) }), orm: { em: { fork: () => failing } } } as unknown as ServiceRuntime<IdpConfig>;
    const check = bootstrapAdminCheck(runtime);
    expect(check.name).to.equal('bootstrap-admin');
    expect(await check.check()).to.deep.equal({ ok: false, detail: 'idp.bootstrapAdmin could not be created (TypeError)' });
    const none = bootstrapAdminCheck({ ...runtime, config: loadConfig({ ...schemaOptionsOf(identityIdp), files: [], env: {} }) as unknown as ServiceRuntime<IdpConfig>['config'] });
    expect(await none.check()).to.deep.equal({ ok: true });
    expect(JSON.stringify(records())).to.include('creating idp.bootstrapAdmin failed').and.not.include('the database is down').and.not.include('a long enough password');
  });

  it('refuses a zero that would switch a protection off (UsageError, exit 2)', () => {
    const config: IdpConfig = { idp: { publicUrl: '', sessionTtlSeconds: 1, lockout: { maxFailures: 5, seconds: 0 }, throttle: { maxFailures: 1, windowSeconds: 1 }, mfa: { required: false, requiredGroups: [] }, bootstrapAdmin: { username: '', password: '' } } };
    expect(() => { checkIdpConfig(config); }).to.throw(UsageError, 'idp.lockout.seconds must be at least 1');
    const weakAdmin = { idp: { ...config.idp, lockout: { maxFailures: 5, seconds: 1 }, bootstrapAdmin: { username: 'admin', password: 'short' } } };
    expect(() => { checkIdpConfig(weakAdmin); }).to.throw(UsageError, 'idp.bootstrapAdmin.password must be at least 12 characters');
  });

  it('takes a configured public URL (behind an ingress) over the listener\'s, and refuses a non-https one', () => {
    const base: IdpConfig = { idp: { publicUrl: '', sessionTtlSeconds: 1, lockout: { maxFailures: 5, seconds: 1 }, throttle: { maxFailures: 1, windowSeconds: 1 }, mfa: { required: false, requiredGroups: [] }, bootstrapAdmin: { username: '', password: '' } } };
    const listener = (): string => 'https://0.0.0.0:8181';
    expect(idpPublicUrl(base, listener)).to.equal('https://0.0.0.0:8181');
    const configured = { idp: { ...base.idp, publicUrl: 'https://login.example.com/' } };
    checkIdpConfig(configured);
    expect(idpPublicUrl(configured, listener)).to.equal('https://login.example.com');
    expect(() => { checkIdpConfig({ idp: { ...base.idp, publicUrl: 'http://login.example.com' } }); }).to.throw(UsageError, 'idp.publicUrl');
  });

  it('needs the hash service and the barrier the template gives it', async () => {
    const config = loadConfig({ ...schemaOptionsOf(identityIdp), files: [], env: {} });
    const base = { config, log: pino({ level: 'silent' }), onStop: () => undefined } as unknown as ServiceRuntime;
    expect(() => identityIdp.setup(base)).to.throw('hash: true');
    const withHash = { ...base, hash: await createHashService({ pepper: 'x'.repeat(32) }) } as ServiceRuntime;
    expect(() => identityIdp.setup(withHash)).to.throw('barrier: true');
  });

  it('sweeps ended throttle windows and expired sessions, and logs a failing sweep by class only', async () => {
    const { logger: log, records: lines } = captureLogs('debug');
    const hash = await createHashService({ pepper: 'x'.repeat(32) });
    let now = 0;
    const throttle = new FailureThrottle({ maxFailures: 1, windowSeconds: 1, now: () => now });
    throttle.reserve('a');
    now = 2_000;
    const sessions = new SessionStore({ hash, ttlSeconds: 1 });
    const removing = { nativeDelete: () => Promise.resolve(2) } as unknown as EntityManager;
    await sweepOnce(() => removing, sessions, throttle, log);
    expect(throttle.size).to.equal(0);
    const failing = { nativeDelete: () => Promise.reject(new TypeError('select secret from somewhere')) } as unknown as EntityManager;
    const runtime = { orm: { em: { fork: () => failing } }, log } as unknown as ServiceRuntime;
    sweeper(runtime, sessions, throttle)();
    await settle();
    await sweepOnce(() => ({ nativeDelete: () => Promise.resolve(0) }) as unknown as EntityManager, sessions, throttle, log);
    expect(lines().map((line) => [line.msg, line.removed ?? line.error])).to.deep.equal([
      ['expired sessions removed', 2],
      ['sweeping expired sessions failed', 'TypeError'],
    ]);
  });
});

describe('identity-idp pages outside the happy path', () => {
  it('lets forms go to itself only, and never to every https destination', () => {
    expect(PAGE_POLICY).to.equal(`default-src 'none'; style-src 'self'; script-src '${PASSKEY_SCRIPT_INTEGRITY}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
  });

  it('shows an unexpected failure as a page without its detail, and logs its class with the request id', async () => {
    const { logger: log, records: lines } = captureLogs('debug');
    const app = new Koa<RequestState>();
    app.use(async (ctx) => {
      ctx.state.requestId = 'req-1';
      await renderPageErrors(ctx, log, () => Promise.reject(new RangeError('password=hunter2')));
    });
    const answer = await request(app.callback()).get('/login');
    expect(answer.status).to.equal(500);
    expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(answer.text).to.include('Reference: req-1').and.not.include('hunter2');
    expect(lines()).to.have.length(1);
    expect(lines()[0]).to.include({ requestId: 'req-1', error: 'RangeError' });
    expect(JSON.stringify(lines())).not.to.include('hunter2');
  });

  it('refuses to sign a result with an empty key ring', async () => {
    const signer = new LoginResultSigner({ keys: { current: () => Promise.resolve({ privateJwks: [] }) }, issuer: () => 'https://idp.example' });
    const request = { returnTo: 'https://authz.example/x', issuer: 'https://authz.example', id: 'i' } as Parameters<LoginResultSigner['sign']>[0];
    const failure: unknown = await signer.sign(request, { subject: 's', authTime: 0, amr: ['pwd'], username: 'u', email: 'e', decision: [] }).catch((error: unknown) => error);
    expect((failure as Error).message).to.include('no active key');
  });
});
