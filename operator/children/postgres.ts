/**
 * The operator-managed PostgreSQL of one resource: a single-replica StatefulSet with a volume claim,
 * its headless Service, and the generated credentials Secret. Skipped entirely when the resource
 * names an external database Secret.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { childLabels, ownedMeta, secretData, selectorLabels } from '../resources/ownership.ts';
import { childNames } from './names.ts';
import { CONTAINER_SECURITY_CONTEXT, POSTGRES_RESOURCES, podSecurityContext } from './hardening.ts';

const COMPONENT = 'database';
const PORT = 5432;
const USER = 'cryptoutil';
const DATABASE = 'cryptoutil';
// UID of the postgres user in the official alpine image; the data directory must belong to it.
const POSTGRES_UID = 70;

/** The key of the credentials Secret that the service reads as `database.url`. */
export const DATABASE_URL_KEY = 'url';

/** postgres://…@<name>-postgres.<namespace>.svc:5432/cryptoutil: the in-cluster address of the StatefulSet. */
export function databaseUrl(resource: ServiceResource, password: string): string {
  const host = `${childNames(resource).postgres}.${resource.metadata.namespace}.svc`;
  return `postgres://${USER}:${encodeURIComponent(password)}@${host}:${PORT}/${DATABASE}`;
}

/**
 * The credentials Secret, built once from a freshly generated password and never rewritten. No owner
 * reference, like the unseal Secret: under `deletionPolicy: Retain` it outlives the resource together
 * with the volume whose data it opens; under Delete the reconciler's finalizer removes it.
 */
export function databaseSecret(resource: ServiceResource, row: KindRow, password: string): KubeObject {
  const names = childNames(resource);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.databaseSecret, namespace: resource.metadata.namespace, labels: childLabels(resource, row, COMPONENT) },
    type: 'Opaque',
    data: secretData({ POSTGRES_USER: USER, POSTGRES_PASSWORD: password, POSTGRES_DB: DATABASE, [DATABASE_URL_KEY]: databaseUrl(resource, password) }),
  };
}

/** The headless Service that gives the StatefulSet pod its stable DNS name. */
export function postgresService(resource: ServiceResource, row: KindRow): KubeObject {
  const names = childNames(resource);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(resource, row, COMPONENT, names.postgres),
    spec: {
      clusterIP: 'None',
      selector: selectorLabels(resource, row, COMPONENT),
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT }],
    },
  };
}

/** `postgres:<spec.database.generated.version>-alpine`; the operator's default image otherwise. */
export function postgresImage(resource: ServiceResource, defaultImage: string): string {
  const version = resource.spec.database?.generated?.version;
  return version === undefined ? defaultImage : `postgres:${version}-alpine`;
}

/** One PostgreSQL pod with a persistent volume; credentials come from the generated Secret. */
export function postgresStatefulSet(resource: ServiceResource, row: KindRow, image: string): KubeObject {
  const names = childNames(resource);
  const secretEnv = (name: string): Record<string, unknown> => ({ name, valueFrom: { secretKeyRef: { name: names.databaseSecret, key: name } } });
  const meta = ownedMeta(resource, row, COMPONENT, names.postgres);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta,
    spec: {
      serviceName: names.postgres,
      replicas: 1,
      selector: { matchLabels: selectorLabels(resource, row, COMPONENT) },
      template: {
        metadata: { labels: meta.labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(POSTGRES_UID),
          containers: [{
            name: 'postgres',
            image,
            ports: [{ name: 'postgres', containerPort: PORT }],
            env: [secretEnv('POSTGRES_USER'), secretEnv('POSTGRES_PASSWORD'), secretEnv('POSTGRES_DB'), { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
            readinessProbe: { exec: { command: ['pg_isready', '-U', USER, '-d', DATABASE] }, periodSeconds: 5 },
            livenessProbe: { exec: { command: ['pg_isready', '-U', USER, '-d', DATABASE] }, periodSeconds: 10, failureThreshold: 6 },
            securityContext: CONTAINER_SECURITY_CONTEXT,
            resources: POSTGRES_RESOURCES,
            volumeMounts: [
              { name: 'data', mountPath: '/var/lib/postgresql/data' },
              { name: 'run', mountPath: '/var/run/postgresql' },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [{ name: 'run', emptyDir: {} }, { name: 'tmp', emptyDir: {} }],
        },
      },
      // The volume follows deletionPolicy (StatefulSet PVC retention, Kubernetes 1.32 GA): Retain keeps
      // it with the credentials Secret; Delete lets the StatefulSet controller remove it.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: resource.spec.deletionPolicy === 'Delete' ? 'Delete' : 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: resource.spec.database?.generated?.storage ?? '1Gi' } } },
      }],
    },
  };
}
