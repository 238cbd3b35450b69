/**
 * The five cryptoutil kinds as one table: adding a row adds a CRD, its printer columns and its
 * TypeScript types. Spec types are inferred from the same schemas the CRDs publish.
 */
import { auth, database, deletionPolicy, image, podResources, replicas, status, statusFields, tls } from './common.ts';
import { ALGORITHM_NAMES, resolveSpec } from '../../services/template/jose/table.ts';
import { array, boolean, integer, object, oneOf, record, string, type Infer, type JsonSchema, type Schema } from './schema.ts';

export const API_GROUP = 'cryptoutil.io';
export const API_VERSION = 'v1alpha1';

/** A column `kubectl get` shows, as the CRD declares it. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date' | 'boolean';
  readonly jsonPath: string;
  readonly priority?: number;
}

/** Everything the CRD of one kind is made from. */
export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly spec: JsonSchema;
  /** The status schema: the common fields plus the kind's own (DESIGN "Contract for checks"). */
  readonly status: JsonSchema;
  readonly columns: readonly PrinterColumn[];
}

const ready: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const replicasColumn: PrinterColumn = { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' };
const readyReplicas: PrinterColumn = { name: 'Available', type: 'integer', jsonPath: '.status.readyReplicas' };
const reason: PrinterColumn = { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 };
const endpoint: PrinterColumn = { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', priority: 1 };
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The fields of every service spec. */
const serviceFields = { replicas, image, auth, database, tls, resources: podResources, deletionPolicy };

/**
 * An IdentityRealm's: `spec.resources` there are the realm's resource servers, so its pods'
 * container resources are `spec.podResources` (docs/decisions/0006-realm-content.md).
 */
const realmServiceFields = { replicas, image, auth, database, tls, podResources, deletionPolicy };

const specOptions = { default: {} } as const;

export const petStoreSpec = object({ ...serviceFields }, specOptions);

/**
 * How the barrier's unseal key is split and which shares a pod gets (issue "operator" point 4). Each
 * share is a Secret of its own, `<unseal>-1` … `<unseal>-<shares>`; pods mount the first
 * `mountShares` of them (default: `threshold`), or none with `autoUnseal: false`, when custodians
 * unseal through the admin endpoint and the shares need not be in the cluster at all.
 */
export const barrierSpec = object(
  {
    shares: integer({ minimum: 1, maximum: 255, default: 5, description: 'Unseal shares generated once, one Secret each.', validations: [{ rule: 'self == oldSelf', message: 'barrier.shares is immutable: the shares are split once' }] }),
    threshold: integer({ minimum: 1, maximum: 255, default: 3, description: 'Shares needed to unseal.', validations: [{ rule: 'self == oldSelf', message: 'barrier.threshold is immutable: the shares are split once' }] }),
    mountShares: integer({ minimum: 1, maximum: 255, description: 'Share Secrets the pods mount (the first N); default threshold.' }),
    autoUnseal: boolean({ default: true, description: 'Mount shares so that pods unseal themselves; false mounts none and custodians unseal through the admin endpoint.' }),
  },
  {
    default: {},
    validations: [
      { rule: 'self.threshold <= self.shares', message: 'barrier.threshold must not exceed barrier.shares' },
      { rule: '!has(self.mountShares) || (self.mountShares >= self.threshold && self.mountShares <= self.shares)', message: 'barrier.mountShares must be between barrier.threshold and barrier.shares' },
    ],
  },
);

export const kmsInstanceSpec = object(
  {
    ...serviceFields,
    barrier: barrierSpec,
  },
  specOptions,
);

export const certificateAuthoritySpec = object(
  {
    ...serviceFields,
    subject: object(
      {
        commonName: string({ minLength: 1, maxLength: 64 }),
        organization: string({ maxLength: 64 }),
        country: string({ pattern: '^[A-Z]{2}$' }),
      },
      { required: ['commonName'], validations: [{ rule: 'self == oldSelf', message: 'subject is immutable' }] },
    ),
    keyAlgorithm: oneOf(['ES256', 'ES384', 'RSA3072', 'RSA4096', 'Ed25519'], { default: 'ES384' }),
    validityDays: integer({ minimum: 1, maximum: 10950, default: 3650 }),
    acme: boolean({ default: false, description: 'Serve the ACME directory.' }),
    barrier: barrierSpec,
  },
  { required: ['subject'] },
);

/** A DNS label: a realm client's name is its client id and part of its Secret's name. */
const clientName = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

/**
 * One OAuth client of a realm, kept in identity-authz through its admin API (docs/decisions/0006).
 * Every declared client is confidential (`client_secret_basic`): identity-authz has no public
 * clients; its secret is in the Secret `<realm>-client-<name>`.
 */
const realmClient = object(
  {
    name: string({ pattern: clientName, minLength: 3, maxLength: 40, description: 'Client id in identity-authz; its secret is in the Secret <realm>-client-<name>.' }),
    grantTypes: array(oneOf(['authorization_code', 'client_credentials', 'refresh_token'], { maxLength: 20 }), { maxItems: 3, listType: 'set', description: 'OAuth grant types; refresh_token only with authorization_code.' }),
    redirectUris: array(string({ pattern: '^https://[^\\s]+$', maxLength: 2000 }), { maxItems: 20, description: 'Redirect URIs of authorization_code clients.' }),
    openidScopes: array(oneOf(['openid', 'profile', 'email', 'offline_access'], { maxLength: 20 }), { maxItems: 4, listType: 'set', description: 'OpenID Connect scopes; authorization_code clients list openid.' }),
    scopes: record(array(string({ minLength: 1, maxLength: 100 }), { maxItems: 50, listType: 'set' }), { description: 'Scopes per resource server: resource identifier (urn:cryptoutil:<service>) to the scopes the client may ask for.' }),
    accessTokenTtlSeconds: integer({ minimum: 60, maximum: 86400, description: 'Access token lifetime; default spec.accessTokenTtlSeconds.' }),
    mfa: oneOf(['required', 'optional'], { maxLength: 20, description: 'required: every sign-in to this client needs a second factor; optional (the default): as identity-idp\'s policy and the user\'s groups say.' }),
    rotateSecret: string({ maxLength: 63, description: 'Any value; changing it rotates the client secret and rewrites the Secret.' }),
    unmanaged: boolean({ default: false, description: 'Created when missing, then never changed, reverted or deleted by the operator.' }),
  },
  {
    required: ['name', 'grantTypes'],
    // identity-authz's own rules (services/identity-authz/clients.ts), refused at apply time rather than at sync.
    validations: [
      { rule: "!('refresh_token' in self.grantTypes) || 'authorization_code' in self.grantTypes", message: 'refresh_token is only issued with authorization_code' },
      {
        rule: "!('authorization_code' in self.grantTypes) || (has(self.redirectUris) && size(self.redirectUris) > 0 && has(self.openidScopes) && 'openid' in self.openidScopes)",
        message: 'authorization_code clients need a redirect URI and openid in openidScopes',
      },
    ],
  },
);

/** identity-idp's group names (its openapi.yaml `GroupNameValue`). */
const groupName = '^[a-z0-9][a-z0-9._-]{0,63}$';

/** The prefix of the scope that marks a group as managed by a realm (realm-content/groups.ts). */
export const GROUP_MARKER_PREFIX = 'managed-by-identityrealm.';

/** One scope a group grants: `<prefix>:<name>` as identity-idp takes it, or `*` for every ordinary scope. */
const groupScope = string({
  pattern: '^(\\*|[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+)$',
  maxLength: 100,
  validations: [
    { rule: "!self.endsWith(':admin')", message: 'admin scopes come only from the built-in admin group of identity-idp' },
    { rule: `!self.startsWith('${GROUP_MARKER_PREFIX}')`, message: `scopes starting with ${GROUP_MARKER_PREFIX} are the operator's marker` },
  ],
});

/**
 * One group of a realm's identity-idp, kept through its admin API (docs/decisions/0006): its
 * members hold the scopes it grants. identity-idp's scopes are one flat list; the per-resource
 * form here says which resource server each scope belongs to.
 */
const realmGroup = object(
  {
    name: string({ pattern: groupName, maxLength: 64, description: 'Group name in identity-idp.' }),
    scopes: record(array(groupScope, { maxItems: 100, listType: 'set' }), { description: 'Scopes per resource server: resource identifier (urn:cryptoutil:<service>) to the scopes members hold; * is every ordinary scope.' }),
    unmanaged: boolean({ default: false, description: 'Created when missing, then never changed, reverted or deleted by the operator.' }),
  },
  {
    required: ['name', 'scopes'],
    validations: [{ rule: "!(self.name in ['admin', 'users'])", message: 'admin and users are built-in groups of identity-idp and cannot be declared' }],
  },
);

/**
 * One resource server of a realm, kept in identity-authz through its resource-server API
 * (docs/decisions/0006): an API of the user's whose tokens carry `identifier` as audience and
 * the scopes clients and groups are given for it.
 */
const realmResource = object(
  {
    name: string({ pattern: clientName, maxLength: 63, description: 'Name of the resource server in identity-authz; not the name of a service of the suite.' }),
    identifier: string({
      pattern: '^(https://[^\\s#]+|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\\s#]+)$',
      maxLength: 500,
      description: 'The resource indicator clients send (RFC 8707) and the audience of its tokens: an https URL or a URN, no fragment. Cannot change.',
      validations: [
        { rule: "!self.startsWith('urn:cryptoutil:')", message: 'identifiers starting with urn:cryptoutil: are the built-in resource servers of the suite' },
        { rule: 'self == oldSelf', message: 'identifier cannot change: declare a new resource server' },
      ],
    }),
    description: string({ maxLength: 500, description: 'Shown in identity-authz\'s listing.' }),
    scopes: array(string({ pattern: '^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$', maxLength: 100 }), { minItems: 1, maxItems: 100, listType: 'set', description: 'The scopes the resource server understands, each <prefix>:<name>.' }),
    unmanaged: boolean({ default: false, description: 'Created when missing, then never changed, reverted or deleted by the operator.' }),
  },
  { required: ['name', 'identifier', 'scopes'] },
);

/**
 * The realm's first administrator, created once in identity-idp (docs/decisions/0006): a person's
 * account from then on, never changed by the operator. Its password is in the Secret
 * `<realm>-bootstrap-admin`.
 */
const bootstrapAdmin = object(
  {
    username: string({ pattern: '^[A-Za-z0-9._-]+$', minLength: 3, maxLength: 64, description: 'Username in identity-idp.' }),
    email: string({ format: 'email', maxLength: 254, description: 'Email of the user; default <username>@<realm>.invalid.' }),
    groups: array(string({ pattern: groupName, maxLength: 64 }), { maxItems: 31, listType: 'set', description: 'Groups the user joins besides the built-in admin group.' }),
  },
  { required: ['username'] },
);

/**
 * The realm's second-factor policy, identity-idp's `idp.mfa` (docs/identity-idp/mfa-policy.md): on
 * top of it, a client can require a second factor for itself (`spec.clients[].mfa`).
 */
const realmMfa = object(
  {
    required: boolean({ default: false, description: 'Every sign-in needs a second factor.' }),
    requiredGroups: array(string({ pattern: groupName, maxLength: 64 }), { maxItems: 100, listType: 'set', description: 'Members of these groups need a second factor at every sign-in.' }),
  },
  { default: {} },
);

export const identityRealmSpec = object(
  {
    ...realmServiceFields,
    issuer: string({ pattern: '^https://[^\\s]+$', description: 'Public issuer URL; defaults to the in-cluster URL.' }),
    components: object(
      {
        idp: boolean({ default: true }),
        rs: boolean({ default: false }),
        rp: boolean({ default: false, description: 'identity-rp, the backend-for-frontend: signs users in at identity-authz as client identity-rp (its secret generated into Secret <realm>-rp-client) and proxies the realm\'s APIs. Needs idp.' }),
        spa: boolean({ default: false, description: 'identity-spa, the browser console (status.consoleUrl); it talks only to identity-rp. Needs rp.' }),
      },
      {
        default: {},
        validations: [
          { rule: '!self.spa || self.rp', message: 'components.spa needs components.rp' },
          { rule: '!self.rp || self.idp', message: 'components.rp needs components.idp (identity-authz sends sign-ins there)' },
        ],
      },
    ),
    accessTokenTtlSeconds: integer({ minimum: 60, maximum: 86400, default: 900 }),
    clients: array(realmClient, {
      maxItems: 100,
      listType: 'map',
      mapKeys: ['name'],
      description: 'OAuth clients the operator keeps in identity-authz: created, reverted when changed through the API, deleted when removed here.',
    }),
    resources: array(realmResource, {
      maxItems: 100,
      listType: 'map',
      mapKeys: ['name'],
      description: 'Resource servers (your APIs) the operator keeps in identity-authz: created, reverted when changed through the API, deleted when removed here. Clients and groups are given scopes under their identifiers.',
    }),
    groups: array(realmGroup, {
      maxItems: 100,
      listType: 'map',
      mapKeys: ['name'],
      description: 'Groups the operator keeps in identity-idp: created, reverted when changed through the API, deleted when removed here.',
    }),
    bootstrapAdmin,
    mfa: realmMfa,
  },
  specOptions,
);

/**
 * A JWKS publishes public keys only (jose-ja contract): the asymmetric rows of the shared JOSE
 * table, JWS names for `sig` sets and JWE `enc/alg` names for `enc` sets. A row added there is
 * accepted here.
 */
const asymmetric = ALGORITHM_NAMES.map(resolveSpec).filter((spec) => spec.kty !== 'oct');
const SIGNING_ALGORITHMS = asymmetric.filter((spec) => spec.use === 'sig').map((spec) => spec.name);
const KEY_SET_ALGORITHMS = [...SIGNING_ALGORITHMS, ...asymmetric.filter((spec) => spec.use === 'enc').map((spec) => spec.name)];

/** DNS label: the key set name is a path segment of its JWKS URL. */
const keySetName = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

const keySet = object(
  {
    name: string({ pattern: keySetName, maxLength: 63, description: 'Name of the key set; its JWKS is /jwks/<name>/.well-known/jwks.json.' }),
    use: oneOf(['sig', 'enc'], { default: 'sig', maxLength: 3, description: 'sig: signs JWTs and JWS; enc: receives JWE.' }),
    alg: oneOf(KEY_SET_ALGORITHMS, { maxLength: 32, description: 'One algorithm for every key of the set: a JWS algorithm for sig, a JWE enc/alg pair for enc.' }),
    rotationDays: integer({ minimum: 1, maximum: 3650, default: 90, description: 'Days between automatic rotations.' }),
    retentionDays: integer({ minimum: 1, maximum: 3650, default: 7, description: 'Days a retired key still verifies or decrypts.' }),
  },
  {
    required: ['name', 'alg'],
    validations: [
      {
        rule: `(self.alg in [${SIGNING_ALGORITHMS.map((name) => `'${name}'`).join(', ')}]) == (self.use == 'sig')`,
        message: 'alg must be a JWS algorithm when use is sig and a JWE enc/alg pair when use is enc',
      },
      // jose-ja keeps an existing set's keys and takes only its periods: another alg would never apply.
      { rule: 'self.use == oldSelf.use && self.alg == oldSelf.alg', message: 'use and alg of a key set cannot change; declare a set of another name' },
    ],
  },
);

export const jwkAuthoritySpec = object(
  {
    ...serviceFields,
    signingAlgorithm: oneOf(SIGNING_ALGORITHMS, { default: 'ES256', description: 'Algorithm of the key set default, declared when keySets is empty.' }),
    rotationDays: integer({ minimum: 1, maximum: 3650, default: 90, description: 'Rotation of the key set default, declared when keySets is empty.' }),
    keySets: array(keySet, {
      maxItems: 20,
      listType: 'map',
      mapKeys: ['name'],
      description: 'Key sets jose-ja creates when missing; removing one here leaves the set in the service. Empty: one sig set named default.',
    }),
    barrier: barrierSpec,
  },
  specOptions,
);

export type PetStoreSpec = Infer<typeof petStoreSpec>;
export type KmsInstanceSpec = Infer<typeof kmsInstanceSpec>;
export type CertificateAuthoritySpec = Infer<typeof certificateAuthoritySpec>;
export type IdentityRealmSpec = Infer<typeof identityRealmSpec>;
export type JwkAuthoritySpec = Infer<typeof jwkAuthoritySpec>;
export type RealmClient = Infer<typeof realmClient>;
export type RealmGroup = Infer<typeof realmGroup>;
export type RealmResource = Infer<typeof realmResource>;
export type RealmBootstrapAdmin = Infer<typeof bootstrapAdmin>;
export type { Condition, Status } from './common.ts';

/** Standard object metadata as far as the operator reads it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A custom resource of one kind. */
export interface CustomResource<K extends string, S> {
  apiVersion: `${typeof API_GROUP}/${typeof API_VERSION}`;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  status?: Infer<typeof status>;
}

export type PetStore = CustomResource<'PetStore', PetStoreSpec>;
export type KmsInstance = CustomResource<'KmsInstance', KmsInstanceSpec>;
export type CertificateAuthority = CustomResource<'CertificateAuthority', CertificateAuthoritySpec>;
export type IdentityRealm = CustomResource<'IdentityRealm', IdentityRealmSpec>;
export type JwkAuthority = CustomResource<'JwkAuthority', JwkAuthoritySpec>;

/**
 * `status.barrier` of the kinds with unseal shares: once set, a missing share Secret is never
 * regenerated, and a restored one must hold the key `keyCheck` names.
 */
const barrierStatus = object(
  {
    initialized: boolean({ description: 'The unseal share Secrets exist and are in use; a deleted one the pods mount is reported (UnsealMaterialMissing), never regenerated.' }),
    keyCheck: string({ pattern: '^kcv1:[A-Za-z0-9_-]+$', description: 'Key check value of the unseal key; a restored share Secret must match it.' }),
  },
  { required: ['initialized'], description: 'The barrier of the service, as far as the operator knows it.' },
);

/** Status fields of one kind beyond the common ones, written by its controller. */
const kindStatus = {
  KmsInstance: object({ ...statusFields, barrier: barrierStatus }),
  CertificateAuthority: object({
    ...statusFields,
    barrier: barrierStatus,
    fingerprintSha256: string({ description: 'SHA-256 fingerprint of the CA certificate.' }),
    notAfter: string({ format: 'date-time', description: 'End of the CA certificate validity.' }),
    acmeDirectory: string({ description: 'URL of the ACME directory, when spec.acme is true.' }),
  }),
  IdentityRealm: object({
    ...statusFields,
    issuer: string({ description: 'Issuer URL of the realm; services naming it in spec.auth.identityRealmRef trust it.' }),
    consoleUrl: string({ description: 'URL of the browser console.' }),
    managedClients: integer({ minimum: 0, description: 'Clients of spec.clients the operator keeps in identity-authz (unmanaged ones not counted).' }),
    managedGroups: integer({ minimum: 0, description: 'Groups of spec.groups the operator keeps in identity-idp (unmanaged ones not counted).' }),
    managedResources: integer({ minimum: 0, description: 'Resource servers of spec.resources the operator keeps in identity-authz (unmanaged ones not counted).' }),
    lastSyncTime: string({ format: 'date-time', description: 'When the realm content was last checked against identity-authz and identity-idp.' }),
    bootstrapAdmin: object(
      {
        username: string({ description: 'The user spec.bootstrapAdmin asked for.' }),
        createdTime: string({ format: 'date-time', description: 'When the operator created it; absent when a user of that name already existed and was left alone.' }),
      },
      { required: ['username'], description: 'spec.bootstrapAdmin is done: the operator never creates, changes or re-passwords this user again.' },
    ),
  }),
  JwkAuthority: object({ ...statusFields, jwksUrls: array(string(), { description: 'URLs of the published JWKS.' }) }),
};

function kind(
  name: string,
  plural: string,
  shortNames: readonly string[],
  spec: Schema<unknown>,
  extra: readonly PrinterColumn[],
  statusSchema: Schema<unknown> = status,
): KindDefinition {
  return {
    kind: name,
    plural,
    singular: name.toLowerCase(),
    shortNames,
    spec: spec.json,
    status: statusSchema.json,
    columns: [ready, ...extra, reason, endpoint, age],
  };
}

/** Every kind, in the order the DESIGN lists them. */
export const KINDS: readonly KindDefinition[] = [
  kind('KmsInstance', 'kmsinstances', ['kms'], kmsInstanceSpec, [replicasColumn, readyReplicas], kindStatus.KmsInstance),
  kind('CertificateAuthority', 'certificateauthorities', ['ca'], certificateAuthoritySpec, [
    { name: 'Common Name', type: 'string', jsonPath: '.spec.subject.commonName' },
    { name: 'Algorithm', type: 'string', jsonPath: '.spec.keyAlgorithm' },
    replicasColumn,
  ], kindStatus.CertificateAuthority),
  kind('IdentityRealm', 'identityrealms', ['realm'], identityRealmSpec, [
    { name: 'Issuer', type: 'string', jsonPath: '.status.issuer' },
    replicasColumn,
    readyReplicas,
  ], kindStatus.IdentityRealm),
  kind('PetStore', 'petstores', ['ps'], petStoreSpec, [replicasColumn, readyReplicas]),
  kind('JwkAuthority', 'jwkauthorities', ['jwka'], jwkAuthoritySpec, [
    { name: 'Algorithm', type: 'string', jsonPath: '.spec.signingAlgorithm' },
    replicasColumn,
  ], kindStatus.JwkAuthority),
];

export { status as statusSchema };
