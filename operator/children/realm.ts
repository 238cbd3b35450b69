/**
 * The services of an IdentityRealm as table rows (STYLE "Tables, not switches"): identity-authz is
 * the kind's own row (operator/kinds.ts); each `spec.components` key is one row here. A component
 * whose service does not exist yet has no row: asking for it deploys the rest and reports
 * `ComponentUnavailable`. Adding identity-rp or identity-spa is giving its entry a row.
 */
import { identityRealmSpec, type IdentityRealmSpec } from '../api/kinds.ts';
import type { ComponentRow, KindRow } from '../kinds.ts';
import type { ServiceResource } from '../resources/types.ts';
import { serviceUrl } from './endpoint.ts';
import { operatorClientConfig } from './operator-client.ts';

type Components = NonNullable<IdentityRealmSpec['components']>;

/** The realm's spec as the operator reads it; the API server applied the schema's defaults. */
function realmSpec(resource: ServiceResource): IdentityRealmSpec {
  return resource.spec;
}

/** identity-authz's port and name: the realm's issuer when `spec.issuer` is unset. */
const AUTHZ = { service: 'identity-authz', port: 8180 } as const;

/** `spec.issuer`, else the in-cluster URL of identity-authz's Service. */
export function realmIssuer(resource: ServiceResource): string {
  return realmSpec(resource).issuer ?? serviceUrl(resource, AUTHZ);
}

/** `spec.components.<component>` as the CRD defaults it, read from the schema the CRD is made of. */
function componentDefault(component: string): boolean {
  return identityRealmSpec.json.properties?.components?.properties?.[component]?.default === true;
}

/** True when `spec.components.<component>` asks for it (the CRD default when absent). */
export function componentWanted(resource: ServiceResource, component: string): boolean {
  const components: Components = realmSpec(resource).components ?? {};
  return components[component as keyof Components] ?? componentDefault(component);
}

/**
 * identity-idp: runs login and consent with the realm's second-factor policy (`spec.mfa`); it
 * trusts the realm's issuer as every service does (`auth.issuer`).
 */
export function idpServiceConfig(resource: ServiceResource): Record<string, unknown> {
  const mfa = realmSpec(resource).mfa ?? {};
  return { idp: { publicUrl: serviceUrl(resource, IDP_ROW), mfa: { required: mfa.required ?? false, requiredGroups: [...mfa.requiredGroups ?? []] } } };
}

/**
 * identity-authz's own JWKS, read from the pod itself: its readiness needs the issuer's keys, and
 * through its Service (which routes to ready pods only) it would wait for itself forever. Its
 * certificate names `localhost` (tls.ts).
 */
export const AUTHZ_OWN_JWKS = `https://localhost:${String(AUTHZ.port)}/jwks`;

/**
 * identity-authz: issues as the realm, sends browsers to identity-idp to log in (`cryptoutil up` does
 * the same), and trusts its own tokens with the keys it reads from itself.
 */
export function authzServiceConfig(resource: ServiceResource): Record<string, unknown> {
  const idpUrl = componentWanted(resource, 'idp') ? serviceUrl(resource, IDP_ROW) : '';
  return { auth: { issuer: realmIssuer(resource), jwksUri: AUTHZ_OWN_JWKS }, authz: { issuer: realmIssuer(resource), idpUrl, accessTokenTtlSeconds: realmSpec(resource).accessTokenTtlSeconds ?? 900, bootstrapClient: operatorClientConfig() } };
}

const IDP_ROW: KindRow = {
  kind: 'IdentityRealm',
  plural: 'identityrealms',
  service: 'identity-idp',
  port: 8181,
  children: { unseal: true, sharedUnseal: 'identity', pepper: true },
  serviceConfig: idpServiceConfig,
};

const RS_ROW: KindRow = { kind: 'IdentityRealm', plural: 'identityrealms', service: 'identity-rs', port: 8182, children: { unseal: false } };

/** `spec.components` in schema order; rp and spa have no service yet (their CRD default is false). */
export const REALM_COMPONENTS: readonly ComponentRow[] = [
  { component: 'idp', row: IDP_ROW },
  { component: 'rs', row: RS_ROW },
  { component: 'rp' },
  { component: 'spa' },
];
