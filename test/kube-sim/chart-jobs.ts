/**
 * The backup CronJobs of charts/cryptoutil-operator as the real helm renders them, and their
 * container run on this machine as the kubelet would run it: every volume becomes a local directory
 * (a Secret volume holds the items it projects), and every mount path in the container's environment
 * and arguments is replaced by that directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helmPath, run } from './tools.ts';

export const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');

export interface Container {
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly { name: string; value: string }[];
  readonly securityContext: Record<string, unknown>;
  readonly resources?: Record<string, unknown>;
  readonly volumeMounts: readonly { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface Volume {
  readonly name: string;
  readonly secret?: { secretName: string; items: readonly { key: string; path: string }[] };
  readonly persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  readonly restartPolicy: string;
  readonly automountServiceAccountToken: boolean;
  readonly securityContext: Record<string, unknown>;
  readonly containers: readonly Container[];
  readonly volumes: readonly Volume[];
}

export interface Rendered {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace: string; labels: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

export interface CronJob extends Rendered {
  readonly spec: {
    schedule: string;
    concurrencyPolicy: string;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    jobTemplate: { spec: { backoffLimit: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
  };
}

export interface Rendering {
  readonly code: number;
  readonly stderr: string;
  readonly manifests: Rendered[];
}

/** `helm template` of the chart with these arguments: its exit code, stderr and manifests. */
export async function renderWith(args: readonly string[]): Promise<Rendering> {
  const result = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system', ...args]);
  const manifests = result.code === 0 ? parseAllDocuments(result.stdout).map((document) => document.toJS() as Rendered | null).filter((manifest) => manifest !== null) : [];
  return { code: result.code, stderr: result.stderr, manifests };
}

/** `helm template` of the chart with these `--set` values. */
export function render(...set: readonly string[]): Promise<Rendering> {
  return renderWith(set.flatMap((value) => ['--set', value]));
}

/** `--set` values for backup.targets[index]. */
export function target(index: number, fields: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(fields).map(([key, value]) => `backup.targets[${index.toString()}].${key}=${String(value)}`);
}

/** The rendered CronJobs. */
export function cronJobs(manifests: readonly Rendered[]): CronJob[] {
  return manifests.filter((manifest) => manifest.kind === 'CronJob') as CronJob[];
}

/** The one container of a CronJob's pod. */
export function container(cronJob: CronJob): Container {
  const [only] = cronJob.spec.jobTemplate.spec.template.spec.containers;
  if (only === undefined) throw new Error(`CronJob ${cronJob.metadata.name} has no container`);
  return only;
}

/** What backs the pod's volumes here: Secret contents by name and key, a directory per claim name. */
export interface LocalVolumes {
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly claims: Readonly<Record<string, string>>;
}

/** A directory holding what `volume` shows the container; a Secret's is made under `scratch`. */
async function materialise(volume: Volume, local: LocalVolumes, scratch: string): Promise<string> {
  if (volume.persistentVolumeClaim !== undefined) {
    const dir = local.claims[volume.persistentVolumeClaim.claimName];
    if (dir === undefined) throw new Error(`no claim ${volume.persistentVolumeClaim.claimName} here`);
    return dir;
  }
  const secret = volume.secret === undefined ? undefined : local.secrets[volume.secret.secretName];
  if (volume.secret === undefined || secret === undefined) throw new Error(`volume ${volume.name}: no such Secret here`);
  const dir = join(scratch, volume.name);
  for (const item of volume.secret.items) {
    const value = secret[item.key];
    if (value === undefined) throw new Error(`Secret ${volume.secret.secretName} has no key ${item.key}`);
    await mkdir(join(dir, item.path, '..'), { recursive: true });
    await writeFile(join(dir, item.path), value);
  }
  return dir;
}

/** Runs the CronJob's container with the system's tools; `env` is added (a PATH with fake tools, say). */
export async function runLocally(cronJob: CronJob, local: LocalVolumes, env: Readonly<Record<string, string>> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const pod = cronJob.spec.jobTemplate.spec.template.spec;
  const main = container(cronJob);
  const scratch = await mkdtemp(join(tmpdir(), 'cryptoutil-pod-volumes-'));
  try {
    const mounts: [string, string][] = [];
    for (const mount of main.volumeMounts) {
      const volume = pod.volumes.find((candidate) => candidate.name === mount.name);
      if (volume === undefined) throw new Error(`mount ${mount.name} has no volume`);
      mounts.push([mount.mountPath, await materialise(volume, local, scratch)]);
    }
    const relocate = (text: string): string => mounts.reduce((result, [mountPath, dir]) => result.replaceAll(mountPath, dir), text);
    const [file, ...rest] = [...main.command, ...main.args].map(relocate);
    if (file === undefined) throw new Error(`CronJob ${cronJob.metadata.name} has no command`);
    const variables = Object.fromEntries(main.env.map((variable) => [variable.name, relocate(variable.value)]));
    return await run(file, rest, { env: { ...variables, ...env } });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
