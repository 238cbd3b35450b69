/**
 * One row per cryptoutil kind (STYLE "Tables, not switches"): adding a controller for a new service
 * is adding a row. A service that does not exist gets no row, so the operator never deploys an
 * image that cannot start (an IdentityRealm component without a row: children/realm.ts).
 */
import { caServiceConfig } from './children/ca.ts';
import { joseServiceConfig } from './children/jwks.ts';
import { REALM_COMPONENTS, authzServiceConfig, realmConsoleUrl, realmIssuer } from './children/realm.ts';
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
  /**
   * The unseal Secret is `<resource>-<sharedUnseal>-unseal`, one key for every service of the
   * resource (IdentityRealm: the realm's services are unsealed by one set of custodians).
   */
  readonly sharedUnseal?: string;
  /** A hash pepper Secret (services with `hash: true`: identity-authz, identity-idp), generated once. */
  readonly pepper?: boolean;
  /** The operator's client in the service (identity-authz), its secret a Secret generated once (children/operator-client.ts). */
  readonly operatorClient?: boolean;
  /**
   * identity-authz loads `authz.signInClients` from a second configuration file, the Secret
   * `<resource>-sign-in-clients` the operator renders (children/rp-client.ts).
   */
  readonly signInClients?: boolean;
  /** identity-rp's client secret, the Secret `<resource>-rp-client` generated once (children/rp-client.ts). */
  readonly rpClient?: boolean;
}

/**
 * A further service one resource runs (IdentityRealm: identity-idp, identity-rs, identity-rp,
 * identity-spa), switched on by a `spec.components` key.
 */
export interface ComponentRow {
  /** The key under `spec.components`. */
  readonly component: string;
  readonly row: KindRow;
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
  /** For the kind that issues tokens (IdentityRealm): its own issuer instead of `spec.auth`. */
  readonly ownIssuer?: (resource: ServiceResource) => string;
  /** For the kind with a browser console (IdentityRealm): its URL in `status.consoleUrl`, undefined when it runs none. */
  readonly consoleUrl?: (resource: ServiceResource) => string | undefined;
  /** Services beyond `service` that the resource runs, each with its own children. */
  readonly components?: readonly ComponentRow[];
}

const ROWS: readonly KindRow[] = [
  { kind: 'PetStore', plural: 'petstores', service: 'learn-ps', port: 8480, children: { unseal: false } },
  { kind: 'KmsInstance', plural: 'kmsinstances', service: 'sm-kms', port: 8080, children: { unseal: true, unsealNamedByResource: true } },
  { kind: 'CertificateAuthority', plural: 'certificateauthorities', service: 'pki-ca', port: 8380, children: { unseal: true }, serviceConfig: caServiceConfig },
  { kind: 'JwkAuthority', plural: 'jwkauthorities', service: 'jose-ja', port: 8280, children: { unseal: true }, serviceConfig: joseServiceConfig },
  // identity-authz is the realm's own row (its Service is the default issuer); the rest are components.
  {
    kind: 'IdentityRealm',
    plural: 'identityrealms',
    service: 'identity-authz',
    port: 8180,
    children: { unseal: true, sharedUnseal: 'identity', pepper: true, operatorClient: true, signInClients: true },
    serviceConfig: authzServiceConfig,
    ownIssuer: realmIssuer,
    consoleUrl: realmConsoleUrl,
    components: REALM_COMPONENTS,
  },
];

/** True for every kind the operator watches: every kind of the API has a row. */
export function isWatchedKind(kind: string): boolean {
  return KIND_TABLE[kind] !== undefined;
}

/** The kinds the operator reconciles, keyed by kind (null prototype: no inherited keys). */
export const KIND_TABLE: Readonly<Record<string, KindRow | undefined>> = Object.assign(
  Object.create(null) as Record<string, KindRow>,
  Object.fromEntries(ROWS.map((row) => [row.kind, row])),
);

/** Every reconciled row, in table order. */
export const KIND_ROWS: readonly KindRow[] = ROWS;

/** The rows of every service the operator deploys: the kinds' own and their components'. */
export const SERVICE_ROWS: readonly KindRow[] = ROWS.flatMap((row) => [row, ...(row.components ?? []).map((component) => component.row)]);

/** The services one resource of `kind` may run, its own first. */
export function servicesOfKind(kind: string): readonly string[] {
  return SERVICE_ROWS.filter((row) => row.kind === kind).map((row) => row.service);
}

/** The row of `kind`, or a clear error naming what is supported. */
export function kindRow(kind: string): KindRow {
  const row = KIND_TABLE[kind];
  if (row === undefined) {
    throw new Error(`kind ${kind} has no controller; reconciled kinds: ${ROWS.map((r) => r.kind).join(', ')}`);
  }
  return row;
}
