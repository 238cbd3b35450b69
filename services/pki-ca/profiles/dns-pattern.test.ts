import { expect } from 'chai';
import fc from 'fast-check';
import { firstMatchingPattern, isDnsName, isWildcardName, matchesDnsPattern } from './dns-pattern.ts';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const labels = (min: number, max: number) => fc.array(label, { minLength: min, maxLength: max });

describe('DNS names (RFC 1123 §2.1 labels)', () => {
  it('accepts LDH names, in any case, and a leftmost * label', () => {
    for (const name of ['example.com', 'WWW.Example.COM', 'a', 'x-1.y', '*.example.com', `${'a'.repeat(63)}.com`]) expect(isDnsName(name), name).to.equal(true);
  });

  it('refuses empty labels, hyphens at the ends, other characters, a * not leftmost or alone, and long labels or names', () => {
    const long = `${Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.')}.a`;
    expect(long.length).to.equal(253);
    expect(isDnsName(long)).to.equal(true);
    for (const name of ['', 'a..b', '.a', 'a.', '-a.b', 'a-.b', 'a_b.c', 'a b', 'a.*.b', '*', '**.a', `${'a'.repeat(64)}.com`, `${long}a`]) expect(isDnsName(name), name).to.equal(false);
  });

  it('a wildcard name starts with "*."', () => {
    expect(isWildcardName('*.example.com')).to.equal(true);
    expect(isWildcardName('www.example.com')).to.equal(false);
    expect(isWildcardName('*example.com')).to.equal(false);
  });
});

describe('DNS patterns of profiles', () => {
  it('a plain pattern matches that name only, ignoring case', () => {
    expect(matchesDnsPattern('www.example.com', 'WWW.example.com')).to.equal(true);
    expect(matchesDnsPattern('WWW.example.com', 'www.example.com')).to.equal(true);
    expect(matchesDnsPattern('www.example.com', 'a.www.example.com')).to.equal(false);
    expect(matchesDnsPattern('www.example.com', 'example.com')).to.equal(false);
  });

  it('*.x matches one label before x, not x itself nor deeper names', () => {
    expect(matchesDnsPattern('*.example.com', 'a.example.com')).to.equal(true);
    expect(matchesDnsPattern('*.example.com', 'A.EXAMPLE.com')).to.equal(true);
    expect(matchesDnsPattern('*.Example.com', 'a.example.com')).to.equal(true);
    expect(matchesDnsPattern('*.example.com', '*.example.com')).to.equal(true);
    expect(matchesDnsPattern('*.example.com', 'example.com')).to.equal(false);
    expect(matchesDnsPattern('*.example.com', '.example.com')).to.equal(false);
    expect(matchesDnsPattern('*.example.com', 'a.b.example.com')).to.equal(false);
    expect(matchesDnsPattern('*.example.com', 'aexample.com')).to.equal(false);
    expect(matchesDnsPattern('*.example.com', 'a.example.org')).to.equal(false);
  });

  it('**.x matches one or more labels before x, not x itself', () => {
    expect(matchesDnsPattern('**.svc.cluster.local', 'web.default.svc.cluster.local')).to.equal(true);
    expect(matchesDnsPattern('**.svc.cluster.local', 'pod.web.default.svc.cluster.local')).to.equal(true);
    expect(matchesDnsPattern('**.svc.cluster.local', 'default.svc.cluster.local')).to.equal(true);
    expect(matchesDnsPattern('**.svc.cluster.local', 'svc.cluster.local')).to.equal(false);
    expect(matchesDnsPattern('**.svc.cluster.local', 'xsvc.cluster.local')).to.equal(false);
    expect(matchesDnsPattern('**.svc.cluster.local', 'a.svc.cluster.localhost')).to.equal(false);
  });

  it('a first label named like an Object property is a plain label', () => {
    expect(matchesDnsPattern('constructor.example.com', 'constructor.example.com')).to.equal(true);
    expect(matchesDnsPattern('constructor.example.com', 'a.example.com')).to.equal(false);
    expect(matchesDnsPattern('tostring.example.com', 'a.example.com')).to.equal(false);
  });

  it('** matches any name', () => {
    expect(matchesDnsPattern('**', 'anything.at.all')).to.equal(true);
    expect(matchesDnsPattern('**', 'x')).to.equal(true);
  });

  it('firstMatchingPattern returns the first pattern that matches, or undefined', () => {
    expect(firstMatchingPattern(['a.example.com', '*.example.com', '**.example.com'], 'b.example.com')).to.equal('*.example.com');
    expect(firstMatchingPattern(['a.example.com', '*.example.com'], 'c.b.example.com')).to.equal(undefined);
    expect(firstMatchingPattern([], 'example.com')).to.equal(undefined);
  });
});

describe('DNS pattern properties (fast-check)', () => {
  it('*.suffix matches exactly the names with one label before the suffix', () => {
    fc.assert(fc.property(labels(1, 4), labels(0, 3), (suffix, before) => {
      const base = suffix.join('.');
      const name = [...before, base].join('.');
      expect(matchesDnsPattern(`*.${base}`, name)).to.equal(before.length === 1);
    }));
  });

  it('**.suffix matches exactly the names with one or more labels before the suffix', () => {
    fc.assert(fc.property(labels(1, 4), labels(0, 4), (suffix, before) => {
      const base = suffix.join('.');
      expect(matchesDnsPattern(`**.${base}`, [...before, base].join('.'))).to.equal(before.length >= 1);
    }));
  });

  it('a plain pattern matches a name exactly when they are equal ignoring case', () => {
    fc.assert(fc.property(labels(1, 4), labels(1, 4), (a, b) => {
      const pattern = a.join('.');
      const name = b.join('.');
      expect(matchesDnsPattern(pattern, name.toUpperCase())).to.equal(pattern === name);
    }));
  });

  it('a name with a different last label never matches *.suffix or **.suffix', () => {
    fc.assert(fc.property(labels(1, 3), label, label, (before, tld, other) => {
      fc.pre(tld !== other);
      const name = [...before, other].join('.');
      expect(matchesDnsPattern(`*.${tld}`, name)).to.equal(false);
      expect(matchesDnsPattern(`**.${tld}`, name)).to.equal(false);
    }));
  });
});
