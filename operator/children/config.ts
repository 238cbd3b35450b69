/**
 * The service's YAML configuration as a ConfigMap. Secrets never appear in it: the database URL and
 * the unseal shares are `file://` references to Secret mounts (DESIGN "Configuration").
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedMeta } from '../resources/ownership.ts';
import { childNames } from './names.ts';
import { DATABASE_URL_KEY } from './postgres.ts';
import { KEY_CHECK_KEY, shareFile, unsealSplit } from './unseal.ts';
import { PEPPER_KEY } from './pepper.ts';
import { realmSignInClients } from './realm.ts';
import { signInClientsDigest } from './rp-client.ts';

/** Where the pod mounts what; the config refers to these paths. */
export const MOUNTS = {
  config: '/etc/cryptoutil/config',
  tls: '/etc/cryptoutil/tls',
  database: '/etc/cryptoutil/database',
  unseal: '/etc/cryptoutil/unseal',
  pepper: '/etc/cryptoutil/pepper',
  data: '/var/lib/cryptoutil',
  tmp: '/tmp',
} as const;

/** The file name of the configuration inside the ConfigMap and its mount. */
export const CONFIG_FILE = 'config.yml';

/**
 * The configuration as data: public listener on every interface, admin on loopback, TLS from files,
 * and `auth.issuer`, the issuer resolved from `spec.auth` (controllers/issuer.ts).
 */
export function serviceConfig(resource: ServiceResource, row: KindRow, issuer: string): Record<string, unknown> {
  const names = childNames(resource);
  const config: Record<string, unknown> = {
    public: { address: '0.0.0.0', port: row.port },
    // The admin listener stays on loopback: only the exec probes inside the pod reach it.
    admin: { address: '127.0.0.1', port: 9090 },
    tls: { mode: 'files', certFile: `${MOUNTS.tls}/tls.crt`, keyFile: `${MOUNTS.tls}/tls.key`, caFile: `${MOUNTS.tls}/ca.crt`, names: [names.workload] },
    database: { url: `file://${MOUNTS.database}/${resource.spec.database?.external?.secretRef.key ?? DATABASE_URL_KEY}` },
    auth: { issuer },
    log: { level: 'info' },
    dataDir: MOUNTS.data,
    ...row.serviceConfig?.(resource),
  };
  if (row.children.unseal) config.barrier = barrierConfig(resource);
  if (row.children.pepper === true) config.hash = { pepper: `file://${MOUNTS.pepper}/${PEPPER_KEY}` };
  return config;
}

/**
 * The barrier keys: the mounted shares and the key check value beside them; with nothing mounted
 * (`autoUnseal: false`) no share, and the key check value recorded in `status.barrier` (not a
 * secret: it names the key, it does not reveal it), so the service still refuses any other key.
 */
function barrierConfig(resource: ServiceResource): Record<string, unknown> {
  const { threshold, mounted } = unsealSplit(resource);
  if (mounted.length === 0) {
    const keyCheck = resource.status?.barrier?.keyCheck;
    return { threshold, ...(keyCheck === undefined ? {} : { keyCheck }) };
  }
  return {
    shares: mounted.map((index) => `file://${MOUNTS.unseal}/${shareFile(index)}`),
    threshold,
    keyCheck: `file://${MOUNTS.unseal}/${KEY_CHECK_KEY}`,
  };
}

/** The ConfigMap holding `config.yml`. */
export function configMap(resource: ServiceResource, row: KindRow, issuer: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(resource, row, 'config', childNames(resource).config),
    data: { [CONFIG_FILE]: stringify(serviceConfig(resource, row, issuer)) },
  };
}

/**
 * A digest of the configuration, put on the pod template so a config change rolls the pods; for
 * identity-authz it covers the sign-in clients of its second file too (without their secret).
 */
export function configDigest(resource: ServiceResource, row: KindRow, issuer: string): string {
  const signInClients = row.children.signInClients === true ? signInClientsDigest(realmSignInClients(resource)) : '';
  return createHash('sha256').update(stringify(serviceConfig(resource, row, issuer)) + signInClients).digest('hex').slice(0, 16);
}
