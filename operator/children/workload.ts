/**
 * The service itself: a Deployment running `cryptoutil <service> start` and the Service in front of it.
 * Probes are exec (`cryptoutil <service> livez|readyz`) because the admin listener is loopback-only.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedMeta, selectorLabels } from '../resources/ownership.ts';
import { childNames } from './names.ts';
import { OPERATOR_CLIENT_MOUNT, operatorClientSecretName } from './operator-client.ts';
import { RP_CLIENT_MOUNT, SIGN_IN_CLIENTS_FILE, SIGN_IN_CLIENTS_MOUNT, rpClientSecretName, signInClientsSecretName } from './rp-client.ts';
import { CONFIG_FILE, MOUNTS, configDigest } from './config.ts';
import { KEY_CHECK_KEY, SHARE_KEY, shareFile, shareSecretName, unsealSplit } from './unseal.ts';
import { APP_UID, CONTAINER_SECURITY_CONTEXT, SERVICE_RESOURCES, podSecurityContext } from './hardening.ts';
import { realmSpec } from './realm.ts';

const COMPONENT = 'server';
/** The `cryptoutil` launcher the image puts on PATH (Dockerfile); exec probes run it without a shell. */
export const CLI = ['cryptoutil'] as const;

/** The ConfigMap's file, then (identity-authz) the sign-in clients with their secrets. */
function cliArgs(row: KindRow, action: string): string[] {
  const signInClients = row.children.signInClients === true ? ['--config', `${SIGN_IN_CLIENTS_MOUNT}/${SIGN_IN_CLIENTS_FILE}`] : [];
  return [row.service, action, '--config', `${MOUNTS.config}/${CONFIG_FILE}`, ...signInClients];
}

/**
 * The mounted shares as one projected volume: `share-<i>` from Secret `<unseal>-<i>` for each share
 * the pods get, and `keyCheck` from the first of them. Undefined when no share is mounted.
 */
function unsealVolume(resource: ServiceResource): Record<string, unknown> | undefined {
  const { mounted } = unsealSplit(resource);
  if (mounted.length === 0) return undefined;
  const sources = mounted.map((index, position) => ({
    secret: {
      name: shareSecretName(resource, index),
      items: [{ key: SHARE_KEY, path: shareFile(index) }, ...(position === 0 ? [{ key: KEY_CHECK_KEY, path: KEY_CHECK_KEY }] : [])],
    },
  }));
  return { projected: { defaultMode: 0o400, sources } };
}

function volumes(resource: ServiceResource, row: KindRow): { mounts: Record<string, unknown>[]; volumes: Record<string, unknown>[] } {
  const names = childNames(resource);
  const entries: { name: string; mountPath: string; source: Record<string, unknown> }[] = [
    { name: 'config', mountPath: MOUNTS.config, source: { configMap: { name: names.config } } },
    { name: 'tls', mountPath: MOUNTS.tls, source: { secret: { secretName: names.tls, defaultMode: 0o400 } } },
    { name: 'database', mountPath: MOUNTS.database, source: { secret: { secretName: names.databaseSecret, defaultMode: 0o400 } } },
    // Read-only root file system: the only writable paths are these two emptyDirs.
    { name: 'tmp', mountPath: MOUNTS.tmp, source: { emptyDir: {} } },
    { name: 'data', mountPath: MOUNTS.data, source: { emptyDir: {} } },
  ];
  const unseal = row.children.unseal ? unsealVolume(resource) : undefined;
  if (unseal !== undefined) entries.push({ name: 'unseal', mountPath: MOUNTS.unseal, source: unseal });
  if (row.children.pepper === true) entries.push({ name: 'pepper', mountPath: MOUNTS.pepper, source: { secret: { secretName: names.pepper, defaultMode: 0o400 } } });
  if (row.children.operatorClient === true) entries.push({ name: 'operator-client', mountPath: OPERATOR_CLIENT_MOUNT, source: { secret: { secretName: operatorClientSecretName(resource), defaultMode: 0o400 } } });
  if (row.children.signInClients === true) entries.push({ name: 'sign-in-clients', mountPath: SIGN_IN_CLIENTS_MOUNT, source: { secret: { secretName: signInClientsSecretName(resource), defaultMode: 0o400 } } });
  if (row.children.rpClient === true) entries.push({ name: 'rp-client', mountPath: RP_CLIENT_MOUNT, source: { secret: { secretName: rpClientSecretName(resource), defaultMode: 0o400 } } });
  return {
    mounts: entries.map((entry) => ({ name: entry.name, mountPath: entry.mountPath, readOnly: !Object.hasOwn(entry.source, 'emptyDir') })),
    volumes: entries.map((entry) => ({ name: entry.name, ...entry.source })),
  };
}

/** The Deployment, hardened to the restricted Pod Security profile. */
export function deployment(resource: ServiceResource, row: KindRow, image: string, issuer: string): KubeObject {
  const meta = ownedMeta(resource, row, COMPONENT, childNames(resource).workload);
  const { mounts, volumes: podVolumes } = volumes(resource, row);
  // A realm's `spec.resources` are its resource servers; its pods' are `spec.podResources`.
  const containerResources = resource.kind === 'IdentityRealm' ? realmSpec(resource).podResources : resource.spec.resources;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: resource.spec.replicas,
      selector: { matchLabels: selectorLabels(resource, row, COMPONENT) },
      template: {
        metadata: { labels: meta.labels, annotations: { 'cryptoutil.io/config-digest': configDigest(resource, row, issuer) } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(APP_UID),
          containers: [{
            name: row.service,
            image,
            args: cliArgs(row, 'start'),
            ports: [{ name: 'https', containerPort: row.port }],
            readinessProbe: { exec: { command: [...CLI, ...cliArgs(row, 'readyz')] }, periodSeconds: 10, timeoutSeconds: 5 },
            livenessProbe: { exec: { command: [...CLI, ...cliArgs(row, 'livez')] }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
            startupProbe: { exec: { command: [...CLI, ...cliArgs(row, 'livez')] }, periodSeconds: 5, failureThreshold: 30 },
            securityContext: CONTAINER_SECURITY_CONTEXT,
            resources: { requests: { ...SERVICE_RESOURCES.requests, ...containerResources?.requests }, limits: { ...SERVICE_RESOURCES.limits, ...containerResources?.limits } },
            volumeMounts: mounts,
          }],
          volumes: podVolumes,
        },
      },
    },
  };
}

/** The ClusterIP Service clients call. */
export function service(resource: ServiceResource, row: KindRow): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(resource, row, COMPONENT, childNames(resource).workload),
    spec: {
      selector: selectorLabels(resource, row, COMPONENT),
      ports: [{ name: 'https', port: row.port, targetPort: 'https' }],
    },
  };
}
