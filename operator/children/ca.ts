/**
 * What a CertificateAuthority adds to its pki-ca: the configuration that makes the service create
 * its root (from `spec.subject`, `keyAlgorithm`, `validityDays`), intermediate and `default` issuing
 * CA on the first unseal, and the ConfigMap `<name>-ca-bundle` that publishes the root for
 * workloads to trust (DESIGN "Contract for checks").
 */
import type { CertificateAuthoritySpec } from '../api/index.ts';
import type { KindRow } from '../kinds.ts';
import { ownedMeta } from '../resources/ownership.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';

/** The CRD's key algorithm names → pki-ca's. */
const KEY_ALGORITHMS: Readonly<Record<NonNullable<CertificateAuthoritySpec['keyAlgorithm']>, string>> = {
  ES256: 'ES256',
  ES384: 'ES384',
  RSA3072: 'RSA-3072',
  RSA4096: 'RSA-4096',
  Ed25519: 'Ed25519',
};

/** RFC 4514 §2.4: a value escaped so that commas, quotes and the like cannot start another attribute. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (character) => `\\${character}`)
    .replace(/^[ #]/, (character) => `\\${character}`)
    .replace(/ $/, '\\ ');
}

/** `spec.subject` as `CN=…,O=…,C=…`; pki-ca encodes the attributes in this order. */
export function subjectDn(subject: CertificateAuthoritySpec['subject']): string {
  const parts: [string, string | undefined][] = [['CN', subject.commonName], ['O', subject.organization], ['C', subject.country]];
  return parts.filter((part): part is [string, string] => part[1] !== undefined && part[1] !== '').map(([type, value]) => `${type}=${escapeDnValue(value)}`).join(',');
}

/** The spec of a CertificateAuthority; the API server has applied the CRD's defaults. */
function caSpec(resource: ServiceResource): Required<Pick<CertificateAuthoritySpec, 'subject' | 'keyAlgorithm' | 'validityDays' | 'acme'>> {
  return resource.spec as unknown as Required<CertificateAuthoritySpec>;
}

/** pki-ca's configuration keys for this resource. */
export function caServiceConfig(resource: ServiceResource): Record<string, unknown> {
  const spec = caSpec(resource);
  return {
    pki: {
      bootstrap: true,
      rootSubject: subjectDn(spec.subject),
      bootstrapKeyAlgorithm: KEY_ALGORITHMS[spec.keyAlgorithm],
      rootValidityDays: spec.validityDays,
    },
  };
}

/** The name of the ConfigMap that publishes the CA chain. */
export function caBundleName(resource: ServiceResource): string {
  return `${resource.metadata.name}-ca-bundle`;
}

/** The ConfigMap `<name>-ca-bundle` with the CA certificates in use (PEM, issuing CAs first, the root last) as `ca.crt`. */
export function caBundle(resource: ServiceResource, row: KindRow, bundlePem: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(resource, row, 'ca-bundle', caBundleName(resource)),
    data: { 'ca.crt': bundlePem },
  };
}

/** Whether the resource asks for the ACME directory (`spec.acme`). */
export function servesAcme(resource: ServiceResource): boolean {
  return caSpec(resource).acme;
}
