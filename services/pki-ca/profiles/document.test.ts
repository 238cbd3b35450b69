import { expect } from 'chai';
import { stringify, YAMLParseError } from 'yaml';
import { parseProfileDocument } from './document.ts';

const FILE = '/profiles/test.yaml';

const leaf = {
  name: 'test',
  description: 'a test profile',
  kind: 'leaf',
  validity: { defaultDays: 10, maxDays: 20 },
  keyAlgorithms: [{ type: 'EC', curves: ['P-256'] }, { type: 'RSA', minBits: 2048, maxBits: 4096 }, { type: 'Ed25519' }],
  keyUsage: ['digitalSignature'],
  extendedKeyUsage: { usages: ['serverAuth', '1.3.6.1.4.1.311.10.3.12'] },
  subject: { allowed: ['CN', 'O', '2.5.4.5'], required: ['CN'], patterns: { CN: '[a-z.]+' } },
  subjectAltNames: { allowedTypes: ['dns', 'ip', 'email', 'uri'], minCount: 1, maxCount: 5, dns: { patterns: ['**.example.com', '*.example.org', 'example.net'], wildcard: false }, ip: { ranges: ['10.0.0.0/8', 'fd00::/8'] }, email: { domains: ['example.com'] }, uri: { prefixes: ['urn:x:'], patterns: ['spiffe://.*'], maxCount: 2 } },
  publicTls: false,
};

const ca = {
  name: 'test',
  description: 'a test CA profile',
  kind: 'ca',
  validity: { defaultDays: 100, maxDays: 200 },
  keyAlgorithms: [{ type: 'EC', curves: ['P-384'] }],
  keyUsage: ['keyCertSign', 'cRLSign'],
  subject: { allowed: ['CN'], required: ['CN'] },
  subjectAltNames: { allowedTypes: [], maxCount: 0 },
  ca: { pathLength: 0 },
  nameConstraints: { permittedDns: ['example.com'], excludedDns: ['bad.example.com'], permittedIp: ['10.0.0.0/8'], excludedIp: ['10.1.0.0/16'], permittedEmail: ['example.com'] },
};

/** A copy of `document` with the value at the JSON pointer set, or removed when `value` is undefined. */
function changed(document: object, pointer: string, value: unknown): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  const keys = pointer.slice(1).split('/');
  const last = String(keys.pop());
  let parent = copy;
  for (const key of keys) parent = parent[key] as Record<string, unknown>;
  if (value === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = value;
  return copy;
}

function parseObject(document: unknown): unknown {
  return parseProfileDocument(stringify(document), FILE);
}

function refusal(document: unknown): string {
  try {
    parseObject(document);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the document was accepted');
}

describe('profile documents', () => {
  it('accepts a full leaf profile and a CA profile as written', () => {
    expect(parseObject(leaf)).to.deep.equal(leaf);
    expect(parseObject(ca)).to.deep.equal(ca);
  });

  it('refuses text that is not YAML, naming the file', () => {
    expect(() => parseProfileDocument('name: [', FILE)).to.throw(Error, /^profile file \/profiles\/test\.yaml: not valid YAML: /);
    expect(() => parseProfileDocument('name: [', FILE)).to.throw(Error).with.property('cause').that.is.instanceOf(YAMLParseError);
  });

  describe('the JSON schema', () => {
    it('names the file, the document path and the schema path', () => {
      expect(refusal({ ...leaf, extra: 1 })).to.equal('profile file /profiles/test.yaml: / must NOT have additional properties (schema path #/additionalProperties)');
      expect(refusal({ ...leaf, validity: { defaultDays: 10, maxDays: 'long' } })).to.equal('profile file /profiles/test.yaml: /validity/maxDays must be integer (schema path #/properties/validity/properties/maxDays/type)');
      expect(refusal({ ...leaf, subjectAltNames: { ...leaf.subjectAltNames, dns: { wildcards: true } } })).to.equal('profile file /profiles/test.yaml: /subjectAltNames/dns must NOT have additional properties (schema path #/properties/subjectAltNames/properties/dns/additionalProperties)');
    });

    it('refuses a document that is no mapping, or misses a required field', () => {
      expect(refusal('just text')).to.equal('profile file /profiles/test.yaml: / must be object (schema path #/type)');
      expect(refusal({ ...leaf, keyUsage: undefined })).to.equal("profile file /profiles/test.yaml: / must have required property 'keyUsage' (schema path #/required)");
    });

    it('refuses unknown key usages, EKU names, key types, curves, SAN types and bad DNS patterns', () => {
      expect(refusal({ ...leaf, keyUsage: ['signing'] })).to.match(/^profile file \/profiles\/test\.yaml: \/keyUsage\/0 must be equal to one of the allowed values/);
      expect(refusal({ ...leaf, extendedKeyUsage: { usages: ['webAuth'] } })).to.match(/\/extendedKeyUsage\/usages\/0 /);
      expect(refusal({ ...leaf, keyAlgorithms: [{ type: 'DSA' }] })).to.match(/\/keyAlgorithms\/0/);
      expect(refusal({ ...leaf, keyAlgorithms: [{ type: 'EC', curves: ['P-521'] }] })).to.match(/\/keyAlgorithms\/0/);
      expect(refusal({ ...leaf, keyAlgorithms: [{ type: 'RSA', minBits: 1024, maxBits: 4096 }] })).to.match(/\/keyAlgorithms\/0/);
      expect(refusal({ ...leaf, subjectAltNames: { ...leaf.subjectAltNames, allowedTypes: ['x400'] } })).to.match(/\/subjectAltNames\/allowedTypes\/0 must be equal to one of the allowed values/);
      for (const pattern of ['a.*.example.com', '***.example.com', 'Example.com', '-a.example.com', '*']) {
        expect(refusal({ ...leaf, subjectAltNames: { ...leaf.subjectAltNames, dns: { patterns: [pattern] } } }), pattern).to.match(/\/subjectAltNames\/dns\/patterns\/0 must match pattern/);
      }
      expect(refusal({ ...ca, nameConstraints: { permittedDns: ['*.example.com'] } })).to.match(/\/nameConstraints\/permittedDns\/0 must match pattern/);
      expect(refusal({ ...leaf, name: 'Tls_Server' })).to.match(/^profile file \/profiles\/test\.yaml: \/name must match pattern/);
    });

    // One row per schema keyword: each wrong value is refused at its own path, by its own keyword.
    const fields: readonly (readonly ['leaf' | 'ca', string, unknown, string])[] = [
      ['leaf', '/name', 5, '/name must be string (schema path #/properties/name/type)'],
      ['leaf', '/description', '', '/description must NOT have fewer than 1 characters (schema path #/properties/description/minLength)'],
      ['leaf', '/kind', 'root', '/kind must be equal to one of the allowed values (schema path #/properties/kind/enum)'],
      ['leaf', '/validity', 'long', '/validity must be object (schema path #/properties/validity/type)'],
      ['leaf', '/validity', {'maxDays':20}, '/validity must have required property \'defaultDays\' (schema path #/properties/validity/required)'],
      ['leaf', '/validity/defaultDays', 0, '/validity/defaultDays must be >= 1 (schema path #/properties/validity/properties/defaultDays/minimum)'],
      ['leaf', '/validity/maxDays', Number.POSITIVE_INFINITY, '/validity/maxDays must be integer (schema path #/properties/validity/properties/maxDays/type)'],
      ['leaf', '/validity/maxDays', 36526, '/validity/maxDays must be <= 36525 (schema path #/properties/validity/properties/maxDays/maximum)'],
      ['leaf', '/validity/minDays', 1, '/validity must NOT have additional properties (schema path #/properties/validity/additionalProperties)'],
      ['leaf', '/keyAlgorithms', [], '/keyAlgorithms must NOT have fewer than 1 items (schema path #/properties/keyAlgorithms/minItems)'],
      ['leaf', '/keyAlgorithms', 'EC', '/keyAlgorithms must be array (schema path #/properties/keyAlgorithms/type)'],
      ['leaf', '/keyAlgorithms/0', 'EC', '/keyAlgorithms/0 must be object (schema path #/properties/keyAlgorithms/items/type)'],
      ['leaf', '/keyAlgorithms/0', {'curves':['P-256']}, '/keyAlgorithms/0 must have required property \'type\' (schema path #/properties/keyAlgorithms/items/required)'],
      ['leaf', '/keyAlgorithms/0/type', 'DSA', '/keyAlgorithms/0/type must be equal to one of the allowed values (schema path #/properties/keyAlgorithms/items/properties/type/enum)'],
      ['leaf', '/keyAlgorithms/0/curves', [], '/keyAlgorithms/0/curves must NOT have fewer than 1 items (schema path #/properties/keyAlgorithms/items/oneOf/0/properties/curves/minItems)'],
      ['leaf', '/keyAlgorithms/0/curves', ['P-521'], '/keyAlgorithms/0/curves/0 must be equal to one of the allowed values (schema path #/properties/keyAlgorithms/items/oneOf/0/properties/curves/items/enum)'],
      ['leaf', '/keyAlgorithms/0/curves', ['P-256','P-256'], '/keyAlgorithms/0/curves must NOT have duplicate items (items ## 0 and 1 are identical) (schema path #/properties/keyAlgorithms/items/oneOf/0/properties/curves/uniqueItems)'],
      ['leaf', '/keyAlgorithms/0/bits', 256, '/keyAlgorithms/0 must NOT have additional properties (schema path #/properties/keyAlgorithms/items/oneOf/0/additionalProperties)'],
      ['leaf', '/keyAlgorithms/1/minBits', 'x', '/keyAlgorithms/1/minBits must be integer (schema path #/properties/keyAlgorithms/items/oneOf/1/properties/minBits/type)'],
      ['leaf', '/keyAlgorithms/1/minBits', 1024, '/keyAlgorithms/1/minBits must be >= 2048 (schema path #/properties/keyAlgorithms/items/oneOf/1/properties/minBits/minimum)'],
      ['leaf', '/keyAlgorithms/1/maxBits', 16385, '/keyAlgorithms/1/maxBits must be <= 16384 (schema path #/properties/keyAlgorithms/items/oneOf/1/properties/maxBits/maximum)'],
      ['leaf', '/keyAlgorithms/1/maxBits', undefined, '/keyAlgorithms/1 must have required property \'maxBits\' (schema path #/properties/keyAlgorithms/items/oneOf/1/required)'],
      ['leaf', '/keyAlgorithms/2/curve', 'x', '/keyAlgorithms/2 must NOT have additional properties (schema path #/properties/keyAlgorithms/items/oneOf/2/additionalProperties)'],
      ['leaf', '/keyUsage', [], '/keyUsage must NOT have fewer than 1 items (schema path #/properties/keyUsage/minItems)'],
      ['leaf', '/keyUsage', ['signing'], '/keyUsage/0 must be equal to one of the allowed values (schema path #/properties/keyUsage/items/enum)'],
      ['leaf', '/keyUsage', ['digitalSignature','digitalSignature'], '/keyUsage must NOT have duplicate items (items ## 0 and 1 are identical) (schema path #/properties/keyUsage/uniqueItems)'],
      ['leaf', '/extendedKeyUsage', {'critical':true}, '/extendedKeyUsage must have required property \'usages\' (schema path #/properties/extendedKeyUsage/required)'],
      ['leaf', '/extendedKeyUsage/usages', [], '/extendedKeyUsage/usages must NOT have fewer than 1 items (schema path #/properties/extendedKeyUsage/properties/usages/minItems)'],
      ['leaf', '/extendedKeyUsage/usages', ['webAuth'], '/extendedKeyUsage/usages/0 must be equal to one of the allowed values (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf/0/enum); /extendedKeyUsage/usages/0 must match pattern "^[0-2](\\.(0|[1-9][0-9]*))+$" (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf/1/pattern); /extendedKeyUsage/usages/0 must match a schema in anyOf (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf)'],
      ['leaf', '/extendedKeyUsage/usages', ['1.03.4'], '/extendedKeyUsage/usages/0 must be equal to one of the allowed values (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf/0/enum); /extendedKeyUsage/usages/0 must match pattern "^[0-2](\\.(0|[1-9][0-9]*))+$" (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf/1/pattern); /extendedKeyUsage/usages/0 must match a schema in anyOf (schema path #/properties/extendedKeyUsage/properties/usages/items/anyOf)'],
      ['leaf', '/extendedKeyUsage/usages', ['serverAuth','serverAuth'], '/extendedKeyUsage/usages must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/extendedKeyUsage/properties/usages/uniqueItems)'],
      ['leaf', '/extendedKeyUsage/critical', 'yes', '/extendedKeyUsage/critical must be boolean (schema path #/properties/extendedKeyUsage/properties/critical/type)'],
      ['leaf', '/extendedKeyUsage/optional', true, '/extendedKeyUsage must NOT have additional properties (schema path #/properties/extendedKeyUsage/additionalProperties)'],
      ['leaf', '/subject', {'required':['CN']}, '/subject must have required property \'allowed\' (schema path #/properties/subject/required)'],
      ['leaf', '/subject/allowed', 'CN', '/subject/allowed must be array (schema path #/properties/subject/properties/allowed/type)'],
      ['leaf', '/subject/allowed', ['CN','common name'], '/subject/allowed/1 must match pattern "^([A-Za-z][A-Za-z0-9]*|[0-2](\\.(0|[1-9][0-9]*))+)$" (schema path #/properties/subject/properties/allowed/items/pattern)'],
      ['leaf', '/subject/allowed', ['CN','CN'], '/subject/allowed must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/subject/properties/allowed/uniqueItems)'],
      ['leaf', '/subject/required', ['CN','CN'], '/subject/required must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/subject/properties/required/uniqueItems)'],
      ['leaf', '/subject/patterns', {'common name':'x'}, '/subject/patterns must match pattern "^([A-Za-z][A-Za-z0-9]*|[0-2](\\.(0|[1-9][0-9]*))+)$" (schema path #/properties/subject/properties/patterns/propertyNames/pattern); /subject/patterns property name must be valid (schema path #/properties/subject/properties/patterns/propertyNames)'],
      ['leaf', '/subject/patterns', {'CN':''}, '/subject/patterns/CN must NOT have fewer than 1 characters (schema path #/properties/subject/properties/patterns/additionalProperties/minLength)'],
      ['leaf', '/subject/patterns', {'CN':5}, '/subject/patterns/CN must be string (schema path #/properties/subject/properties/patterns/additionalProperties/type)'],
      ['leaf', '/subject/cnInSan', 'yes', '/subject/cnInSan must be boolean (schema path #/properties/subject/properties/cnInSan/type)'],
      ['leaf', '/subject/forbidden', [], '/subject must NOT have additional properties (schema path #/properties/subject/additionalProperties)'],
      ['leaf', '/subjectAltNames/maxCount', undefined, '/subjectAltNames must have required property \'maxCount\' (schema path #/properties/subjectAltNames/required)'],
      ['leaf', '/subjectAltNames/allowedTypes', undefined, '/subjectAltNames must have required property \'allowedTypes\' (schema path #/properties/subjectAltNames/required)'],
      ['leaf', '/subjectAltNames/allowedTypes', ['x400'], '/subjectAltNames/allowedTypes/0 must be equal to one of the allowed values (schema path #/properties/subjectAltNames/properties/allowedTypes/items/enum)'],
      ['leaf', '/subjectAltNames/allowedTypes', ['dns','dns'], '/subjectAltNames/allowedTypes must NOT have duplicate items (items ## 0 and 1 are identical) (schema path #/properties/subjectAltNames/properties/allowedTypes/uniqueItems)'],
      ['leaf', '/subjectAltNames/minCount', -1, '/subjectAltNames/minCount must be >= 0 (schema path #/properties/subjectAltNames/properties/minCount/minimum)'],
      ['leaf', '/subjectAltNames/maxCount', 1001, '/subjectAltNames/maxCount must be <= 1000 (schema path #/properties/subjectAltNames/properties/maxCount/maximum)'],
      ['leaf', '/subjectAltNames/critical', true, '/subjectAltNames must NOT have additional properties (schema path #/properties/subjectAltNames/additionalProperties)'],
      ['leaf', '/subjectAltNames/dns/patterns', '*.example.com', '/subjectAltNames/dns/patterns must be array (schema path #/properties/subjectAltNames/properties/dns/properties/patterns/type)'],
      ['leaf', '/subjectAltNames/dns/patterns', ['a.*.example.com'], '/subjectAltNames/dns/patterns/0 must match pattern "^(\\*\\*|((\\*|\\*\\*)\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$" (schema path #/properties/subjectAltNames/properties/dns/properties/patterns/items/pattern)'],
      ['leaf', '/subjectAltNames/dns/patterns', ['a.example.com','a.example.com'], '/subjectAltNames/dns/patterns must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/subjectAltNames/properties/dns/properties/patterns/uniqueItems)'],
      ['leaf', '/subjectAltNames/dns/wildcard', 'no', '/subjectAltNames/dns/wildcard must be boolean (schema path #/properties/subjectAltNames/properties/dns/properties/wildcard/type)'],
      ['leaf', '/subjectAltNames/dns/exact', true, '/subjectAltNames/dns must NOT have additional properties (schema path #/properties/subjectAltNames/properties/dns/additionalProperties)'],
      ['leaf', '/subjectAltNames/ip/ranges', ['ten/8'], '/subjectAltNames/ip/ranges/0 must match pattern "^[0-9a-fA-F.:]+/[0-9]{1,3}$" (schema path #/properties/subjectAltNames/properties/ip/properties/ranges/items/pattern)'],
      ['leaf', '/subjectAltNames/ip/ranges', ['10.0.0.0/8','10.0.0.0/8'], '/subjectAltNames/ip/ranges must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/subjectAltNames/properties/ip/properties/ranges/uniqueItems)'],
      ['leaf', '/subjectAltNames/ip/excluded', [], '/subjectAltNames/ip must NOT have additional properties (schema path #/properties/subjectAltNames/properties/ip/additionalProperties)'],
      ['leaf', '/subjectAltNames/email/domains', ['@example.com'], '/subjectAltNames/email/domains/0 must match pattern "^(\\*\\*|((\\*|\\*\\*)\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$" (schema path #/properties/subjectAltNames/properties/email/properties/domains/items/pattern)'],
      ['leaf', '/subjectAltNames/email/local', 'x', '/subjectAltNames/email must NOT have additional properties (schema path #/properties/subjectAltNames/properties/email/additionalProperties)'],
      ['leaf', '/subjectAltNames/uri/prefixes', [''], '/subjectAltNames/uri/prefixes/0 must NOT have fewer than 1 characters (schema path #/properties/subjectAltNames/properties/uri/properties/prefixes/items/minLength)'],
      ['leaf', '/subjectAltNames/uri/prefixes', 'a:', '/subjectAltNames/uri/prefixes must be array (schema path #/properties/subjectAltNames/properties/uri/properties/prefixes/type)'],
      ['leaf', '/subjectAltNames/uri/prefixes', ['a:','a:'], '/subjectAltNames/uri/prefixes must NOT have duplicate items (items ## 1 and 0 are identical) (schema path #/properties/subjectAltNames/properties/uri/properties/prefixes/uniqueItems)'],
      ['leaf', '/subjectAltNames/uri/patterns', [''], '/subjectAltNames/uri/patterns/0 must NOT have fewer than 1 characters (schema path #/properties/subjectAltNames/properties/uri/properties/patterns/items/minLength)'],
      ['leaf', '/subjectAltNames/uri/maxCount', -1, '/subjectAltNames/uri/maxCount must be >= 0 (schema path #/properties/subjectAltNames/properties/uri/properties/maxCount/minimum)'],
      ['leaf', '/subjectAltNames/uri/schemes', ['https'], '/subjectAltNames/uri must NOT have additional properties (schema path #/properties/subjectAltNames/properties/uri/additionalProperties)'],
      ['leaf', '/requiredExtensions', ['ocspCheck'], '/requiredExtensions/0 must be equal to one of the allowed values (schema path #/properties/requiredExtensions/items/enum)'],
      ['leaf', '/requiredExtensions', ['ocspNoCheck','ocspNoCheck'], '/requiredExtensions must NOT have duplicate items (items ## 0 and 1 are identical) (schema path #/properties/requiredExtensions/uniqueItems)'],
      ['leaf', '/publicTls', 'yes', '/publicTls must be boolean (schema path #/properties/publicTls/type)'],
      ['ca', '/ca', 'yes', '/ca must be object (schema path #/properties/ca/type)'],
      ['ca', '/ca/pathLength', -1, '/ca/pathLength must be >= 0 (schema path #/properties/ca/properties/pathLength/minimum)'],
      ['ca', '/ca/critical', true, '/ca must NOT have additional properties (schema path #/properties/ca/additionalProperties)'],
      ['ca', '/nameConstraints/excludedEmail', ['example.com'], '/nameConstraints must NOT have additional properties (schema path #/properties/nameConstraints/additionalProperties)'],
      ['ca', '/nameConstraints/permittedDns', ['*.example.com'], '/nameConstraints/permittedDns/0 must match pattern "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" (schema path #/properties/nameConstraints/properties/permittedDns/items/pattern)'],
      ['ca', '/nameConstraints/excludedDns', ['**.example.com'], '/nameConstraints/excludedDns/0 must match pattern "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" (schema path #/properties/nameConstraints/properties/excludedDns/items/pattern)'],
      ['ca', '/nameConstraints/permittedIp', ['any'], '/nameConstraints/permittedIp/0 must match pattern "^[0-9a-fA-F.:]+/[0-9]{1,3}$" (schema path #/properties/nameConstraints/properties/permittedIp/items/pattern)'],
      ['ca', '/nameConstraints/excludedIp', ['any'], '/nameConstraints/excludedIp/0 must match pattern "^[0-9a-fA-F.:]+/[0-9]{1,3}$" (schema path #/properties/nameConstraints/properties/excludedIp/items/pattern)'],
      ['ca', '/nameConstraints/permittedEmail', ['a@example.com'], '/nameConstraints/permittedEmail/0 must match pattern "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" (schema path #/properties/nameConstraints/properties/permittedEmail/items/pattern)'],
    ];
    for (const [base, pointer, value, reason] of fields) {
      it(`refuses ${pointer} = ${value === undefined ? '(absent)' : typeof value === 'number' ? String(value) : JSON.stringify(value)}`, () => {
        expect(refusal(changed(base === 'leaf' ? leaf : ca, pointer, value))).to.equal(`profile file /profiles/test.yaml: ${reason}`);
      });
    }
  });

  describe('checks beyond the schema', () => {
    const cases: readonly (readonly [string, unknown, string])[] = [
      ['the name must be the file name', { ...leaf, name: 'other' }, '/name must equal the file name test'],
      ['defaultDays must not exceed maxDays', { ...leaf, validity: { defaultDays: 21, maxDays: 20 } }, '/validity/defaultDays must not exceed maxDays'],
      ['RSA minBits must not exceed maxBits, first rule', { ...leaf, keyAlgorithms: [{ type: 'RSA', minBits: 4096, maxBits: 3072 }] }, '/keyAlgorithms/0/minBits must not exceed maxBits'],
      ['RSA minBits must not exceed maxBits', { ...leaf, keyAlgorithms: [{ type: 'EC', curves: ['P-256'] }, { type: 'RSA', minBits: 4096, maxBits: 3072 }] }, '/keyAlgorithms/1/minBits must not exceed maxBits'],
      ['a key type is listed once', { ...leaf, keyAlgorithms: [{ type: 'EC', curves: ['P-256'] }, { type: 'Ed25519' }, { type: 'EC', curves: ['P-384'] }] }, '/keyAlgorithms/2 key type EC is listed twice'],
      ['every allowed key type keeps a usage', { ...leaf, keyUsage: ['keyEncipherment'], keyAlgorithms: [{ type: 'RSA', minBits: 2048, maxBits: 4096 }, { type: 'Ed25519' }] }, '/keyUsage leaves no usage for Ed25519 keys'],
      ['a CA profile has a ca section', { ...ca, ca: undefined }, '/ca is required for a CA profile'],
      ['a leaf profile has no ca section', { ...leaf, ca: {} }, '/ca is allowed only for a CA profile'],
      ['a leaf profile has no name constraints', { ...leaf, nameConstraints: { permittedDns: ['example.com'] } }, '/nameConstraints is allowed only for a CA profile'],
      ['a CA profile grants keyCertSign', { ...ca, keyUsage: ['cRLSign', 'digitalSignature'] }, '/keyUsage a CA profile must grant keyCertSign'],
      ['a leaf profile grants no cRLSign', { ...leaf, keyUsage: ['digitalSignature', 'cRLSign'] }, '/keyUsage a leaf profile must not grant keyCertSign or cRLSign'],
      ['a leaf profile grants no keyCertSign', { ...leaf, keyUsage: ['keyCertSign'] }, '/keyUsage a leaf profile must not grant keyCertSign or cRLSign'],
      ['timeStamping is critical (RFC 3161 §2.3)', { ...leaf, extendedKeyUsage: { usages: ['timeStamping'] } }, '/extendedKeyUsage timeStamping must be the only usage, and critical'],
      ['timeStamping is the only usage (RFC 3161 §2.3)', { ...leaf, extendedKeyUsage: { usages: ['timeStamping', 'serverAuth'], critical: true } }, '/extendedKeyUsage timeStamping must be the only usage, and critical'],
      ['minCount must not exceed maxCount', { ...leaf, subjectAltNames: { ...leaf.subjectAltNames, minCount: 6 } }, '/subjectAltNames/minCount must not exceed maxCount'],
      ['a CA subject is never empty (RFC 5280 §4.1.2.6)', { ...ca, subject: { allowed: ['CN'] }, subjectAltNames: { allowedTypes: ['dns'], minCount: 1, maxCount: 1 } }, '/subject/required must name at least one attribute for a CA profile'],
      ['an empty subject needs a SAN (RFC 5280 §4.1.2.6)', { ...leaf, subject: { allowed: ['CN'] }, subjectAltNames: { ...leaf.subjectAltNames, minCount: 0 } }, '/subjectAltNames/minCount must be at least 1 when no subject attribute is required (an empty subject needs a SAN)'],
      ['an empty subject needs a SAN, also when minCount is absent', { ...leaf, subject: { allowed: ['CN'], required: [] }, subjectAltNames: { allowedTypes: ['dns'], maxCount: 1 } }, '/subjectAltNames/minCount must be at least 1 when no subject attribute is required (an empty subject needs a SAN)'],
      ['a required attribute is allowed', { ...leaf, subject: { allowed: ['CN'], required: ['CN', 'O'] } }, '/subject/required/1 a required attribute must be allowed: O'],
      ['subject patterns compile', { ...leaf, subject: { allowed: ['CN'], patterns: { CN: '[a-' } } }, '/subject/patterns/CN is not a valid regular expression'],
      ['URI patterns compile', { ...leaf, subjectAltNames: { ...leaf.subjectAltNames, uri: { patterns: ['ok', '(unclosed'] } } }, '/subjectAltNames/uri/patterns/1 not a valid regular expression: (unclosed'],
      ['IP ranges parse', { ...leaf, subjectAltNames: { ...leaf.subjectAltNames, ip: { ranges: ['10.0.0.0/8', '10.0.0.300/8'] } } }, '/subjectAltNames/ip/ranges/1 not a CIDR range: 10.0.0.300/8'],
      ['permitted IP constraints parse', { ...ca, nameConstraints: { permittedIp: ['10.0.0.0/33'] } }, '/nameConstraints/permittedIp/0 not a CIDR range: 10.0.0.0/33'],
      ['excluded IP constraints parse', { ...ca, nameConstraints: { excludedIp: ['fd00::/129'] } }, '/nameConstraints/excludedIp/0 not a CIDR range: fd00::/129'],
    ];
    for (const [rule, document, reason] of cases) {
      it(rule, () => {
        expect(refusal(document)).to.equal(`profile file /profiles/test.yaml: ${reason}`);
      });
    }

    it('accepts the bounds themselves: defaultDays = maxDays, minBits = maxBits, minCount = maxCount', () => {
      const bounds = { ...leaf, validity: { defaultDays: 20, maxDays: 20 }, keyAlgorithms: [{ type: 'RSA', minBits: 3072, maxBits: 3072 }], subjectAltNames: { ...leaf.subjectAltNames, minCount: 5, maxCount: 5 } };
      expect(parseObject(bounds)).to.deep.equal(bounds);
    });

    it('compiles patterns in Unicode mode: an escape only legacy mode knows is refused, a property escape accepted', () => {
      expect(refusal({ ...leaf, subject: { allowed: ['CN'], required: ['CN'], patterns: { CN: '\\a' } } })).to.equal('profile file /profiles/test.yaml: /subject/patterns/CN is not a valid regular expression');
      expect(parseObject({ ...leaf, subject: { allowed: ['CN'], required: ['CN'], patterns: { CN: '\\p{Lu}.*' } } })).to.have.nested.property('subject.patterns.CN', '\\p{Lu}.*');
    });

    it('a required attribute or one required SAN is enough', () => {
      expect(parseObject({ ...leaf, subjectAltNames: { ...leaf.subjectAltNames, minCount: 0 } })).to.have.nested.property('subjectAltNames.minCount', 0);
      expect(parseObject({ ...leaf, subject: { allowed: ['CN'] }, subjectAltNames: { ...leaf.subjectAltNames, minCount: 1 } })).to.have.nested.property('subjectAltNames.minCount', 1);
    });

    it('timeStamping alone and critical is accepted', () => {
      expect(parseObject({ ...leaf, extendedKeyUsage: { usages: ['timeStamping'], critical: true } })).to.have.nested.property('extendedKeyUsage.critical', true);
    });
  });
});
