/**
 * The profile rules, one row each, in the order they are checked: the first broken rule names the
 * refusal. Each row is a pure function of the profile, the CSR's facts and the validity asked for,
 * returning why the request breaks the rule, or `undefined` when it holds.
 */
import type { CsrFacts, RequestedName } from './csr-facts.ts';
import { firstMatchingPattern, isDnsName, isWildcardName } from './dns-pattern.ts';
import { ipInRanges } from './ip-range.ts';
import { describeKeyRule, keySizeProblem } from './key-algorithms.ts';
import type { KeyAlgorithmRule, Profile, SanRules } from './schema.ts';

/** What every rule reads. */
export interface RuleInput {
  readonly profile: Profile;
  readonly csr: CsrFacts;
  /** The validity asked for, or the profile's default. */
  readonly validityDays: number;
}

/** One named rule. */
export interface ProfileRule {
  readonly name: string;
  readonly check: (input: RuleInput) => string | undefined;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}

function fullMatch(pattern: string, value: string): boolean {
  return new RegExp(`^(?:${pattern})$`, 'u').test(value);
}

/** The first item whose check fails, mapped to its reason. */
function firstFailure<T>(items: readonly T[], reason: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const failure = reason(item);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

function namesOf(csr: CsrFacts, type: string): RequestedName[] {
  return csr.subjectAltNames.filter((name) => name.type === type);
}

/** The profile's key rule for the CSR key's type, if it allows that type. */
function keyRuleFor(profile: Profile, type: string): KeyAlgorithmRule | undefined {
  return profile.keyAlgorithms.find((rule) => rule.type === type);
}

function checkDnsPattern(rules: SanRules, csr: CsrFacts): string | undefined {
  const patterns = rules.dns?.patterns;
  if (patterns === undefined) return undefined;
  return firstFailure(namesOf(csr, 'dns'), (name) => (firstMatchingPattern(patterns, name.value) === undefined ? `name "${name.value}" matches none of ${list(patterns)}` : undefined));
}

function checkIpRange(rules: SanRules, csr: CsrFacts): string | undefined {
  const ranges = rules.ip?.ranges;
  if (ranges === undefined) return undefined;
  return firstFailure(namesOf(csr, 'ip'), (name) => (ipInRanges(name.value, ranges) ? undefined : `address ${name.value} is in none of ${list(ranges)}`));
}

// RFC 5321 §4.1.2 local part kept simple: printable, no `@`, no spaces.
const MAILBOX = /^[^@\s]+@([^@\s]+)$/u;

function emailDomain(address: string): string | undefined {
  const domain = MAILBOX.exec(address)?.[1];
  return domain !== undefined && isDnsName(domain) && !isWildcardName(domain) ? domain : undefined;
}

function checkEmailDomain(rules: SanRules, csr: CsrFacts): string | undefined {
  const domains = rules.email?.domains;
  if (domains === undefined) return undefined;
  return firstFailure(namesOf(csr, 'email'), (name) => {
    const domain = emailDomain(name.value);
    return domain !== undefined && firstMatchingPattern(domains, domain) !== undefined ? undefined : `address "${name.value}" has a domain matching none of ${list(domains)}`;
  });
}

function checkUriPattern(rules: SanRules, csr: CsrFacts): string | undefined {
  const prefixes = rules.uri?.prefixes;
  const patterns = rules.uri?.patterns;
  if (prefixes === undefined && patterns === undefined) return undefined;
  const allowed = (uri: string) => prefixes?.some((prefix) => uri.startsWith(prefix)) === true || patterns?.some((pattern) => fullMatch(pattern, uri)) === true;
  return firstFailure(namesOf(csr, 'uri'), (name) => (allowed(name.value) ? undefined : `URI "${name.value}" starts with none of ${list(prefixes ?? [])} and matches none of ${list(patterns ?? [])}`));
}

/** Every profile rule, in checking order. */
export const profileRules: readonly ProfileRule[] = [
  {
    name: 'csr.signature',
    check: ({ csr }) => (csr.signatureValid ? undefined : 'the CSR signature does not verify with its public key'),
  },
  {
    name: 'key.algorithm',
    check: ({ profile, csr }) => (keyRuleFor(profile, csr.key.type) === undefined ? `key type ${csr.key.type} is not one of ${list(profile.keyAlgorithms.map(describeKeyRule))}` : undefined),
  },
  {
    name: 'key.size',
    check: ({ profile, csr }) => {
      const rule = keyRuleFor(profile, csr.key.type);
      return rule === undefined ? undefined : keySizeProblem(rule, csr.key);
    },
  },
  {
    name: 'validity.min',
    check: ({ validityDays }) => (Number.isSafeInteger(validityDays) && validityDays >= 1 ? undefined : `validity of ${String(validityDays)} days is not a whole number of days of at least 1`),
  },
  {
    name: 'validity.max',
    check: ({ profile, validityDays }) => (validityDays <= profile.validity.maxDays ? undefined : `validity of ${String(validityDays)} days exceeds the maximum of ${String(profile.validity.maxDays)}`),
  },
  {
    name: 'subject.allowed',
    check: ({ profile, csr }) => firstFailure(csr.subjectAttributes, (attribute) => (profile.subject.allowed.includes(attribute.type) ? undefined : `attribute ${attribute.type} is not one of ${list(profile.subject.allowed)}`)),
  },
  {
    name: 'subject.required',
    check: ({ profile, csr }) => firstFailure(profile.subject.required ?? [], (type) => (csr.subjectAttributes.some((attribute) => attribute.type === type) ? undefined : `attribute ${type} is required`)),
  },
  {
    name: 'subject.pattern',
    check: ({ profile, csr }) => {
      const patterns = new Map(Object.entries(profile.subject.patterns ?? {}));
      return firstFailure(csr.subjectAttributes, (attribute) => {
        const pattern = patterns.get(attribute.type);
        return pattern === undefined || fullMatch(pattern, attribute.value) ? undefined : `${attribute.type} "${attribute.value}" does not match ${pattern}`;
      });
    },
  },
  {
    name: 'san.type',
    check: ({ profile, csr }) => firstFailure(csr.subjectAltNames, (name) => ((profile.subjectAltNames.allowedTypes as readonly string[]).includes(name.type) ? undefined : `${name.type} names are not allowed (allowed: ${list(profile.subjectAltNames.allowedTypes)})`)),
  },
  {
    name: 'san.dns.syntax',
    check: ({ csr }) => firstFailure(namesOf(csr, 'dns'), (name) => (isDnsName(name.value) ? undefined : `name "${name.value}" is not a valid DNS name`)),
  },
  { name: 'san.dns.pattern', check: ({ profile, csr }) => checkDnsPattern(profile.subjectAltNames, csr) },
  { name: 'san.ip.range', check: ({ profile, csr }) => checkIpRange(profile.subjectAltNames, csr) },
  {
    name: 'san.email.syntax',
    check: ({ csr }) => firstFailure(namesOf(csr, 'email'), (name) => (emailDomain(name.value) === undefined ? `address "${name.value}" is not a valid email address` : undefined)),
  },
  { name: 'san.email.domain', check: ({ profile, csr }) => checkEmailDomain(profile.subjectAltNames, csr) },
  {
    name: 'san.uri.syntax',
    check: ({ csr }) => firstFailure(namesOf(csr, 'uri'), (name) => (URL.canParse(name.value) ? undefined : `URI "${name.value}" is not an absolute URI`)),
  },
  { name: 'san.uri.pattern', check: ({ profile, csr }) => checkUriPattern(profile.subjectAltNames, csr) },
  {
    name: 'san.uri.count',
    check: ({ profile, csr }) => {
      const maxCount = profile.subjectAltNames.uri?.maxCount;
      const count = namesOf(csr, 'uri').length;
      return maxCount === undefined || count <= maxCount ? undefined : `${String(count)} URI names, at most ${String(maxCount)} allowed`;
    },
  },
  {
    name: 'subject.cn-in-san',
    check: ({ profile, csr }) => {
      if (profile.subject.cnInSan !== true) return undefined;
      const names = csr.subjectAltNames.filter((name) => name.type === 'dns' || name.type === 'ip').map((name) => name.value.toLowerCase());
      return firstFailure(csr.subjectAttributes.filter((attribute) => attribute.type === 'CN'), (cn) => (names.includes(cn.value.toLowerCase()) ? undefined : `CN "${cn.value}" is not among the DNS or IP names`));
    },
  },
  {
    name: 'san.count',
    check: ({ profile, csr }) => {
      const count = csr.subjectAltNames.length;
      const { minCount = 0, maxCount } = profile.subjectAltNames;
      if (count < minCount) return `${String(count)} names, at least ${String(minCount)} required`;
      return count > maxCount ? `${String(count)} names, at most ${String(maxCount)} allowed` : undefined;
    },
  },
  {
    name: 'san.dns.wildcard',
    check: ({ profile, csr }) => (profile.subjectAltNames.dns?.wildcard === true ? undefined : firstFailure(namesOf(csr, 'dns'), (name) => (isWildcardName(name.value) ? `name "${name.value}" is a wildcard, which the profile does not allow` : undefined))),
  },
];
