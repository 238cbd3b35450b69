/**
 * The services of an IdentityRealm as table rows (STYLE "Tables, not switches"): identity-authz is
 * the kind's own row (operator/kinds.ts); each `spec.components` key is one row here.
 */
import { identityRealmSpec, type IdentityRealmSpec } from '../api/kinds.ts';
import type { ComponentRow, KindRow } from '../kinds.ts';
import type { ServiceResource } from '../resources/types.ts';
import { serviceUrl } from './endpoint.ts';
import { operatorClientConfig } from './operator-client.ts';
import { RP_CLIENT_ID, rpClientSecretReference, type SignInClientEntry } from './rp-client.ts';

type Components = NonNullable<IdentityRealmSpec['components']>;

/**
 * The realm's spec as the operator reads it; the API server applied the schema's defaults. The
 * shared ServiceSpec type is a PetStore's, whose `resources` (container resources) a realm calls
 * `podResources`: its `resources` are resource servers.
 */
export function realmSpec(resource: ServiceResource): IdentityRealmSpec {
  return resource.spec as unknown as IdentityRealmSpec;
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

const RP = { service: 'identity-rp', port: 8183 } as const;
const SPA = { service: 'identity-spa', port: 8184 } as const;
/** identity-rp's paths (services/identity-rp/routes): its callback and where logout tokens arrive. */
const CALLBACK_PATH = '/bff/callback';
const BACKCHANNEL_LOGOUT_PATH = '/bff/backchannel-logout';
const OPENID_SCOPES = ['openid', 'profile', 'email'] as const;

/**
 * The realm's APIs identity-rp proxies for the console, each when its component runs, with the
 * scopes the console uses there: the administration of identity-authz and identity-idp, and
 * identity-rs's reads and writes.
 */
const RP_APIS: readonly { readonly component: string | undefined; readonly service: { readonly service: string; readonly port: number }; readonly scopes: readonly string[] }[] = [
  { component: undefined, service: AUTHZ, scopes: ['authz:admin'] },
  { component: 'idp', service: { service: 'identity-idp', port: 8181 }, scopes: ['idp:admin'] },
  { component: 'rs', service: { service: 'identity-rs', port: 8182 }, scopes: ['rs:read', 'rs:write'] },
];

function rpApis(resource: ServiceResource): { readonly name: string; readonly url: string; readonly resource: string; readonly scopes: readonly string[] }[] {
  return RP_APIS.filter((api) => api.component === undefined || componentWanted(resource, api.component)).map((api) => ({
    name: api.service.service,
    url: `${serviceUrl(resource, api.service)}/browser/api/v1`,
    resource: `urn:cryptoutil:${api.service.service}`,
    scopes: api.scopes,
  }));
}

/** The console's URL (identity-spa's in-cluster URL), or undefined without `spec.components.spa`. */
export function realmConsoleUrl(resource: ServiceResource): string | undefined {
  return componentWanted(resource, 'spa') ? `${serviceUrl(resource, SPA)}/` : undefined;
}

/**
 * identity-authz's `authz.signInClients` without secrets: identity-rp's client when the realm runs
 * it (code + refresh, its callback, its root and the console to come back to after sign-out, the
 * scopes of the APIs it proxies), else none.
 */
export function realmSignInClients(resource: ServiceResource): SignInClientEntry[] {
  if (!componentWanted(resource, 'rp')) return [];
  const rp = serviceUrl(resource, RP);
  const console = realmConsoleUrl(resource);
  return [{
    id: RP_CLIENT_ID,
    redirectUris: [`${rp}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${rp}/`, ...(console === undefined ? [] : [console])],
    backchannelLogoutUri: `${rp}${BACKCHANNEL_LOGOUT_PATH}`,
    openidScopes: [...OPENID_SCOPES],
    resourceScopes: Object.fromEntries(rpApis(resource).map((api) => [api.resource, [...api.scopes]])),
  }];
}

/**
 * identity-rp: signs users in at the realm's issuer (`auth.issuer`) as `identity-rp` with the
 * mounted secret, comes back to its in-cluster URL, proxies the realm's own APIs, and lets the
 * console's origin call `/bff/*`.
 */
export function rpServiceConfig(resource: ServiceResource): Record<string, unknown> {
  const rp = serviceUrl(resource, RP);
  const apis = rpApis(resource);
  const console = realmConsoleUrl(resource);
  return {
    rp: {
      clientId: RP_CLIENT_ID,
      clientSecret: rpClientSecretReference(),
      redirectUri: `${rp}${CALLBACK_PATH}`,
      postLogoutRedirectUri: `${rp}/`,
      scope: [...OPENID_SCOPES, ...apis.flatMap((api) => api.scopes)].join(' '),
      apis: Object.fromEntries(apis.map((api) => [api.name, { url: api.url, resource: api.resource }])),
      consoleOrigins: console === undefined ? [] : [new URL(console).origin],
    },
  };
}

/** identity-spa: the console talks to the realm's identity-rp and links identity-idp's account pages. */
export function spaServiceConfig(resource: ServiceResource): Record<string, unknown> {
  return { spa: { rpUrl: serviceUrl(resource, RP), accountUrl: componentWanted(resource, 'idp') ? `${serviceUrl(resource, IDP_ROW)}/account` : '' } };
}

/** identity-rp keeps sessions sealed by the realm's barrier and hashes their cookies (a pepper); its client secret is mounted. */
const RP_ROW: KindRow = {
  kind: 'IdentityRealm',
  plural: 'identityrealms',
  service: RP.service,
  port: RP.port,
  children: { unseal: true, sharedUnseal: 'identity', pepper: true, rpClient: true },
  serviceConfig: rpServiceConfig,
};

/** identity-spa serves static files: no barrier, no pepper, no secret. */
const SPA_ROW: KindRow = { kind: 'IdentityRealm', plural: 'identityrealms', service: SPA.service, port: SPA.port, children: { unseal: false }, serviceConfig: spaServiceConfig };

/** `spec.components` in schema order. */
export const REALM_COMPONENTS: readonly ComponentRow[] = [
  { component: 'idp', row: IDP_ROW },
  { component: 'rs', row: RS_ROW },
  { component: 'rp', row: RP_ROW },
  { component: 'spa', row: SPA_ROW },
];
