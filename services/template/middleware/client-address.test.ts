import { expect } from 'chai';
import { clientAddress, rateLimitKey } from './client-address.ts';

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
