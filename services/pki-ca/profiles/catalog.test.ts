import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { x509 } from '../../template/tls/x509.ts';
import { join } from 'node:path';
import { ProblemError } from '../../template/errors/index.ts';
import type { IssuancePlan, ProfileCatalog } from '../contract.ts';
import { tempFiles } from '../testing/test-ca.ts';
import { generateCsrKeys, makeCsr, type TestCsrKeys, type TestCsrOptions, type TestKeyKind } from '../testing/test-csr.ts';
import { builtInProfilesDir, loadProfileCatalog } from './catalog.ts';
import { ProfileRuleError } from './errors.ts';
import { profileRules } from './rules.ts';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const BUILT_IN = ['code-signing', 'database-server', 'device', 'intermediate-ca', 'issuing-ca', 'kubernetes-workload', 'mtls-client', 'ocsp-responder', 'root-ca', 'smime-encryption', 'smime-signing', 'timestamp', 'tls-client', 'tls-server'];

// A user profile exercising the rules no built-in profile states.
const USER_PROFILE = `
name: internal-web
description: Internal web servers of example.com.
kind: leaf
validity: { defaultDays: 30, maxDays: 60 }
keyAlgorithms: [{ type: EC, curves: [P-256] }]
keyUsage: [digitalSignature]
extendedKeyUsage: { usages: [serverAuth] }
subject:
  required: [CN, O]
  allowed: [CN, O]
  patterns: { O: 'Example( Inc\\.)?' }
  cnInSan: true
subjectAltNames:
  allowedTypes: [dns, ip, email, uri]
  maxCount: 3
  dns: { patterns: ['*.example.com'], wildcard: false }
  ip: { ranges: [10.0.0.0/8] }
  email: { domains: [example.com] }
  uri: { prefixes: ['https://example.com/'] }
`;

describe('profile catalog', () => {
  const keys = new Map<TestKeyKind, TestCsrKeys>();
  let catalog: ProfileCatalog;
  let userDir: Awaited<ReturnType<typeof tempFiles>>;
  let userCatalog: ProfileCatalog;

  before(async () => {
    const kinds: readonly TestKeyKind[] = ['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519'];
    for (const pair of await Promise.all(kinds.map(generateCsrKeys))) keys.set(pair.kind, pair);
    catalog = await loadProfileCatalog();
    userDir = await tempFiles({
      'internal-web.yaml': USER_PROFILE,
      'tls-server.yaml': USER_PROFILE.replace('name: internal-web', 'name: tls-server').replace('maxDays: 60', 'maxDays: 45'),
      'notes.txt': 'not a profile',
    });
    userCatalog = await loadProfileCatalog({ dir: userDir.dir });
  });

  after(async () => {
    await userDir.cleanup();
  });

  function key(kind: TestKeyKind): TestCsrKeys {
    const pair = keys.get(kind);
    if (pair === undefined) throw new Error(`no key ${kind}`);
    return pair;
  }

  async function plan(profile: string, kind: TestKeyKind, options: TestCsrOptions, validityDays?: number, on = catalog): Promise<IssuancePlan> {
    return await on.plan(profile, { csr: await makeCsr(key(kind), options), ...(validityDays === undefined ? {} : { validityDays }) });
  }

  async function refusal(profile: string, kind: TestKeyKind, options: TestCsrOptions, validityDays?: number, on = catalog): Promise<ProblemError> {
    try {
      await plan(profile, kind, options, validityDays, on);
    } catch (error) {
      if (error instanceof ProblemError) return error;
      throw error;
    }
    throw new Error('the request was accepted');
  }

  it('lists the built-in profiles by name, with their summaries', () => {
    expect(catalog.list().map((summary) => summary.name)).to.deep.equal(BUILT_IN);
    expect(catalog.list().find((summary) => summary.name === 'tls-server')).to.deep.equal({
      name: 'tls-server',
      description: 'TLS server certificate (serverAuth), Baseline Requirements limits.',
      kind: 'leaf',
      keyAlgorithms: ['EC P-256', 'EC P-384', 'RSA 2048-4096'],
      defaultValidityDays: 90,
      maxValidityDays: 398,
    });
    expect(catalog.list().filter((summary) => summary.kind === 'ca').map((summary) => summary.name)).to.deep.equal(['intermediate-ca', 'issuing-ca', 'root-ca']);
  });

  it('gives a profile summary and its whole document, as a copy', () => {
    const entry = catalog.get('timestamp');
    expect(entry?.summary.maxValidityDays).to.equal(4110);
    expect(entry?.document).to.have.nested.property('extendedKeyUsage.critical', true);
    (entry?.document as { name: string }).name = 'changed';
    expect(catalog.get('timestamp')?.document).to.have.property('name', 'timestamp');
    expect(catalog.get('nope')).to.equal(undefined);
  });

  it('answers 404 for an unknown profile', async () => {
    const error = await refusal('nope', 'P-256', {});
    expect(error.status).to.equal(404);
    expect(error.code).to.equal('not_found');
    expect(error.message).to.equal('no profile named nope');
  });

  it('finds the built-in profiles beside its module', () => {
    expect(builtInProfilesDir).to.match(/services\/pki-ca\/profiles\/$/);
  });

  describe('each built-in profile accepts a typical request', () => {
    it('tls-server: DNS and IP names, CN repeated, wildcard, RSA key keeps keyEncipherment', async () => {
      expect(await plan('tls-server', 'RSA-2048', { subject: 'CN=www.example.com, O=Example', sans: [{ type: 'dns', value: 'www.example.com' }, { type: 'dns', value: '*.example.com' }, { type: 'ip', value: '192.0.2.10' }] })).to.deep.equal({
        profile: 'tls-server',
        subject: 'CN=www.example.com, O=Example',
        subjectAltNames: [{ type: 'dns', value: 'www.example.com' }, { type: 'dns', value: '*.example.com' }, { type: 'ip', value: '192.0.2.10' }],
        validityDays: 90,
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extendedKeyUsage: [SERVER_AUTH],
        extendedKeyUsageCritical: false,
        ocspNoCheck: false,
        publicTls: true,
      });
      expect((await plan('tls-server', 'P-256', { sans: [{ type: 'dns', value: 'www.example.com' }] })).keyUsage).to.deep.equal(['digitalSignature']);
    });

    it('tls-client and mtls-client: clientAuth only', async () => {
      const client = await plan('tls-client', 'Ed25519', { subject: 'CN=Alice, E=alice@example.com', sans: [{ type: 'email', value: 'alice@example.com' }] });
      expect(client.extendedKeyUsage).to.deep.equal([CLIENT_AUTH]);
      expect(client.keyUsage).to.deep.equal(['digitalSignature']);
      expect(client.validityDays).to.equal(365);
      const mtls = await plan('mtls-client', 'P-256', { subject: 'CN=billing', sans: [{ type: 'url', value: 'spiffe://example.org/billing' }, { type: 'dns', value: 'billing.internal' }] });
      expect(mtls.extendedKeyUsage).to.deep.equal([CLIENT_AUTH]);
      expect(mtls.validityDays).to.equal(30);
    });

    it('kubernetes-workload: a SPIFFE ID and cluster service names, empty subject', async () => {
      expect(await plan('kubernetes-workload', 'P-256', { sans: [{ type: 'url', value: 'spiffe://cluster.local/ns/payments/sa/api' }, { type: 'dns', value: 'api.payments.svc.cluster.local' }] })).to.deep.equal({
        profile: 'kubernetes-workload',
        subject: '',
        subjectAltNames: [{ type: 'uri', value: 'spiffe://cluster.local/ns/payments/sa/api' }, { type: 'dns', value: 'api.payments.svc.cluster.local' }],
        validityDays: 1,
        keyUsage: ['digitalSignature'],
        extendedKeyUsage: [SERVER_AUTH, CLIENT_AUTH],
        extendedKeyUsageCritical: false,
        ocspNoCheck: false,
        publicTls: false,
      });
      expect((await plan('kubernetes-workload', 'RSA-2048', { sans: [{ type: 'url', value: 'spiffe://td.example/ns/a/sa/b' }] })).keyUsage).to.deep.equal(['digitalSignature', 'keyEncipherment']);
    });

    it('database-server: host name and address', async () => {
      const database = await plan('database-server', 'P-384', { subject: 'CN=db1.example.internal', sans: [{ type: 'dns', value: 'db1.example.internal' }, { type: 'ip', value: '10.0.0.5' }] });
      expect(database.extendedKeyUsage).to.deep.equal([SERVER_AUTH]);
      expect(database.validityDays).to.equal(365);
    });

    it('code-signing: an organization with an RSA-3072 key', async () => {
      const code = await plan('code-signing', 'RSA-3072', { subject: 'CN=Example Release Signing, O=Example' });
      expect(code.extendedKeyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.3']);
      expect(code.keyUsage).to.deep.equal(['digitalSignature']);
    });

    it('smime-signing and smime-encryption: the mailbox in the SAN, usages adapted to the key', async () => {
      const mailbox = { subject: 'CN=Alice, E=alice@example.com', sans: [{ type: 'email' as const, value: 'alice@example.com' }] };
      const signing = await plan('smime-signing', 'P-256', mailbox);
      expect(signing.keyUsage).to.deep.equal(['digitalSignature', 'nonRepudiation']);
      expect(signing.extendedKeyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.4']);
      expect((await plan('smime-encryption', 'RSA-2048', mailbox)).keyUsage).to.deep.equal(['keyEncipherment']);
      expect((await plan('smime-encryption', 'P-256', mailbox)).keyUsage).to.deep.equal(['keyAgreement']);
    });

    it('ocsp-responder: OCSPSigning and ocsp-nocheck', async () => {
      const ocsp = await plan('ocsp-responder', 'P-256', { subject: 'CN=Example OCSP Responder' });
      expect(ocsp.extendedKeyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.9']);
      expect(ocsp.ocspNoCheck).to.equal(true);
      expect(ocsp.validityDays).to.equal(30);
    });

    it('timestamp: timeStamping only, critical (RFC 3161 §2.3)', async () => {
      const stamp = await plan('timestamp', 'RSA-3072', { subject: 'CN=Example TSA, O=Example' });
      expect(stamp.extendedKeyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.8']);
      expect(stamp.extendedKeyUsageCritical).to.equal(true);
      expect(stamp.keyUsage).to.deep.equal(['digitalSignature']);
    });

    it('device: CN and serialNumber, usages adapted to the key', async () => {
      const device = await plan('device', 'P-256', { subject: [{ CN: ['sensor-17'] }, { '2.5.4.5': ['SN-0017'] }], sans: [{ type: 'url', value: 'urn:dev:sensor-17' }] });
      expect(device.subject).to.equal('CN=sensor-17, 2.5.4.5=SN-0017');
      expect(device.keyUsage).to.deep.equal(['digitalSignature', 'keyAgreement']);
      expect((await plan('device', 'RSA-2048', { subject: 'CN=sensor-18' })).keyUsage).to.deep.equal(['digitalSignature', 'keyEncipherment']);
      expect((await plan('device', 'Ed25519', { subject: 'CN=sensor-19' })).keyUsage).to.deep.equal(['digitalSignature']);
    });
  });

  describe('the CA profiles accept a CSR of every CA key algorithm', () => {
    const caKeys: readonly TestKeyKind[] = ['P-256', 'P-384', 'RSA-3072', 'RSA-4096', 'Ed25519'];
    const expected: Readonly<Record<string, { readonly validityDays: number; readonly ca: { readonly pathLength?: number } }>> = {
      'root-ca': { validityDays: 7305, ca: {} },
      'intermediate-ca': { validityDays: 3652, ca: { pathLength: 1 } },
      'issuing-ca': { validityDays: 1826, ca: { pathLength: 0 } },
    };
    for (const [profile, { validityDays, ca }] of Object.entries(expected)) {
      it(profile, async () => {
        for (const kind of caKeys) {
          expect(await plan(profile, kind, { subject: `CN=Example ${profile} ${kind}, O=Example` }), kind).to.deep.equal({
            profile,
            subject: `CN=Example ${profile} ${kind}, O=Example`,
            subjectAltNames: [],
            validityDays,
            keyUsage: ['keyCertSign', 'cRLSign', 'digitalSignature'],
            extendedKeyUsage: [],
            extendedKeyUsageCritical: false,
            ca,
            ocspNoCheck: false,
            publicTls: false,
          });
        }
      });
    }

    it('carries a CA profile\'s name constraints into the plan', async () => {
      const files = await tempFiles({
        'constrained-ca.yaml': `
name: constrained-ca
description: An issuing CA limited to example.com and 10/8.
kind: ca
validity: { defaultDays: 365, maxDays: 730 }
keyAlgorithms: [{ type: EC, curves: [P-256] }]
keyUsage: [keyCertSign, cRLSign]
subject: { required: [CN], allowed: [CN] }
subjectAltNames: { allowedTypes: [], maxCount: 0 }
ca: { pathLength: 0 }
nameConstraints: { permittedDns: [example.com], permittedIp: [10.0.0.0/8], excludedIp: [10.99.0.0/16] }
`,
      });
      try {
        const constrained = await loadProfileCatalog({ dir: files.dir });
        const result = await plan('constrained-ca', 'P-256', { subject: 'CN=Constrained' }, undefined, constrained);
        expect(result.nameConstraints).to.deep.equal({ permittedDns: ['example.com'], permittedIp: ['10.0.0.0/8'], excludedIp: ['10.99.0.0/16'] });
        expect(result.ca).to.deep.equal({ pathLength: 0 });
      } finally {
        await files.cleanup();
      }
    });
  });

  it('accepts a CSR made by openssl req, SANs read from its extensionRequest', async () => {
    const files = await tempFiles({});
    try {
      await promisify(execFile)('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('web.key'), '-subj', '/CN=www.example.com', '-addext', 'subjectAltName=DNS:www.example.com,IP:10.1.2.3', '-out', files.path('web.csr')]);
      const csr = new x509.Pkcs10CertificateRequest(await readFile(files.path('web.csr'), 'utf8'));
      const result = await catalog.plan('tls-server', { csr, validityDays: 30 });
      expect(result.subject).to.equal('CN=www.example.com');
      expect(result.subjectAltNames).to.deep.equal([{ type: 'dns', value: 'www.example.com' }, { type: 'ip', value: '10.1.2.3' }]);
      expect(result.validityDays).to.equal(30);
    } finally {
      await files.cleanup();
    }
  });

  describe('validity', () => {
    it('grants the default when none is asked, maxDays exactly, and refuses maxDays + 1', async () => {
      const www = { subject: 'CN=www.example.com', sans: [{ type: 'dns' as const, value: 'www.example.com' }] };
      expect((await plan('tls-server', 'P-256', www)).validityDays).to.equal(90);
      expect((await plan('tls-server', 'P-256', www, 398)).validityDays).to.equal(398);
      const error = await refusal('tls-server', 'P-256', www, 399);
      expect(error.message).to.equal('profile tls-server: rule validity.max: validity of 399 days exceeds the maximum of 398');
    });
  });

  describe('each rule refuses a request that breaks it, naming the rule', () => {
    const cases: readonly (readonly [string, string, TestKeyKind, TestCsrOptions, number | undefined, string])[] = [
      ['csr.signature', 'tls-server', 'P-256', { sans: [{ type: 'dns', value: 'a.example.com' }] }, undefined, 'the CSR signature does not verify with its public key'],
      ['key.algorithm', 'tls-server', 'Ed25519', { sans: [{ type: 'dns', value: 'a.example.com' }] }, undefined, 'key type Ed25519 is not one of EC P-256/P-384, RSA 2048-4096 bits'],
      ['key.size', 'code-signing', 'RSA-2048', { subject: 'CN=Signer, O=Example' }, undefined, 'RSA key of 2048 bits is outside 3072-4096'],
      ['validity.min', 'tls-server', 'P-256', { sans: [{ type: 'dns', value: 'a.example.com' }] }, 0, 'validity of 0 days is not a whole number of days of at least 1'],
      ['validity.max', 'kubernetes-workload', 'P-256', { sans: [{ type: 'url', value: 'spiffe://td/ns/a/sa/b' }] }, 31, 'validity of 31 days exceeds the maximum of 30'],
      ['subject.allowed', 'tls-server', 'P-256', { subject: 'CN=a.example.com, E=a@example.com', sans: [{ type: 'dns', value: 'a.example.com' }] }, undefined, 'attribute E is not one of CN, O, OU, C, ST, L'],
      ['subject.required', 'code-signing', 'P-256', { subject: 'CN=Signer' }, undefined, 'attribute O is required'],
      ['subject.pattern', 'internal-web', 'P-256', { subject: 'CN=a.example.com, O=Evil', sans: [{ type: 'dns', value: 'a.example.com' }] }, undefined, 'O "Evil" does not match Example( Inc\\.)?'],
      ['san.type', 'tls-server', 'P-256', { sans: [{ type: 'email', value: 'a@example.com' }] }, undefined, 'email names are not allowed (allowed: dns, ip)'],
      ['san.dns.syntax', 'tls-server', 'P-256', { sans: [{ type: 'dns', value: 'bad_name.example.com' }] }, undefined, 'name "bad_name.example.com" is not a valid DNS name'],
      ['san.dns.pattern', 'tls-server', 'P-256', { subject: 'CN=evil.com, O=Example', sans: [{ type: 'dns', value: 'evil.com' }] }, undefined, 'name "evil.com" matches none of *.example.com'],
      ['san.ip.range', 'internal-web', 'P-256', { subject: 'CN=a.example.com, O=Example', sans: [{ type: 'dns', value: 'a.example.com' }, { type: 'ip', value: '192.0.2.1' }] }, undefined, 'address 192.0.2.1 is in none of 10.0.0.0/8'],
      ['san.email.syntax', 'smime-signing', 'P-256', { sans: [{ type: 'email', value: 'alice.example.com' }] }, undefined, 'address "alice.example.com" is not a valid email address'],
      ['san.email.domain', 'internal-web', 'P-256', { subject: 'CN=a.example.com, O=Example', sans: [{ type: 'dns', value: 'a.example.com' }, { type: 'email', value: 'a@evil.com' }] }, undefined, 'address "a@evil.com" has a domain matching none of example.com'],
      ['san.uri.syntax', 'mtls-client', 'P-256', { sans: [{ type: 'url', value: 'billing' }] }, undefined, 'URI "billing" is not an absolute URI'],
      ['san.uri.pattern', 'kubernetes-workload', 'P-256', { sans: [{ type: 'url', value: 'spiffe://td/ns/a/sa/b/c' }] }, undefined, 'URI "spiffe://td/ns/a/sa/b/c" starts with none of (none) and matches none of spiffe://[a-z0-9._-]+/ns/[a-z0-9]([a-z0-9-]*[a-z0-9])?/sa/[a-z0-9]([a-z0-9.-]*[a-z0-9])?'],
      ['san.uri.count', 'kubernetes-workload', 'P-256', { sans: [{ type: 'url', value: 'spiffe://td/ns/a/sa/b' }, { type: 'url', value: 'spiffe://td/ns/a/sa/c' }] }, undefined, '2 URI names, at most 1 allowed'],
      ['subject.cn-in-san', 'tls-server', 'P-256', { subject: 'CN=www.example.com', sans: [{ type: 'dns', value: 'api.example.com' }] }, undefined, 'CN "www.example.com" is not among the DNS or IP names'],
      ['san.count', 'tls-server', 'P-256', { subject: 'O=Example' }, undefined, '0 names, at least 1 required'],
      ['san.dns.wildcard', 'database-server', 'P-256', { sans: [{ type: 'dns', value: '*.db.example.com' }] }, undefined, 'name "*.db.example.com" is a wildcard, which the profile does not allow'],
    ];

    it('covers every rule of the table (san.dns.pattern with the tls-server of a profile directory)', () => {
      expect(cases.map(([rule]) => rule)).to.deep.equal(profileRules.map((rule) => rule.name));
    });

    for (const [rule, profile, kind, options, validityDays, reason] of cases) {
      it(`${rule} (${profile})`, async () => {
        const on = profile === 'internal-web' || rule === 'san.dns.pattern' ? userCatalog : catalog;
        // csr.signature: the CSR names its own key but is signed by another.
        const error = await refusal(profile, kind, rule === 'csr.signature' ? { ...options, signWith: key('P-384') } : options, validityDays, on);
        if (!(error instanceof ProfileRuleError)) throw new Error(`not a ProfileRuleError: ${error.message}`);
        expect(error.status).to.equal(400);
        expect(error.code).to.equal('bad_request');
        expect(error.rule).to.equal(rule);
        expect(error.profile).to.equal(profile);
        expect(error.message).to.equal(`profile ${profile}: rule ${rule}: ${reason}`);
      });
    }
  });

  describe('a profile directory', () => {
    it('adds its profiles and replaces a built-in of the same file name, ignoring other files', () => {
      const names = userCatalog.list().map((summary) => summary.name);
      expect(names).to.deep.equal([...BUILT_IN, 'internal-web'].sort());
      expect(userCatalog.get('tls-server')?.summary).to.deep.equal({
        name: 'tls-server',
        description: 'Internal web servers of example.com.',
        kind: 'leaf',
        keyAlgorithms: ['EC P-256'],
        defaultValidityDays: 30,
        maxValidityDays: 45,
      });
      expect(catalog.get('tls-server')?.summary.maxValidityDays).to.equal(398);
    });

    it('refuses to load a broken file, naming it', async () => {
      const files = await tempFiles({ 'broken.yaml': 'name: broken\nkind: [' });
      try {
        const error = await loadProfileCatalog({ dir: files.dir }).then(() => undefined, (caught: unknown) => caught as Error);
        expect(error?.message).to.match(new RegExp(`^profile file ${join(files.dir, 'broken.yaml').replaceAll('/', '\\/')}: not valid YAML`));
      } finally {
        await files.cleanup();
      }
    });

    it('of several broken files, names the first by file name', async () => {
      const files = await tempFiles({ 'b.yaml': 'kind: [', 'a.yaml': 'kind: [', 'c.yaml': 'kind: [' });
      try {
        const error = await loadProfileCatalog({ dir: files.dir }).then(() => undefined, (caught: unknown) => caught as Error);
        expect(error?.message).to.match(new RegExp(`^profile file ${join(files.dir, 'a.yaml').replaceAll('/', '\\/')}: `));
      } finally {
        await files.cleanup();
      }
    });

    it('refuses to load a file the schema refuses, naming the file and the schema path', async () => {
      const files = await tempFiles({});
      await writeFile(join(files.dir, 'tls-server.yaml'), USER_PROFILE.replace('name: internal-web', 'name: tls-server').replace('maxCount: 3', 'maxCount: many'));
      try {
        const error = await loadProfileCatalog({ dir: files.dir }).then(() => undefined, (caught: unknown) => caught as Error);
        expect(error?.message).to.equal(`profile file ${join(files.dir, 'tls-server.yaml')}: /subjectAltNames/maxCount must be integer (schema path #/properties/subjectAltNames/properties/maxCount/type)`);
      } finally {
        await files.cleanup();
      }
    });

    it('refuses a directory that cannot be read, naming it', async () => {
      const missing = join(userDir.dir, 'missing');
      const error = await loadProfileCatalog({ dir: missing }).then(() => undefined, (caught: unknown) => caught as Error);
      expect(error?.message).to.match(new RegExp(`^profile directory ${missing.replaceAll('/', '\\/')}: ENOENT`));
      expect(error?.cause).to.have.property('code', 'ENOENT');
    });
  });
});
