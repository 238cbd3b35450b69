/**
 * The JSON schema of a certificate profile document (one YAML file per profile) and the TypeScript
 * shape it guarantees. Profiles are data: every rule a profile can state is a field here, and
 * `additionalProperties: false` on every object makes a misspelt field a start-up error, not a
 * silently ignored rule.
 */
import type { KeyUsageName } from '../contract.ts';

/** The key types a profile may allow; the CSR's key is read into one of these. */
export type ProfileKeyType = 'EC' | 'RSA' | 'Ed25519';

/** The EC curves a profile may allow. */
export type EcCurve = 'P-256' | 'P-384';

/** The SAN types a profile may allow (the `SubjectAltName` types of the issuance plan). */
export type SanType = 'dns' | 'ip' | 'email' | 'uri';

/** One allowed key type and its sizes. */
export type KeyAlgorithmRule =
  | { readonly type: 'EC'; readonly curves: readonly EcCurve[] }
  | { readonly type: 'RSA'; readonly minBits: number; readonly maxBits: number }
  | { readonly type: 'Ed25519' };

/** Subject distinguished-name rules; attribute names as @peculiar/x509 writes them (CN, O, …) or OIDs. */
export interface SubjectRules {
  readonly required?: readonly string[];
  readonly allowed: readonly string[];
  /** Per attribute, a regular expression every value must match in full. */
  readonly patterns?: Readonly<Record<string, string>>;
  /** The CN must be one of the DNS (or IP) SANs, as the Baseline Requirements §7.1.4.3 ask of TLS. */
  readonly cnInSan?: boolean;
}

/** Subject alternative name rules. A type's section absent means any well-formed name of that type. */
export interface SanRules {
  readonly allowedTypes: readonly SanType[];
  readonly minCount?: number;
  readonly maxCount: number;
  readonly dns?: {
    /** `host.example.com` exactly, `*.example.com` one label, `**.example.com` one or more labels, `**` any. */
    readonly patterns?: readonly string[];
    /** A leftmost `*` label (a wildcard certificate) is allowed. */
    readonly wildcard?: boolean;
  };
  /** CIDR ranges the addresses must fall in. */
  readonly ip?: { readonly ranges?: readonly string[] };
  /** DNS patterns (same syntax as `dns.patterns`) the part after `@` must match. */
  readonly email?: { readonly domains?: readonly string[] };
  /** A URI is allowed when it starts with one of the prefixes or matches one of the patterns in full. */
  readonly uri?: {
    readonly prefixes?: readonly string[];
    readonly patterns?: readonly string[];
    /** At most this many URI SANs (a SPIFFE X.509-SVID holds exactly one). */
    readonly maxCount?: number;
  };
}

/** RFC 5280 §4.2.1.10 constraints a CA profile writes into the CA certificate. */
export interface NameConstraintsRules {
  readonly permittedDns?: readonly string[];
  readonly excludedDns?: readonly string[];
  readonly permittedIp?: readonly string[];
  readonly excludedIp?: readonly string[];
  readonly permittedEmail?: readonly string[];
}

/** Extensions a profile adds whatever the CSR asks. */
export type RequiredExtension = 'ocspNoCheck';

/** A profile document as the schema guarantees it. */
export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly kind: 'ca' | 'leaf';
  readonly validity: { readonly defaultDays: number; readonly maxDays: number };
  readonly keyAlgorithms: readonly KeyAlgorithmRule[];
  /** The usages granted; each key type keeps those its key can perform (see key-usage.ts). */
  readonly keyUsage: readonly KeyUsageName[];
  readonly extendedKeyUsage?: { readonly usages: readonly string[]; readonly critical?: boolean };
  readonly subject: SubjectRules;
  readonly subjectAltNames: SanRules;
  /** CA profiles only: basicConstraints cA=TRUE with this path length (absent: unlimited). */
  readonly ca?: { readonly pathLength?: number };
  readonly nameConstraints?: NameConstraintsRules;
  readonly requiredExtensions?: readonly RequiredExtension[];
  /** Public-style TLS: the issuance lint applies the Baseline Requirements' limits. */
  readonly publicTls?: boolean;
}

/** Key usage names, RFC 5280 §4.2.1.3. */
export const keyUsageNames: readonly KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

/** Extended key usage names a profile may write instead of OIDs (eku.ts maps them). */
export const extendedKeyUsageNames = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping', 'OCSPSigning', 'ipsecIKE', 'documentSigning'] as const;

const nameText = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' } as const;
const positiveDays = { type: 'integer', minimum: 1, maximum: 36_525 } as const;
const oid = '^[0-2](\\.(0|[1-9][0-9]*))+$';
// A DNS pattern: `**`, or an optional `*.`/`**.` head and lower-case LDH labels.
const dnsPattern = { type: 'string', pattern: '^(\\*\\*|((\\*|\\*\\*)\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$', maxLength: 253 } as const;
const dnsPatterns = { type: 'array', items: dnsPattern, uniqueItems: true } as const;
// RFC 5280 §4.2.1.10: a DNS constraint is a domain name; it covers the domain and every name below it.
const domainNames = { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', maxLength: 253 } } as const;
// IPv4 or IPv6 CIDR; the loader parses each one for real.
const cidr = { type: 'string', pattern: '^[0-9a-fA-F.:]+/[0-9]{1,3}$' } as const;
const cidrs = { type: 'array', items: cidr, uniqueItems: true } as const;
const attributeName = { type: 'string', pattern: '^([A-Za-z][A-Za-z0-9]*|[0-2](\\.(0|[1-9][0-9]*))+)$' } as const;
const attributeNames = { type: 'array', items: attributeName, uniqueItems: true } as const;
const regexText = { type: 'string', minLength: 1, maxLength: 1000 } as const;

/** The profile document schema (JSON Schema draft 2020-12), checked with Ajv at load. */
export const profileSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'kind', 'validity', 'keyAlgorithms', 'keyUsage', 'subject', 'subjectAltNames'],
  properties: {
    name: nameText,
    description: { type: 'string', minLength: 1, maxLength: 500 },
    kind: { enum: ['ca', 'leaf'] },
    validity: {
      type: 'object',
      additionalProperties: false,
      required: ['defaultDays', 'maxDays'],
      properties: { defaultDays: positiveDays, maxDays: positiveDays },
    },
    keyAlgorithms: {
      type: 'array',
      minItems: 1,
      items: {
        // Ajv's discriminator reports only the errors of the branch the `type` names.
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['EC', 'RSA', 'Ed25519'] } },
        discriminator: { propertyName: 'type' },
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'curves'],
            properties: { type: { const: 'EC' }, curves: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['P-256', 'P-384'] } } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'minBits', 'maxBits'],
            properties: { type: { const: 'RSA' }, minBits: { type: 'integer', minimum: 2048, maximum: 16_384 }, maxBits: { type: 'integer', minimum: 2048, maximum: 16_384 } },
          },
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'Ed25519' } } },
        ],
      },
    },
    keyUsage: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: keyUsageNames } },
    extendedKeyUsage: {
      type: 'object',
      additionalProperties: false,
      required: ['usages'],
      properties: {
        usages: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', anyOf: [{ enum: extendedKeyUsageNames }, { pattern: oid }] } },
        critical: { type: 'boolean' },
      },
    },
    subject: {
      type: 'object',
      additionalProperties: false,
      required: ['allowed'],
      properties: {
        required: attributeNames,
        allowed: attributeNames,
        patterns: { type: 'object', propertyNames: attributeName, additionalProperties: regexText },
        cnInSan: { type: 'boolean' },
      },
    },
    subjectAltNames: {
      type: 'object',
      additionalProperties: false,
      required: ['allowedTypes', 'maxCount'],
      properties: {
        allowedTypes: { type: 'array', uniqueItems: true, items: { enum: ['dns', 'ip', 'email', 'uri'] } },
        minCount: { type: 'integer', minimum: 0, maximum: 1000 },
        maxCount: { type: 'integer', minimum: 0, maximum: 1000 },
        dns: { type: 'object', additionalProperties: false, properties: { patterns: dnsPatterns, wildcard: { type: 'boolean' } } },
        ip: { type: 'object', additionalProperties: false, properties: { ranges: cidrs } },
        email: { type: 'object', additionalProperties: false, properties: { domains: dnsPatterns } },
        uri: {
          type: 'object',
          additionalProperties: false,
          properties: {
            prefixes: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
            patterns: { type: 'array', uniqueItems: true, items: regexText },
            maxCount: { type: 'integer', minimum: 0, maximum: 1000 },
          },
        },
      },
    },
    ca: { type: 'object', additionalProperties: false, properties: { pathLength: { type: 'integer', minimum: 0, maximum: 10 } } },
    nameConstraints: {
      type: 'object',
      additionalProperties: false,
      properties: { permittedDns: domainNames, excludedDns: domainNames, permittedIp: cidrs, excludedIp: cidrs, permittedEmail: domainNames },
    },
    requiredExtensions: { type: 'array', uniqueItems: true, items: { enum: ['ocspNoCheck'] } },
    publicTls: { type: 'boolean' },
  },
} as const;
