/**
 * The parts every cryptoutil kind shares: replicas, database, TLS, deletion policy and the status
 * with its conditions. Kinds compose these so a rule written once holds everywhere.
 */
import { array, integer, object, oneOf, record, string, type Infer } from './schema.ts';

/** DNS-1123 subdomain, the shape of every Kubernetes object name. */
const dnsName = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** Kubernetes resource quantity (`1Gi`, `500m`, `2`). */
const quantity = '^[0-9]+(\\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$';

/** A reference to a Secret key in the resource's namespace. */
export const secretKeyRef = object(
  {
    name: string({ pattern: dnsName, maxLength: 253, description: 'Secret name in the same namespace.' }),
    key: string({ minLength: 1, default: 'url', description: 'Key in the Secret that holds the value.' }),
  },
  { required: ['name'] },
);

export const replicas = integer({ minimum: 1, default: 1, description: 'Pods of the service.' });

export const image = string({
  minLength: 1,
  description: 'Container image; defaults to the operator’s own release image.',
});

/**
 * Retain keeps, together, what the sealed data needs to be opened again by a resource of the same
 * name: the unseal Secret, the database credentials Secret and the PostgreSQL volume.
 */
export const deletionPolicy = oneOf(['Retain', 'Delete'], {
  default: 'Retain',
  description: 'Retain: deleting the resource keeps the unseal Secret, the generated database credentials Secret and the PostgreSQL volume; Delete removes them too.',
});

/** Where the service's access tokens come from: an issuer URL, or an IdentityRealm that publishes one. */
export const auth = object(
  {
    issuer: string({ pattern: '^https://[^\\s]+$', maxLength: 2048, description: 'Issuer URL of the OAuth 2.1 authorization server whose access tokens the service accepts (the service key auth.issuer).' }),
    identityRealmRef: object(
      { name: string({ pattern: dnsName, maxLength: 253, description: 'IdentityRealm in the same namespace.' }) },
      { required: ['name'], description: 'Trust the issuer an IdentityRealm of this namespace reports in status.issuer.' },
    ),
  },
  {
    description: 'The token issuer of the service; without one the resource is Degraded with reason NoIssuer.',
    validations: [
      { rule: 'has(self.issuer) != has(self.identityRealmRef)', message: 'auth needs exactly one of issuer and identityRealmRef' },
    ],
  },
);

/** Either an external PostgreSQL (a Secret with its URL) or one the operator runs. */
export const database = object(
  {
    external: object(
      { secretRef: secretKeyRef },
      { required: ['secretRef'], description: 'Use this PostgreSQL; the Secret key holds a postgres:// URL.' },
    ),
    generated: object(
      {
        storage: string({ pattern: quantity, default: '1Gi', description: 'Volume size of the PostgreSQL StatefulSet; may grow (the operator expands the PersistentVolumeClaim, the StorageClass must allow expansion), never shrink.' }),
        version: oneOf(['16', '17'], {
          default: '17',
          description: 'PostgreSQL major version; fixed once created (a major upgrade needs a dump and restore).',
          validations: [
            {
              // A transition rule: PostgreSQL cannot open a data directory of another major version.
              rule: 'self == oldSelf',
              message: 'database.generated.version cannot change: PostgreSQL cannot open the data of another major version in place; follow "PostgreSQL major version upgrade" in docs/operator.md (dump, new resource, restore)',
            },
          ],
        }),
      },
      { description: 'Settings of the PostgreSQL the operator runs when no external one is named.' },
    ),
  },
  {
    default: {},
    description: 'The service database; generated unless external.secretRef names one.',
    validations: [
      {
        rule: '!(has(self.external) && has(self.generated))',
        message: 'database.external and database.generated are mutually exclusive',
      },
    ],
  },
);

/** Where the serving certificate comes from. */
export const tls = object(
  {
    mode: oneOf(['Generated', 'CertManager', 'Secret'], {
      default: 'Generated',
      description: 'Generated: the operator issues one from its own CA; CertManager: a cert-manager Certificate; Secret: an existing kubernetes.io/tls Secret.',
    }),
    certManager: object(
      {
        issuerRef: object(
          {
            name: string({ pattern: dnsName, maxLength: 253 }),
            kind: oneOf(['Issuer', 'ClusterIssuer'], { default: 'Issuer' }),
            group: oneOf(['cert-manager.io'], { default: 'cert-manager.io' }),
          },
          { required: ['name'] },
        ),
      },
      { required: ['issuerRef'] },
    ),
    secretName: string({ pattern: dnsName, maxLength: 253 }),
  },
  {
    default: {},
    validations: [
      {
        rule: "self.mode == 'CertManager' ? has(self.certManager) : !has(self.certManager)",
        message: 'tls.certManager is required with mode CertManager and forbidden otherwise',
      },
      {
        rule: "self.mode == 'Secret' ? has(self.secretName) : !has(self.secretName)",
        message: 'tls.secretName is required with mode Secret and forbidden otherwise',
      },
    ],
  },
);

export const podResources = object(
  {
    requests: record(string({ pattern: quantity })),
    limits: record(string({ pattern: quantity })),
  },
  { description: 'Container resources of the service pods.' },
);

/** One condition as metav1.Condition defines it. */
export const condition = object(
  {
    type: oneOf(['Ready', 'Progressing', 'Degraded']),
    status: oneOf(['True', 'False', 'Unknown']),
    reason: string({ pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', maxLength: 1024 }),
    message: string({ maxLength: 32768 }),
    lastTransitionTime: string({ format: 'date-time' }),
    observedGeneration: integer({ minimum: 0 }),
  },
  { required: ['type', 'status', 'reason', 'lastTransitionTime'] },
);

export type Condition = Infer<typeof condition>;

/** The status fields every kind reports. */
export const statusFields = {
  observedGeneration: integer({ minimum: 0 }),
  readyReplicas: integer({ minimum: 0 }),
  endpoint: string({ description: 'In-cluster HTTPS URL of the public listener.' }),
  conditions: array(condition, { listType: 'map', mapKeys: ['type'], maxItems: 8 }),
};

/** The status every kind reports. */
export const status = object(statusFields);

export type Status = Infer<typeof status>;
