/**
 * One profile file read and checked: YAML parsed, the JSON schema applied with Ajv, then the checks
 * a schema cannot state (defaults within maxima, CA fields only on CA profiles, regular expressions
 * and CIDR ranges that parse). Any failure is an Error naming the file and the path in the document.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { parseCidr } from './ip-range.ts';
import { keyUsageFor } from './key-usage.ts';
import { profileSchema, type Profile } from './schema.ts';

const ajv = new Ajv2020({ strict: true, allErrors: false, discriminator: true });
const validate = ajv.compile<Profile>(profileSchema);

/** One check beyond the schema: the path it reports and why the profile breaks it, or `undefined`. */
interface DocumentCheck {
  readonly check: (profile: Profile, file: string) => { readonly path: string; readonly reason: string } | undefined;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return false;
  }
  return true;
}

/** The first `[index, item]` of `items` (none when absent) failing `holds`, as a path under `base`. */
function firstBad(base: string, items: readonly string[] = [], holds: (item: string) => boolean, reason: string): { readonly path: string; readonly reason: string } | undefined {
  const index = items.findIndex((item) => !holds(item));
  return index < 0 ? undefined : { path: `${base}/${String(index)}`, reason: `${reason}: ${String(items[index])}` };
}

const CA_ONLY = ['ca', 'nameConstraints'] as const;
const CA_USAGES = ['keyCertSign', 'cRLSign'] as const;

/** The checks of a profile beyond its schema, in reporting order. */
const documentChecks: readonly DocumentCheck[] = [
  { check: (profile, file) => (profile.name === basename(file, '.yaml') ? undefined : { path: '/name', reason: `must equal the file name ${basename(file, '.yaml')}` }) },
  { check: (profile) => (profile.validity.defaultDays <= profile.validity.maxDays ? undefined : { path: '/validity/defaultDays', reason: 'must not exceed maxDays' }) },
  {
    check: (profile) => {
      const index = profile.keyAlgorithms.findIndex((rule) => rule.type === 'RSA' && rule.minBits > rule.maxBits);
      return index < 0 ? undefined : { path: `/keyAlgorithms/${String(index)}/minBits`, reason: 'must not exceed maxBits' };
    },
  },
  {
    check: (profile) => {
      const types = profile.keyAlgorithms.map((rule) => rule.type);
      const index = types.findIndex((type, at) => types.indexOf(type) !== at);
      return index === -1 ? undefined : { path: `/keyAlgorithms/${String(index)}`, reason: `key type ${String(types[index])} is listed twice` };
    },
  },
  {
    check: (profile) => {
      const rule = profile.keyAlgorithms.find((candidate) => keyUsageFor(profile.keyUsage, candidate.type).length === 0);
      return rule === undefined ? undefined : { path: '/keyUsage', reason: `leaves no usage for ${rule.type} keys` };
    },
  },
  { check: (profile) => (profile.kind !== 'ca' || profile.ca !== undefined ? undefined : { path: '/ca', reason: 'is required for a CA profile' }) },
  {
    check: (profile) => {
      const field = profile.kind === 'leaf' ? CA_ONLY.find((name) => profile[name] !== undefined) : undefined;
      return field === undefined ? undefined : { path: `/${field}`, reason: 'is allowed only for a CA profile' };
    },
  },
  {
    check: (profile) => {
      const wrong = profile.kind === 'ca' ? !profile.keyUsage.includes('keyCertSign') : CA_USAGES.some((usage) => profile.keyUsage.includes(usage));
      return wrong ? { path: '/keyUsage', reason: profile.kind === 'ca' ? 'a CA profile must grant keyCertSign' : 'a leaf profile must not grant keyCertSign or cRLSign' } : undefined;
    },
  },
  {
    // RFC 3161 §2.3: a TSA certificate has exactly one EKU, timeStamping, and the extension is critical.
    check: (profile) => {
      const eku = profile.extendedKeyUsage;
      if (eku?.usages.includes('timeStamping') !== true) return undefined;
      return eku.usages.length === 1 && eku.critical === true ? undefined : { path: '/extendedKeyUsage', reason: 'timeStamping must be the only usage, and critical' };
    },
  },
  { check: (profile) => ((profile.subjectAltNames.minCount ?? 0) <= profile.subjectAltNames.maxCount ? undefined : { path: '/subjectAltNames/minCount', reason: 'must not exceed maxCount' }) },
  {
    // RFC 5280 §4.1.2.6: a CA's subject is never empty (it is the issuer name of what it signs).
    check: (profile) => (profile.kind === 'leaf' || (profile.subject.required ?? []).length > 0 ? undefined : { path: '/subject/required', reason: 'must name at least one attribute for a CA profile' }),
  },
  {
    // RFC 5280 §4.1.2.6: a certificate with an empty subject must name its holder in the SAN.
    check: (profile) => ((profile.subject.required ?? []).length > 0 || (profile.subjectAltNames.minCount ?? 0) > 0 ? undefined : { path: '/subjectAltNames/minCount', reason: 'must be at least 1 when no subject attribute is required (an empty subject needs a SAN)' }),
  },
  {
    check: (profile) => {
      const allowed: readonly string[] = profile.subject.allowed;
      return firstBad('/subject/required', profile.subject.required, (type) => allowed.includes(type), 'a required attribute must be allowed');
    },
  },
  {
    check: (profile) => {
      const entry = Object.entries(profile.subject.patterns ?? {}).find(([, pattern]) => !compiles(pattern));
      return entry === undefined ? undefined : { path: `/subject/patterns/${entry[0]}`, reason: 'is not a valid regular expression' };
    },
  },
  { check: (profile) => firstBad('/subjectAltNames/uri/patterns', profile.subjectAltNames.uri?.patterns, compiles, 'not a valid regular expression') },
  { check: (profile) => firstBad('/subjectAltNames/ip/ranges', profile.subjectAltNames.ip?.ranges, (range) => parseCidr(range) !== undefined, 'not a CIDR range') },
  { check: (profile) => firstBad('/nameConstraints/permittedIp', profile.nameConstraints?.permittedIp, (range) => parseCidr(range) !== undefined, 'not a CIDR range') },
  { check: (profile) => firstBad('/nameConstraints/excludedIp', profile.nameConstraints?.excludedIp, (range) => parseCidr(range) !== undefined, 'not a CIDR range') },
];

/** The profile in `text` (the YAML content of `file`), checked; throws an Error naming the file and the failing path. */
export function parseProfileDocument(text: string, file: string): Profile {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`profile file ${file}: not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (!validate(document)) {
    // Ajv sets `errors` whenever validation fails.
    const reasons = (validate.errors as readonly ErrorObject[]).map((error) => `${error.instancePath === '' ? '/' : error.instancePath} ${String(error.message)} (schema path ${error.schemaPath})`);
    throw new Error(`profile file ${file}: ${reasons.join('; ')}`);
  }
  for (const { check } of documentChecks) {
    const failure = check(document, file);
    if (failure !== undefined) throw new Error(`profile file ${file}: ${failure.path} ${failure.reason}`);
  }
  return document;
}
