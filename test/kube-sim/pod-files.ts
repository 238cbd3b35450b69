/**
 * What a kubelet would do for one pod, as far as files go: mount the ConfigMaps and Secrets that a
 * Deployment's pod template names under a scratch root, and rewrite the service configuration's
 * absolute paths to point into that root. kube-sim runs no containers; this lets an end-to-end test
 * start the real `cryptoutil <service> start` on exactly the files the operator rendered.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly secret?: { readonly secretName: string };
  /** Secrets projected into one directory, each key under its `path` (the unseal shares). */
  readonly projected?: { readonly sources: readonly { readonly secret?: { readonly name: string; readonly items?: readonly KeyToPath[] } }[] };
  readonly emptyDir?: object;
}

interface Mount {
  readonly name: string;
  readonly mountPath: string;
}

/** The files a projected volume holds: each Secret's listed keys under their paths (every key when none are listed). */
async function projectedFiles(projected: NonNullable<Volume['projected']>, source: VolumeSource): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const { secret } of projected.sources) {
    if (secret === undefined) continue;
    const data = await source('Secret', secret.name);
    const items = secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      const value = data[key];
      if (value === undefined) throw new Error(`Secret ${secret.name} has no key ${key}`);
      files[path] = value;
    }
  }
  return files;
}

/** The parts of a Deployment this reads. */
export interface PodTemplateOwner {
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly volumes: readonly Volume[];
        readonly containers: readonly { readonly args: readonly string[]; readonly volumeMounts: readonly Mount[] }[];
      };
    };
  };
}

/** A ConfigMap's `data` or a Secret's decoded `data`, by object name. */
export type VolumeSource = (kind: 'ConfigMap' | 'Secret', name: string) => Promise<Readonly<Record<string, string>>>;

export interface MountedPod {
  /** The service configuration with every absolute path moved under the root. */
  readonly configFile: string;
  /** The container's arguments with `--config` pointing at `configFile`, and other mounted paths under the root. */
  readonly args: readonly string[];
}

function rebase(value: unknown, root: string, mountPaths: readonly string[]): unknown {
  if (typeof value === 'string') {
    for (const path of mountPaths) {
      if (value.startsWith(path)) return join(root, value);
      if (value.startsWith(`file://${path}`)) return `file://${join(root, value.slice('file://'.length))}`;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => rebase(item, root, mountPaths));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rebase(item, root, mountPaths)]));
  }
  return value;
}

/**
 * Mounts the pod's volumes under `root` and writes the configuration with its paths rebased and
 * `adjust` applied (ports that must not clash on one machine, say).
 */
export async function mountPod(
  deployment: PodTemplateOwner,
  source: VolumeSource,
  root: string,
  adjust: (config: Record<string, unknown>) => Record<string, unknown>,
): Promise<MountedPod> {
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  if (container === undefined) throw new Error('the pod template has no container');
  const mountPaths = container.volumeMounts.map((mount) => mount.mountPath);
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((candidate) => candidate.name === mount.name);
    if (volume === undefined) throw new Error(`volume ${mount.name} is mounted but not declared`);
    const dir = join(root, mount.mountPath);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = volume.configMap !== undefined ? await source('ConfigMap', volume.configMap.name)
      : volume.secret !== undefined ? await source('Secret', volume.secret.secretName)
        : volume.projected !== undefined ? await projectedFiles(volume.projected, source) : {};
    for (const [file, content] of Object.entries(files)) {
      await writeFile(join(dir, file), content, { mode: 0o600 });
    }
  }
  const configIndex = container.args.indexOf('--config');
  const configPath = container.args[configIndex + 1];
  if (configIndex < 0 || configPath === undefined) throw new Error('the container is not started with --config');
  const original = (parse(await readFile(join(root, configPath), 'utf8')) ?? {}) as Record<string, unknown>;
  const configFile = join(root, 'pod-config.yml');
  await writeFile(configFile, stringify(adjust(rebase(original, root, mountPaths) as Record<string, unknown>)), { mode: 0o600 });
  // Further arguments naming mounted files (a second --config from a Secret) are moved under the root as they are.
  const args = container.args.map((arg, index) => (index === configIndex + 1 ? configFile : mountPaths.some((path) => arg.startsWith(`${path}/`)) ? join(root, arg) : arg));
  return { configFile, args };
}
