/**
 * Fixture builders for controller tests (STYLE: `petStore('demo', withReplicas(2))`): a resource as
 * the API server returns it after defaulting, changed by small composable options.
 */
import { API_VERSION } from '../kinds.ts';
import type { ServiceResource, ServiceSpec } from '../resources/types.ts';

export type Option = (resource: ServiceResource) => ServiceResource;

/** The issuer every fixture trusts unless an option says otherwise. */
export const ISSUER = 'https://issuer.test';

function withSpec(change: Partial<ServiceSpec>): Option {
  return (resource) => ({ ...resource, spec: { ...resource.spec, ...change } });
}

function resourceOf(kind: string, name: string, options: readonly Option[]): ServiceResource {
  const base: ServiceResource = {
    apiVersion: API_VERSION,
    kind,
    metadata: { name, namespace: 'default', uid: `uid-${kind}-${name}`, generation: 1 },
    spec: { replicas: 1, deletionPolicy: 'Retain', auth: { issuer: ISSUER } },
  };
  return options.reduce((resource, option) => option(resource), base);
}

export function petStore(name: string, ...options: Option[]): ServiceResource {
  return resourceOf('PetStore', name, options);
}

export function kmsInstance(name: string, ...options: Option[]): ServiceResource {
  return resourceOf('KmsInstance', name, options);
}

export const withAuth = (auth: ServiceSpec['auth']): Option => (resource) => ({ ...resource, spec: { ...resource.spec, auth } });
export const withReplicas = (replicas: number): Option => withSpec({ replicas });
export const withImage = (image: string): Option => withSpec({ image });
export const withDeletionPolicy = (deletionPolicy: 'Retain' | 'Delete'): Option => withSpec({ deletionPolicy });
export const withExternalDatabase = (name: string, key?: string): Option =>
  withSpec({ database: { external: { secretRef: key === undefined ? { name } : { name, key } } } });
export const withGeneratedDatabase = (version: '16' | '17', storage: string): Option => withSpec({ database: { generated: { version, storage } } });
export const withCertManager = (issuer: string, kind?: 'Issuer' | 'ClusterIssuer'): Option =>
  withSpec({ tls: { mode: 'CertManager', certManager: { issuerRef: kind === undefined ? { name: issuer } : { name: issuer, kind } } } });
export const withTlsSecret = (secretName: string): Option => withSpec({ tls: { mode: 'Secret', secretName } });
export const withBarrier = (shares: number, threshold: number, more: { mountShares?: number; autoUnseal?: boolean } = {}): Option => withSpec({ barrier: { shares, threshold, ...more } });
export const withResources = (requests: Record<string, string>, limits: Record<string, string>): Option => withSpec({ resources: { requests, limits } });
export const withNamespace = (namespace: string): Option => (resource) => ({ ...resource, metadata: { ...resource.metadata, namespace } });
export const withGeneration = (generation: number): Option => (resource) => ({ ...resource, metadata: { ...resource.metadata, generation } });

/** A CertificateAuthority as the API server defaults it: ES384 root for ten years, no ACME. */
export function certificateAuthority(name: string, ...options: Option[]): ServiceResource {
  const ca: Option = (resource) => ({ ...resource, spec: { ...resource.spec, subject: { commonName: 'demo CA', organization: 'cryptoutil' }, keyAlgorithm: 'ES384', validityDays: 3650, acme: false } as ServiceSpec });
  return resourceOf('CertificateAuthority', name, [ca, ...options]);
}

/** Any CertificateAuthority spec field (subject, keyAlgorithm, validityDays, acme). */
export const withCaSpec = (change: Readonly<Record<string, unknown>>): Option => (resource) => ({ ...resource, spec: { ...resource.spec, ...change } });

/** A JwkAuthority as the API server defaults it: ES256, rotation every 90 days, no keySets. */
export function jwkAuthority(name: string, ...options: Option[]): ServiceResource {
  const jwka: Option = (resource) => ({ ...resource, spec: { ...resource.spec, signingAlgorithm: 'ES256', rotationDays: 90 } as ServiceSpec });
  return resourceOf('JwkAuthority', name, [jwka, ...options]);
}

/** `spec.keySets` as given (the API server has defaulted use, rotationDays and retentionDays). */
export const withKeySets = (keySets: readonly Readonly<Record<string, unknown>>[]): Option => (resource) => ({ ...resource, spec: { ...resource.spec, keySets } as ServiceSpec });

/** Any JwkAuthority spec field (signingAlgorithm, rotationDays). */
export const withJwkSpec: (change: Readonly<Record<string, unknown>>) => Option = withCaSpec;

/** An IdentityRealm as the API server defaults it: identity-authz and identity-idp, 900 s access tokens, no spec.auth. */
export function identityRealm(name: string, ...options: Option[]): ServiceResource {
  const realm: Option = (resource) => ({ ...resource, spec: { replicas: 1, deletionPolicy: 'Retain', components: { idp: true, rs: false, rp: false, spa: false }, accessTokenTtlSeconds: 900 } as ServiceSpec });
  return resourceOf('IdentityRealm', name, [realm, ...options]);
}

/** Any IdentityRealm spec field (issuer, components, accessTokenTtlSeconds). */
export const withRealmSpec: (change: Readonly<Record<string, unknown>>) => Option = withCaSpec;
