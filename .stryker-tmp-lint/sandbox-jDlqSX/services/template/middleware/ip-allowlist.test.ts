// @ts-nocheck
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { UsageError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { resolveClientAddress } from './client-address.ts';
import { allowlistPredicate, ipAllowlist } from './ip-allowlist.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';

function app(cidrs: readonly string[], trustedProxies: readonly string[] = []): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(resolveClientAddress(trustedProxies));
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(ipAllowlist(cidrs));
  koa.use((ctx) => { ctx.body = { ok: true }; });
  return koa;
}

describe('IP allowlist (ipAllowlist)', () => {
  it('admits everyone when the list is empty', async () => {
    await request(app([]).callback()).get('/').expect(200);
    expect(allowlistPredicate([])(undefined)).to.equal(true);
  });

  it('admits a peer inside a CIDR, also when the socket reports it IPv4-mapped', async () => {
    // supertest connects over a dual-stack socket, so the peer arrives as ::ffff:127.0.0.1.
    await request(app(['10.0.0.0/8', '127.0.0.0/8']).callback()).get('/').expect(200);
  });

  it('refuses a peer outside every CIDR with a 403 problem', async () => {
    const response = await request(app(['10.0.0.0/8']).callback()).get('/').expect(403);
    expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(response.body).to.include({ code: 'forbidden' });
  });

  it('judges the TCP peer, not a client-supplied X-Forwarded-For, unless the peer is a trusted proxy', async () => {
    await request(app(['10.0.0.0/8']).callback()).get('/').set('X-Forwarded-For', '10.1.2.3').expect(403);
    await request(app(['10.0.0.0/8'], ['192.0.2.0/24']).callback()).get('/').set('X-Forwarded-For', '10.1.2.3').expect(403);
    await request(app(['10.0.0.0/8'], ['127.0.0.1']).callback()).get('/').set('X-Forwarded-For', '10.1.2.3').expect(200);
  });

  it('matches single addresses, IPv6 CIDRs and both families', () => {
    const allowed = allowlistPredicate([' 192.0.2.7 ', '2001:db8::/32', '::1', '198.51.100.0/24']);
    expect(allowed('192.0.2.7')).to.equal(true);
    expect(allowed('::ffff:192.0.2.7')).to.equal(true);
    expect(allowed('192.0.2.8')).to.equal(false);
    expect(allowed('198.51.100.200')).to.equal(true);
    expect(allowed('2001:db8:1::5')).to.equal(true);
    expect(allowed('2001:db9::5')).to.equal(false);
    expect(allowed('::1')).to.equal(true);
    expect(allowed(undefined)).to.equal(false);
    expect(allowed('garbage')).to.equal(false);
  });

  it('admits a native IPv6 peer inside an IPv6 CIDR over a real socket', async () => {
    const handle = app(['::1/128']).callback();
    const server = createServer((req, res) => { void handle(req, res); }).listen(0, '::1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      await request(`http://[::1]:${port}`).get('/').expect(200);
    } finally {
      server.close();
    }
  });

  for (const entry of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/9', '10.0.0.0/x', 'example.com', '300.1.1.1/8']) {
    it(`rejects the malformed entry "${entry}" as a configuration error`, () => {
      expect(() => ipAllowlist([entry])).to.throw(UsageError, 'ipAllowlist');
    });
  }
});
