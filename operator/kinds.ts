/**
 * One row per cryptoutil kind (STYLE "Tables, not switches"): adding a controller for a new service
 * is adding a row. Kinds whose service does not exist yet are listed in `PLANNED_KINDS` and get no
 * controller, so the operator never deploys an image that cannot start.
 */
import { caServiceConfig } from './children/ca.ts';
import { joseServiceConfig } from './children/jwks.ts';
import type { ServiceResource } from './resources/types.ts';

/** cryptoutil.io/v1alpha1: the API group and version of every kind (DESIGN "Operator"). */
export const API_GROUP = 'cryptoutil.io';
export const API_VERSION = `${API_GROUP}/v1alpha1`;

/** Which optional children a kind needs beyond the ones every service gets. */
export interface KindChildren {
  /** The barrier unseal Secret (services that keep a barrier: sm-kms, pki-ca, jose-ja). */
  readonly unseal: boolean;
  /**
   * The unseal Secret is `<resource>-unseal` rather than `<resource>-<service>-unseal`: KmsInstance
   * named it so before a second kind had one, and renaming it would orphan existing shares.
   */
  readonly unsealNamedByResource?: boolean;
}

/** What the operator needs to know to run one kind's service. */
export interface KindRow {
  readonly kind: string;
  /** Lower-case plural, the REST path segment. */
  readonly plural: string;
  /** The `cryptoutil <service>` command and the `app.kubernetes.io/name` label. */
  readonly service: string;
  /** Public HTTPS port (DESIGN service table). */
  readonly port: number;
  readonly children: KindChildren;
  /** The service's own configuration keys, made from the resource (pki-ca: the CA it creates; jose-ja: its key sets). */
  readonly serviceConfig?: (resource: ServiceResource) => Record<string, unknown>;
}

const ROWS: readonly KindRow[] = [
  { kind: 'PetStore', plural: 'petstores', service: 'learn-ps', port: 8480, children: { unseal: false } },
  { kind: 'KmsInstance', plural: 'kmsinstances', service: 'sm-kms', port: 8080, children: { unseal: true, unsealNamedByResource: true } },
  { kind: 'CertificateAuthority', plural: 'certificateauthorities', service: 'pki-ca', port: 8380, children: { unseal: true }, serviceConfig: caServiceConfig },
  { kind: 'JwkAuthority', plural: 'jwkauthorities', service: 'jose-ja', port: 8280, children: { unseal: true }, serviceConfig: joseServiceConfig },
];

/** A kind with a CRD but no controller yet: watched only to say so in its status. */
export interface PlannedKind {
  readonly kind: string;
  readonly plural: string;
}

const PLANNED: readonly PlannedKind[] = [
  { kind: 'IdentityRealm', plural: 'identityrealms' },
];

/**
 * Kinds with a CRD but no service yet: the operator deploys nothing for them and marks each resource
 * `Ready=False` with reason `ControllerNotImplemented` until their row moves up.
 */
export const PLANNED_KINDS: readonly string[] = PLANNED.map((planned) => planned.kind);

/** The planned kinds with their REST plurals. */
export const PLANNED_ROWS: readonly PlannedKind[] = PLANNED;

/** True for every kind the operator watches: reconciled kinds and planned ones. */
export function isWatchedKind(kind: string): boolean {
  return KIND_TABLE[kind] !== undefined || PLANNED_KINDS.includes(kind);
}

/** The kinds the operator reconciles, keyed by kind (null prototype: no inherited keys). */
export const KIND_TABLE: Readonly<Record<string, KindRow | undefined>> = Object.assign(
  Object.create(null) as Record<string, KindRow>,
  Object.fromEntries(ROWS.map((row) => [row.kind, row])),
);

/** Every reconciled row, in table order. */
export const KIND_ROWS: readonly KindRow[] = ROWS;

/** The row of `kind`, or a clear error naming what is supported. */
export function kindRow(kind: string): KindRow {
  const row = KIND_TABLE[kind];
  if (row === undefined) {
    throw new Error(`kind ${kind} has no controller; reconciled kinds: ${ROWS.map((r) => r.kind).join(', ')}`);
  }
  return row;
}
