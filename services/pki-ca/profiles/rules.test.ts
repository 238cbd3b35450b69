import { expect } from 'chai';
import { generateCsrKeys, makeCsr, type TestCsrKeys, type TestCsrOptions } from '../testing/test-csr.ts';
import { readCsr, type CsrFacts } from './csr-facts.ts';
import { profileRules } from './rules.ts';
import type { Profile } from './schema.ts';

const base: Profile = {
  name: 'test',
  description: 'a profile for rule tests',
  kind: 'leaf',
  validity: { defaultDays: 10, maxDays: 20 },
  keyAlgorithms: [{ type: 'EC', curves: ['P-256'] }, { type: 'RSA', minBits: 2048, maxBits: 3072 }],
  keyUsage: ['digitalSignature'],
  subject: { allowed: ['CN', 'O'] },
  subjectAltNames: { allowedTypes: ['dns', 'ip', 'email', 'uri'], maxCount: 10 },
};

function withProfile(changes: Partial<Profile>): Profile {
  return { ...base, ...changes };
}

function withSans(changes: Partial<Profile['subjectAltNames']>): Profile {
  return { ...base, subjectAltNames: { ...base.subjectAltNames, ...changes } };
}

/** Runs the named rule of the table. */
function check(name: string, profile: Profile, csr: CsrFacts, validityDays = 10): string | undefined {
  const rule = profileRules.find((row) => row.name === name);
  if (rule === undefined) throw new Error(`no rule ${name}`);
  return rule.check({ profile, csr, validityDays });
}

describe('profile rules', () => {
  let p256: TestCsrKeys;
  let p384: TestCsrKeys;
  let rsa: TestCsrKeys;
  let ed25519: TestCsrKeys;

  before(async () => {
    [p256, p384, rsa, ed25519] = await Promise.all([generateCsrKeys('P-256'), generateCsrKeys('P-384'), generateCsrKeys('RSA-2048'), generateCsrKeys('Ed25519')]);
  });

  async function facts(options: TestCsrOptions = {}, keys = p256): Promise<CsrFacts> {
    return await readCsr(await makeCsr(keys, options));
  }

  const dns = (value: string) => ({ type: 'dns' as const, value });

  it('are checked in this order', () => {
    expect(profileRules.map((rule) => rule.name)).to.deep.equal([
      'csr.signature', 'key.algorithm', 'key.size', 'validity.min', 'validity.max',
      'subject.allowed', 'subject.required', 'subject.pattern',
      'san.type', 'san.dns.syntax', 'san.dns.pattern', 'san.ip.range', 'san.email.syntax', 'san.email.domain', 'san.uri.syntax', 'san.uri.pattern', 'san.uri.count',
      'subject.cn-in-san', 'san.count', 'san.dns.wildcard',
    ]);
  });

  describe('csr.signature', () => {
    it('holds for a CSR signed by its own key and refuses one signed by another', async () => {
      expect(check('csr.signature', base, await facts())).to.equal(undefined);
      expect(check('csr.signature', base, await facts({ signWith: p384 }))).to.equal('the CSR signature does not verify with its public key');
    });
  });

  describe('key.algorithm and key.size', () => {
    it('refuses a key type the profile does not list, naming the allowed ones', async () => {
      expect(check('key.algorithm', base, await facts({}, ed25519))).to.equal('key type Ed25519 is not one of EC P-256, RSA 2048-3072 bits');
      expect(check('key.algorithm', withProfile({ keyAlgorithms: [{ type: 'Ed25519' }, { type: 'EC', curves: ['P-256', 'P-384'] }] }), await facts({}, rsa))).to.equal('key type RSA is not one of Ed25519, EC P-256/P-384');
      expect(check('key.algorithm', base, await facts({}, p256))).to.equal(undefined);
      expect(check('key.algorithm', base, await facts({}, rsa))).to.equal(undefined);
    });

    it('refuses an EC curve the profile does not list', async () => {
      expect(check('key.size', base, await facts({}, p384))).to.equal('EC curve P-384 is not one of P-256');
      expect(check('key.size', base, await facts({}, p256))).to.equal(undefined);
    });

    it('refuses an RSA modulus outside minBits-maxBits, both bounds included', async () => {
      const rsaFacts = await facts({}, rsa);
      const rsaProfile = (minBits: number, maxBits: number) => withProfile({ keyAlgorithms: [{ type: 'RSA', minBits, maxBits }] });
      expect(check('key.size', rsaProfile(2048, 2048), rsaFacts)).to.equal(undefined);
      expect(check('key.size', rsaProfile(2049, 4096), rsaFacts)).to.equal('RSA key of 2048 bits is outside 2049-4096');
      expect(check('key.size', rsaProfile(1024, 2047), rsaFacts)).to.equal('RSA key of 2048 bits is outside 1024-2047');
    });

    it('has nothing to say of Ed25519 sizes, nor of a key type the profile does not list', async () => {
      expect(check('key.size', withProfile({ keyAlgorithms: [{ type: 'Ed25519' }] }), await facts({}, ed25519))).to.equal(undefined);
      expect(check('key.size', base, await facts({}, ed25519))).to.equal(undefined);
    });
  });

  describe('validity.min and validity.max', () => {
    it('accepts 1 day up to maxDays, both included', async () => {
      const csr = await facts();
      for (const days of [1, 20]) {
        expect(check('validity.min', base, csr, days)).to.equal(undefined);
        expect(check('validity.max', base, csr, days)).to.equal(undefined);
      }
    });

    it('refuses maxDays + 1', async () => {
      expect(check('validity.max', base, await facts(), 21)).to.equal('validity of 21 days exceeds the maximum of 20');
    });

    it('refuses 0, negative and fractional days', async () => {
      const csr = await facts();
      expect(check('validity.min', base, csr, 0)).to.equal('validity of 0 days is not a whole number of days of at least 1');
      expect(check('validity.min', base, csr, -5)).to.equal('validity of -5 days is not a whole number of days of at least 1');
      expect(check('validity.min', base, csr, 1.5)).to.equal('validity of 1.5 days is not a whole number of days of at least 1');
    });
  });

  describe('subject.allowed, subject.required, subject.pattern', () => {
    it('refuses the first attribute not allowed', async () => {
      expect(check('subject.allowed', base, await facts({ subject: 'CN=a, OU=b, L=c' }))).to.equal('attribute OU is not one of CN, O');
      expect(check('subject.allowed', base, await facts({ subject: 'CN=a, O=b' }))).to.equal(undefined);
      expect(check('subject.allowed', withProfile({ subject: { allowed: [] } }), await facts({ subject: 'CN=a' }))).to.equal('attribute CN is not one of (none)');
    });

    it('refuses a subject missing a required attribute', async () => {
      const profile = withProfile({ subject: { allowed: ['CN', 'O'], required: ['O', 'CN'] } });
      expect(check('subject.required', profile, await facts({ subject: 'O=x' }))).to.equal('attribute CN is required');
      expect(check('subject.required', profile, await facts({ subject: 'CN=x' }))).to.equal('attribute O is required');
      expect(check('subject.required', profile, await facts({ subject: 'CN=x, O=y' }))).to.equal(undefined);
      expect(check('subject.required', base, await facts())).to.equal(undefined);
    });

    it('refuses a value that does not match its attribute pattern in full', async () => {
      const profile = withProfile({ subject: { allowed: ['CN', 'O'], patterns: { CN: '[a-z]+\\.example\\.com' } } });
      expect(check('subject.pattern', profile, await facts({ subject: 'CN=www.example.com, O=Anything' }))).to.equal(undefined);
      expect(check('subject.pattern', profile, await facts({ subject: 'CN=www.example.com.evil' }))).to.equal('CN "www.example.com.evil" does not match [a-z]+\\.example\\.com');
      expect(check('subject.pattern', profile, await facts({ subject: 'CN=x.www.example.com' }))).to.equal('CN "x.www.example.com" does not match [a-z]+\\.example\\.com');
      expect(check('subject.pattern', base, await facts({ subject: 'CN=x' }))).to.equal(undefined);
    });

    it('reads patterns in Unicode mode', async () => {
      const profile = withProfile({ subject: { allowed: ['CN', 'O'], patterns: { O: '\\p{Lu}\\p{Ll}+' } } });
      expect(check('subject.pattern', profile, await facts({ subject: 'O=Ärzte' }))).to.equal(undefined);
      expect(check('subject.pattern', profile, await facts({ subject: 'O=ärzte' }))).to.equal('O "ärzte" does not match \\p{Lu}\\p{Ll}+');
    });
  });

  describe('san.type', () => {
    it('refuses a SAN of a type the profile does not allow', async () => {
      const profile = withSans({ allowedTypes: ['dns'] });
      expect(check('san.type', profile, await facts({ sans: [dns('a.example.com'), { type: 'ip', value: '192.0.2.1' }] }))).to.equal('ip names are not allowed (allowed: dns)');
      expect(check('san.type', base, await facts({ sans: [{ type: 'dn', value: 'CN=x' }] }))).to.equal('dn names are not allowed (allowed: dns, ip, email, uri)');
      expect(check('san.type', withSans({ allowedTypes: [] }), await facts({ sans: [dns('a.example.com')] }))).to.equal('dns names are not allowed (allowed: (none))');
      expect(check('san.type', profile, await facts({ sans: [dns('a.example.com')] }))).to.equal(undefined);
    });
  });

  describe('san.dns.syntax and san.dns.pattern', () => {
    it('refuses a DNS SAN that is no host name', async () => {
      expect(check('san.dns.syntax', base, await facts({ sans: [dns('ok.example.com'), dns('a..b')] }))).to.equal('name "a..b" is not a valid DNS name');
      expect(check('san.dns.syntax', base, await facts({ sans: [dns('*.example.com')] }))).to.equal(undefined);
    });

    it('refuses a name matching none of the patterns', async () => {
      const profile = withSans({ dns: { patterns: ['*.example.com', 'example.net'] } });
      expect(check('san.dns.pattern', profile, await facts({ sans: [dns('www.example.com'), dns('evil.com')] }))).to.equal('name "evil.com" matches none of *.example.com, example.net');
      expect(check('san.dns.pattern', profile, await facts({ sans: [dns('www.example.com'), dns('example.net')] }))).to.equal(undefined);
      expect(check('san.dns.pattern', withSans({ dns: { wildcard: true } }), await facts({ sans: [dns('evil.com')] }))).to.equal(undefined);
      expect(check('san.dns.pattern', base, await facts({ sans: [dns('evil.com')] }))).to.equal(undefined);
    });
  });

  describe('san.ip.range', () => {
    it('refuses an address outside the ranges', async () => {
      const profile = withSans({ ip: { ranges: ['10.0.0.0/8', 'fd00::/8'] } });
      expect(check('san.ip.range', profile, await facts({ sans: [{ type: 'ip', value: '10.1.2.3' }, { type: 'ip', value: '192.0.2.1' }] }))).to.equal('address 192.0.2.1 is in none of 10.0.0.0/8, fd00::/8');
      expect(check('san.ip.range', profile, await facts({ sans: [{ type: 'ip', value: '10.1.2.3' }, { type: 'ip', value: 'fd00::1' }] }))).to.equal(undefined);
      expect(check('san.ip.range', withSans({ ip: {} }), await facts({ sans: [{ type: 'ip', value: '192.0.2.1' }] }))).to.equal(undefined);
    });
  });

  describe('san.email.syntax and san.email.domain', () => {
    const email = (value: string) => ({ type: 'email' as const, value });

    it('refuses an address without one @ or with a domain that is no host name', async () => {
      for (const value of ['no-at-sign', 'a@b@example.com', 'a@bad..example.com', 'a@*.example.com', '@example.com', 'a b@example.com']) {
        expect(check('san.email.syntax', base, await facts({ sans: [email(value)] })), value).to.equal(`address "${value}" is not a valid email address`);
      }
      expect(check('san.email.syntax', base, await facts({ sans: [email('first.last+tag@mail.example.com')] }))).to.equal(undefined);
    });

    it('refuses an address whose domain matches none of the domains', async () => {
      const profile = withSans({ email: { domains: ['example.com', '*.example.org'] } });
      expect(check('san.email.domain', profile, await facts({ sans: [email('a@example.com'), email('b@x.example.org')] }))).to.equal(undefined);
      expect(check('san.email.domain', profile, await facts({ sans: [email('a@evil.com')] }))).to.equal('address "a@evil.com" has a domain matching none of example.com, *.example.org');
      expect(check('san.email.domain', profile, await facts({ sans: [email('a@example.org')] }))).to.equal('address "a@example.org" has a domain matching none of example.com, *.example.org');
      expect(check('san.email.domain', withSans({ email: { domains: ['**'] } }), await facts({ sans: [email('not-an-address')] }))).to.equal('address "not-an-address" has a domain matching none of **');
      expect(check('san.email.domain', base, await facts({ sans: [email('a@evil.com')] }))).to.equal(undefined);
    });
  });

  describe('san.uri.syntax and san.uri.pattern', () => {
    const uri = (value: string) => ({ type: 'url' as const, value });

    it('refuses a URI that is not absolute', async () => {
      expect(check('san.uri.syntax', base, await facts({ sans: [uri('relative/path')] }))).to.equal('URI "relative/path" is not an absolute URI');
      expect(check('san.uri.syntax', base, await facts({ sans: [uri('spiffe://td/ns/a/sa/b')] }))).to.equal(undefined);
    });

    it('accepts a URI starting with a prefix or matching a pattern in full, and refuses others', async () => {
      const both = withSans({ uri: { prefixes: ['https://id.example.com/'], patterns: ['spiffe://td/ns/[a-z]+/sa/[a-z]+'] } });
      expect(check('san.uri.pattern', both, await facts({ sans: [uri('https://id.example.com/u/1'), uri('spiffe://td/ns/a/sa/b')] }))).to.equal(undefined);
      expect(check('san.uri.pattern', both, await facts({ sans: [uri('spiffe://td/ns/a/sa/b/extra')] }))).to.equal('URI "spiffe://td/ns/a/sa/b/extra" starts with none of https://id.example.com/ and matches none of spiffe://td/ns/[a-z]+/sa/[a-z]+');
      expect(check('san.uri.pattern', both, await facts({ sans: [uri('xspiffe://td/ns/a/sa/b')] }))).to.equal('URI "xspiffe://td/ns/a/sa/b" starts with none of https://id.example.com/ and matches none of spiffe://td/ns/[a-z]+/sa/[a-z]+');
      expect(check('san.uri.pattern', withSans({ uri: { prefixes: ['urn:a:'] } }), await facts({ sans: [uri('urn:b:1')] }))).to.equal('URI "urn:b:1" starts with none of urn:a: and matches none of (none)');
      expect(check('san.uri.pattern', withSans({ uri: { patterns: ['urn:a:[0-9]+'] } }), await facts({ sans: [uri('urn:a:x')] }))).to.equal('URI "urn:a:x" starts with none of (none) and matches none of urn:a:[0-9]+');
      expect(check('san.uri.pattern', withSans({ uri: { patterns: ['urn:a:[0-9]+'] } }), await facts({ sans: [uri('urn:a:12')] }))).to.equal(undefined);
      expect(check('san.uri.pattern', withSans({ uri: {} }), await facts({ sans: [uri('urn:b:1')] }))).to.equal(undefined);
      const several = withSans({ uri: { prefixes: ['urn:a:', 'urn:b:'], patterns: ['urn:c:[0-9]+', 'urn:d:[0-9]+'] } });
      expect(check('san.uri.pattern', several, await facts({ sans: [uri('urn:b:1'), uri('urn:d:2')] }))).to.equal(undefined);
      expect(check('san.uri.pattern', base, await facts({ sans: [uri('urn:b:1')] }))).to.equal(undefined);
    });
  });

  describe('san.uri.count', () => {
    const uri = (value: string) => ({ type: 'url' as const, value });

    it('accepts up to uri.maxCount URI names, and refuses one more', async () => {
      const profile = withSans({ uri: { maxCount: 1 } });
      expect(check('san.uri.count', profile, await facts({ sans: [uri('spiffe://td/a'), dns('a.example.com')] }))).to.equal(undefined);
      expect(check('san.uri.count', profile, await facts({ sans: [uri('spiffe://td/a'), uri('spiffe://td/b')] }))).to.equal('2 URI names, at most 1 allowed');
      expect(check('san.uri.count', withSans({ uri: { maxCount: 0 } }), await facts({ sans: [uri('spiffe://td/a')] }))).to.equal('1 URI names, at most 0 allowed');
      expect(check('san.uri.count', withSans({ uri: {} }), await facts({ sans: [uri('spiffe://td/a'), uri('spiffe://td/b')] }))).to.equal(undefined);
      expect(check('san.uri.count', base, await facts({ sans: [uri('spiffe://td/a'), uri('spiffe://td/b')] }))).to.equal(undefined);
    });
  });

  describe('subject.cn-in-san (Baseline Requirements §7.1.4.3)', () => {
    const profile = withProfile({ subject: { allowed: ['CN', 'O'], cnInSan: true } });

    it('accepts a CN among the DNS or IP SANs, ignoring case', async () => {
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'CN=www.example.com', sans: [dns('a.example.com'), dns('WWW.example.com')] }))).to.equal(undefined);
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'CN=WWW.Example.com', sans: [dns('www.example.com')] }))).to.equal(undefined);
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'CN=192.0.2.1', sans: [{ type: 'ip', value: '192.0.2.1' }] }))).to.equal(undefined);
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'O=no cn', sans: [dns('a.example.com')] }))).to.equal(undefined);
    });

    it('refuses a CN that no DNS or IP SAN repeats', async () => {
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'CN=www.example.com', sans: [dns('a.example.com')] }))).to.equal('CN "www.example.com" is not among the DNS or IP names');
      expect(check('subject.cn-in-san', profile, await facts({ subject: 'CN=a@example.com', sans: [{ type: 'email', value: 'a@example.com' }] }))).to.equal('CN "a@example.com" is not among the DNS or IP names');
    });

    it('says nothing when the profile does not ask for it', async () => {
      expect(check('subject.cn-in-san', base, await facts({ subject: 'CN=www.example.com' }))).to.equal(undefined);
      expect(check('subject.cn-in-san', withProfile({ subject: { allowed: ['CN'], cnInSan: false } }), await facts({ subject: 'CN=www.example.com' }))).to.equal(undefined);
    });
  });

  describe('san.count', () => {
    const profile = withSans({ minCount: 1, maxCount: 2 });

    it('accepts minCount to maxCount names, both included', async () => {
      expect(check('san.count', profile, await facts({ sans: [dns('a.example.com')] }))).to.equal(undefined);
      expect(check('san.count', profile, await facts({ sans: [dns('a.example.com'), dns('b.example.com')] }))).to.equal(undefined);
      expect(check('san.count', withSans({ maxCount: 0 }), await facts())).to.equal(undefined);
    });

    it('refuses fewer than minCount and more than maxCount', async () => {
      expect(check('san.count', profile, await facts())).to.equal('0 names, at least 1 required');
      expect(check('san.count', profile, await facts({ sans: [dns('a.example.com'), dns('b.example.com'), dns('c.example.com')] }))).to.equal('3 names, at most 2 allowed');
    });
  });

  describe('san.dns.wildcard', () => {
    it('refuses a wildcard name unless the profile allows wildcards', async () => {
      const wildcard = await facts({ sans: [dns('a.example.com'), dns('*.example.com')] });
      expect(check('san.dns.wildcard', base, wildcard)).to.equal('name "*.example.com" is a wildcard, which the profile does not allow');
      expect(check('san.dns.wildcard', withSans({ dns: { wildcard: false } }), wildcard)).to.equal('name "*.example.com" is a wildcard, which the profile does not allow');
      expect(check('san.dns.wildcard', withSans({ dns: { wildcard: true } }), wildcard)).to.equal(undefined);
      expect(check('san.dns.wildcard', base, await facts({ sans: [dns('a.example.com')] }))).to.equal(undefined);
    });
  });
});
