import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { UsageError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { cidrPredicate, clientAddress, forwardedClient, rateLimitKey, resolveClientAddress } from './client-address.ts';

describe('client address', () => {
  it('unwraps IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2)', () => {
    expect(clientAddress('::ffff:192.0.2.10')).to.equal('192.0.2.10');
    expect(clientAddress('::FFFF:127.0.0.1')).to.equal('127.0.0.1');
  });

  it('leaves other addresses alone and names a missing one as empty', () => {
    expect(clientAddress('192.0.2.10')).to.equal('192.0.2.10');
    expect(clientAddress('2001:db8::1')).to.equal('2001:db8::1');
    expect(clientAddress('::ffff:0:1')).to.equal('::ffff:0:1');
    expect(clientAddress(undefined)).to.equal('');
  });
});

describe('rate-limit identity', () => {
  it('is the IPv4 address itself', () => {
    expect(rateLimitKey('192.0.2.10')).to.equal('192.0.2.10');
    expect(rateLimitKey('::ffff:192.0.2.10')).to.equal('192.0.2.10');
  });

  it('is the text itself for what is not an address (no /64 made of it)', () => {
    expect(rateLimitKey('not:an:address')).to.equal('not:an:address');
    expect(rateLimitKey('localhost')).to.equal('localhost');
  });

  it('is the /64 of an IPv6 address (RFC 7421), however it is written', () => {
    const key = '2001:db8:aa:bb::/64';
    for (const address of [
      '2001:db8:aa:bb::1',
      '2001:db8:aa:bb:ffff:ffff:ffff:ffff',
      '2001:0DB8:00AA:00bb:1:2:3:4',
      '2001:db8:aa:bb:1::',
    ]) {
      expect(rateLimitKey(address), address).to.equal(key);
    }
    expect(rateLimitKey('2001:db8:aa:bc::1')).not.to.equal(key);
  });

  it('expands a leading or middle :: and an embedded IPv4 tail', () => {
    expect(rateLimitKey('::1')).to.equal('0:0:0:0::/64');
    expect(rateLimitKey('2001:db8::7')).to.equal('2001:db8:0:0::/64');
    expect(rateLimitKey('64:ff9b::192.0.2.1')).to.equal('64:ff9b:0:0::/64');
    expect(rateLimitKey('1:2:3:4:5:6:192.0.2.1')).to.equal('1:2:3:4::/64');
  });

  it('ignores the zone of a link-local peer', () => {
    expect(rateLimitKey('fe80::1%eth0')).to.equal(rateLimitKey('fe80::2%eth1'));
  });

  it('passes anything else through, naming a missing address', () => {
    expect(rateLimitKey(undefined)).to.equal('unknown');
    expect(rateLimitKey('not-an-address')).to.equal('not-an-address');
  });
});

describe('client behind trusted proxies (http.trustedProxies)', () => {
  const trusted = cidrPredicate('http.trustedProxies', ['10.0.0.0/8', 'fd00::/8']);

  it('is the TCP peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(forwardedClient('192.0.2.1', '10.9.9.9', trusted)).to.equal('192.0.2.1');
    expect(forwardedClient('::ffff:192.0.2.1', '10.9.9.9', trusted)).to.equal('192.0.2.1');
    expect(forwardedClient('192.0.2.1', '', trusted)).to.equal('192.0.2.1');
    expect(forwardedClient(undefined, '198.51.100.7', trusted)).to.equal('');
  });

  it('walks X-Forwarded-For from the right past trusted hops to the first untrusted one', () => {
    expect(forwardedClient('10.0.0.1', '198.51.100.7', trusted)).to.equal('198.51.100.7');
    // The leftmost entry is the client's own word; the proxies' entries to its right are believed.
    expect(forwardedClient('10.0.0.1', '203.0.113.66, 198.51.100.7, 10.2.0.1', trusted)).to.equal('198.51.100.7');
    expect(forwardedClient('fd00::1', '2001:db8::5,fd00::2', trusted)).to.equal('2001:db8::5');
    expect(forwardedClient('10.0.0.1', '::ffff:198.51.100.7', trusted)).to.equal('198.51.100.7');
  });

  it('is the leftmost hop when every hop is trusted, and the last believed address when a hop is not an address', () => {
    expect(forwardedClient('10.0.0.1', '10.3.0.1, 10.2.0.1', trusted)).to.equal('10.3.0.1');
    expect(forwardedClient('10.0.0.1', 'anything-at-all', trusted)).to.equal('10.0.0.1');
    expect(forwardedClient('10.0.0.1', '198.51.100.7, unknown, 10.2.0.1', trusted)).to.equal('10.2.0.1');
    expect(forwardedClient('10.0.0.1', '198.51.100.7,', trusted)).to.equal('10.0.0.1');
  });

  it('names the setting in a configuration error', () => {
    expect(() => cidrPredicate('http.trustedProxies', ['10.0.0.0/33'])).to.throw(UsageError, 'http.trustedProxies');
    expect(() => resolveClientAddress(['ingress.example'])).to.throw(UsageError, 'http.trustedProxies');
  });

  function app(trustedProxies: readonly string[]): Koa<RequestState> {
    const koa = new Koa<RequestState>();
    koa.use(resolveClientAddress(trustedProxies));
    koa.use((ctx) => { ctx.body = { ip: ctx.ip }; });
    return koa;
  }

  it('sets ctx.ip for every later step: the peer by default, the forwarded client behind a trusted proxy', async () => {
    expect((await request(app([]).callback()).get('/').set('X-Forwarded-For', '198.51.100.7')).body).to.deep.equal({ ip: '127.0.0.1' });
    expect((await request(app(['127.0.0.1']).callback()).get('/').set('X-Forwarded-For', '198.51.100.7')).body).to.deep.equal({ ip: '198.51.100.7' });
    expect((await request(app(['127.0.0.1']).callback()).get('/')).body).to.deep.equal({ ip: '127.0.0.1' });
  });
});
