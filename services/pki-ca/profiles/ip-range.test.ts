import { expect } from 'chai';
import { ipInRanges, parseCidr } from './ip-range.ts';

describe('CIDR ranges', () => {
  it('parses IPv4 and IPv6 ranges up to their full prefix length', () => {
    expect(parseCidr('10.0.0.0/8')).to.deep.equal({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.0.2.1/32')).to.deep.equal({ address: '192.0.2.1', prefix: 32, family: 'ipv4' });
    expect(parseCidr('fd00::/8')).to.deep.equal({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('2001:db8::1/128')).to.deep.equal({ address: '2001:db8::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('0.0.0.0/0')).to.deep.equal({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  });

  it('refuses a prefix longer than the family allows, a missing prefix and a bad address', () => {
    for (const text of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0', '10.0.0/8', 'example.com/8', '10.0.0.0/8/8', '10.0.0.0/1234', '/8', 'x/10.0.0.0/8', '10.0.0.0/8 ']) expect(parseCidr(text), text).to.equal(undefined);
  });
});

describe('addresses in ranges', () => {
  it('finds IPv4 and IPv6 addresses inside and outside ranges, boundaries included', () => {
    const ranges = ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8'];
    expect(ipInRanges('10.255.255.255', ranges)).to.equal(true);
    expect(ipInRanges('10.0.0.0', ranges)).to.equal(true);
    expect(ipInRanges('11.0.0.0', ranges)).to.equal(false);
    expect(ipInRanges('192.168.1.255', ranges)).to.equal(true);
    expect(ipInRanges('192.168.2.0', ranges)).to.equal(false);
    expect(ipInRanges('fd12:3456::1', ranges)).to.equal(true);
    expect(ipInRanges('fe80::1', ranges)).to.equal(false);
  });

  it('an address of the other family or no address matches nothing, and a bad range is ignored', () => {
    expect(ipInRanges('2001:db8::1', ['10.0.0.0/8'])).to.equal(false);
    expect(ipInRanges('10.0.0.1', ['::/0'])).to.equal(false);
    expect(ipInRanges('not-an-ip', ['0.0.0.0/0'])).to.equal(false);
    expect(ipInRanges('10.0.0.1', ['bad', '10.0.0.0/8'])).to.equal(true);
    expect(ipInRanges('10.0.0.1', ['bad'])).to.equal(false);
    expect(ipInRanges('10.0.0.1', [])).to.equal(false);
  });

  it('keeps the families apart: an IPv4-mapped IPv6 address is not in an IPv4 range', () => {
    expect(ipInRanges('::ffff:10.0.0.1', ['10.0.0.0/8'])).to.equal(false);
    expect(ipInRanges('::ffff:10.0.0.1', ['::ffff:0:0/96'])).to.equal(true);
  });
});
