import { expect } from 'chai';
import { stringify } from 'yaml';
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
  subjectAltNames: { allowedTypes: ['dns', 'ip', 'email', 'uri'], minCount: 1, maxCount: 5, dns: { patterns: ['**.example.com', '*.example.org', 'example.net'], wildcard: false }, ip: { ranges: ['10.0.0.0/8', 'fd00::/8'] }, email: { domains: ['example.com'] }, uri: { prefixes: ['urn:x:'], patterns: ['spiffe://.*'] } },
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
  });

  describe('checks beyond the schema', () => {
    const cases: readonly (readonly [string, unknown, string])[] = [
      ['the name must be the file name', { ...leaf, name: 'other' }, '/name must equal the file name test'],
      ['defaultDays must not exceed maxDays', { ...leaf, validity: { defaultDays: 21, maxDays: 20 } }, '/validity/defaultDays must not exceed maxDays'],
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

    it('a required attribute or one required SAN is enough', () => {
      expect(parseObject({ ...leaf, subjectAltNames: { ...leaf.subjectAltNames, minCount: 0 } })).to.have.nested.property('subjectAltNames.minCount', 0);
      expect(parseObject({ ...leaf, subject: { allowed: ['CN'] }, subjectAltNames: { ...leaf.subjectAltNames, minCount: 1 } })).to.have.nested.property('subjectAltNames.minCount', 1);
    });

    it('timeStamping alone and critical is accepted', () => {
      expect(parseObject({ ...leaf, extendedKeyUsage: { usages: ['timeStamping'], critical: true } })).to.have.nested.property('extendedKeyUsage.critical', true);
    });
  });
});
