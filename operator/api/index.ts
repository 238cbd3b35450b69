/**
 * The cryptoutil.io/v1alpha1 API: the kinds, their inferred spec types and the CRD renderer.
 * Import the operator's types from here so they cannot drift from crds/.
 */
export { API_GROUP, API_VERSION, KINDS, type KindDefinition, type PrinterColumn } from './kinds.ts';
export type {
  CertificateAuthority,
  CertificateAuthoritySpec,
  Condition,
  CustomResource,
  IdentityRealm,
  IdentityRealmSpec,
  JwkAuthority,
  JwkAuthoritySpec,
  KmsInstance,
  KmsInstanceSpec,
  ObjectMeta,
  PetStore,
  PetStoreSpec,
  Status,
} from './kinds.ts';
export { crdFileName, crdYaml, customResourceDefinition } from './crd.ts';
export type { CelRule, Infer, JsonSchema, Schema } from './schema.ts';

import type { CertificateAuthority, IdentityRealm, JwkAuthority, KmsInstance, PetStore } from './kinds.ts';

/** Any cryptoutil custom resource: what a generic reconciler receives. */
export type CryptoutilResource = KmsInstance | CertificateAuthority | IdentityRealm | PetStore | JwkAuthority;
