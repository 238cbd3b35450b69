import { expect } from 'chai';
import type { Context } from 'koa';
import { ForbiddenError, ProblemError, UnauthorizedError } from '../errors/index.ts';
import { adminGuard, isLoopbackHost } from './admin-guard.ts';

const TOKEN = 'guard-test-admin-token-0123456789abcdefghij';

/** Runs the guard on a request with these headers: true when it let the request through. */
async function passes(headers: Readonly<Record<string, string>>): Promise<boolean> {
  const ctx = { get: (name: string): string => headers[name] ?? '' } as unknown as Context;
  const reached: string[] = [];
  await adminGuard(TOKEN)(ctx, () => {
    reached.push('next');
    return Promise.resolve();
  });
  return reached.length === 1;
}

/** The problem the guard refuses a request with these headers with. */
async function refusal(headers: Readonly<Record<string, string>>): Promise<ProblemError> {
  try {
    await passes(headers);
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error(`expected a refusal of ${JSON.stringify(headers)}`);
}

describe('admin guard: loopback Host names', () => {
  it('takes localhost, 127.0.0.0/8 and ::1, with or without a port, brackets only around IPv6', () => {
    for (const host of ['localhost', 'LocalHost:80', '127.0.0.1', '127.255.0.9:9090', '[::1]', '[::1]:9090', '[::1]:', '[::ffff:127.0.0.1]']) {
      expect(isLoopbackHost(host), host).to.equal(true);
    }
  });

  it('refuses other names, and loopback names with anything around them', () => {
    const hosts = [
      'evil.example', '10.0.0.1', '[::2]:9090', '[10.0.0.1]', '',
      // An IPv6 address names a host only in brackets.
      '::1',
      // Text before or after the brackets is not a port.
      'evil[::1]', 'evil.example[::1]:9090', '[::1]evil', '[::1]:9090x', '[::1]:90:90',
      // Only a trailing port is removed, never a colon inside the name.
      'local:host', '127.0.0:.1', '127.0.0.1:80:', 'localhost:x',
    ];
    for (const host of hosts) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });
});

describe('admin guard: the admin token', () => {
  const loopback = { Host: '127.0.0.1:9090' };

  it('passes the exact token with the Bearer scheme', async () => {
    expect(await passes({ ...loopback, Authorization: `Bearer ${TOKEN}` })).to.equal(true);
  });

  it('without a token or with another scheme: 401 saying where the token is, with the bare Bearer challenge', async () => {
    for (const authorization of ['', `Basic ${TOKEN}`, `XBearer ${TOKEN}`, ` Bearer ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN}\u00e9`]) {
      const problem = await refusal({ ...loopback, Authorization: authorization });
      expect(problem, authorization).to.be.instanceOf(UnauthorizedError);
      expect(problem.message).to.equal('the admin token is required: Authorization: Bearer <content of dataDir/admin.token or admin.token>');
      expect(problem.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer' });
    }
  });

  it('with a wrong token: 401 invalid_token that does not quote either token', async () => {
    for (const presented of [`${TOKEN}x`, TOKEN.slice(1), 'A'.repeat(43)]) {
      const problem = await refusal({ ...loopback, Authorization: `Bearer ${presented}` });
      expect(problem, presented).to.be.instanceOf(UnauthorizedError);
      expect(problem.message).to.equal('the admin token is wrong');
      expect(problem.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
  });

  it('refuses an Origin or a non-loopback Host (403) before looking at the token', async () => {
    const origin = await refusal({ ...loopback, Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` });
    expect(origin).to.be.instanceOf(ForbiddenError);
    expect(origin.message).to.include('Origin');
    const rebound = await refusal({ Host: 'evil.example', Authorization: `Bearer ${TOKEN}` });
    expect(rebound).to.be.instanceOf(ForbiddenError);
    expect(rebound.message).to.include('loopback Host');
  });
});
