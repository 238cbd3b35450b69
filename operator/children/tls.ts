/**
 * The TLS Secret a service mounts: either issued by the operator's bootstrap CA (a `kubernetes.io/tls`
 * Secret written once, then renewed in place at two thirds of its life by controllers/material.ts),
 * requested from cert-manager with a `Certificate` that names the same Secret, or (mode Secret) a
 * kubernetes.io/tls Secret the user supplies.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedMeta, secretData } from '../resources/ownership.ts';
import { childNames } from './names.ts';

const COMPONENT = 'tls';

/** A server certificate with its key and the CA that clients trust, all PEM. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/**
 * The names clients use: the Service in every DNS form, plus the loopback names of the admin listener
 * that the exec probes call.
 */
export function serverNames(resource: ServiceResource): string[] {
  const { namespace } = resource.metadata;
  const name = childNames(resource).workload;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`, 'localhost', '127.0.0.1'];
}

/** True when the operator issues the certificate from its bootstrap CA (mode Generated, the default). */
export function issuesCertificate(resource: ServiceResource): boolean {
  return (resource.spec.tls?.mode ?? 'Generated') === 'Generated';
}

/** The operator-issued Secret: type kubernetes.io/tls with ca.crt as cert-manager writes it too. */
export function tlsSecret(resource: ServiceResource, row: KindRow, material: TlsMaterial): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: ownedMeta(resource, row, COMPONENT, childNames(resource).tls),
    type: 'kubernetes.io/tls',
    data: secretData({ 'tls.crt': material.cert, 'tls.key': material.key, 'ca.crt': material.ca }),
  };
}

/** cert-manager.io/v1 Certificate writing the same Secret name, ECDSA P-256 like our own issuance. */
export function certManagerCertificate(resource: ServiceResource, row: KindRow): KubeObject | undefined {
  const issuerRef = resource.spec.tls?.mode === 'CertManager' ? resource.spec.tls.certManager?.issuerRef : undefined;
  if (issuerRef === undefined) {
    return undefined;
  }
  const names = serverNames(resource);
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: ownedMeta(resource, row, COMPONENT, childNames(resource).tls),
    spec: {
      secretName: childNames(resource).tls,
      issuerRef: { name: issuerRef.name, kind: issuerRef.kind ?? 'Issuer', group: issuerRef.group ?? 'cert-manager.io' },
      dnsNames: names.filter((name) => name !== '127.0.0.1'),
      ipAddresses: ['127.0.0.1'],
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature'],
    },
  };
}
