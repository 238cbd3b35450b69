/**
 * The exec-probe fast path (DESIGN "The cryptoutil command"): `cryptoutil <service> livez|readyz`
 * reads only the keys a probe needs from the same sources as the full loader (defaults, each
 * `--config` file, `CRYPTOUTIL_*` environment, `file://` references) and makes one HTTPS GET.
 * No service definition, database or web framework is loaded, so a probe every few seconds stays cheap.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callAdmin } from './admin-client.ts';

/** The services of this build, as the registry names them (a test keeps both lists equal). */
export const PROBE_SERVICES: readonly string[] = ['sm-kms', 'identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa', 'jose-ja', 'pki-ca', 'learn-ps'];

const PROBE_PATHS: Readonly<Record<string, string | undefined>> = { livez: '/admin/v1/livez', readyz: '/admin/v1/readyz' };

/** What a probe reads from the configuration: where the admin listener is and which CA signed it. */
export interface ProbeConfig {
  readonly address: string;
  readonly port: number;
  readonly caFile: string;
  readonly mode: string;
  readonly dataDir: string;
}

/** The operator's admin listener when no flag moves it (operator/main.ts; a test keeps both equal). */
export const OPERATOR_PROBE_DEFAULTS = { port: 9190, dataDir: '/tmp/cryptoutil-operator' } as const;

/** A probe the fast path can answer: a known service (or the operator), livez or readyz, and only the flags a probe takes. */
export type ProbeCommand =
  | { readonly kind: 'service'; readonly path: string; readonly configFiles: readonly string[] }
  | { readonly kind: 'operator'; readonly path: string; readonly port: number; readonly dataDir: string };

/** Bad configuration: exit 2, like the full loader's UsageError. */
export class ProbeConfigError extends Error {}

/** Where one value came from, named as the full loader names it. */
interface Found {
  readonly raw: unknown;
  readonly source: string;
}

const DEFAULTS: Readonly<Record<keyof ProbeConfig, unknown>> = {
  address: '127.0.0.1',
  port: 9090,
  caFile: '',
  mode: 'auto',
  dataDir: '.cryptoutil',
};

const PATHS: Readonly<Record<keyof ProbeConfig, string>> = {
  address: 'admin.address',
  port: 'admin.port',
  caFile: 'tls.caFile',
  mode: 'tls.mode',
  dataDir: 'dataDir',
};

const MAX_PORT = 65_535;
const TLS_MODES: readonly string[] = ['auto', 'files'];

/**
 * The probe this argv asks for, or undefined when the full command line must handle it (help,
 * unknown flags, another action): the full parser then gives the usual answer and exit code.
 */
export function probeCommand(argv: readonly string[]): ProbeCommand | undefined {
  const [service = '', action = '', ...rest] = argv;
  const path = PROBE_PATHS[action];
  if (path === undefined) return undefined;
  try {
    if (service === 'operator') return operatorProbe(path, rest);
    if (!PROBE_SERVICES.includes(service)) return undefined;
    const { values } = parseArgs({ args: rest, options: { config: { type: 'string', multiple: true, short: 'c' } }, strict: true, allowPositionals: false });
    return { kind: 'service', path, configFiles: values.config ?? [] };
  } catch {
    return undefined;
  }
}

/** `operator livez|readyz [--data-dir D] [--admin-port N] [--kubeconfig F]`; a bad port is left to the full parser. */
function operatorProbe(path: string, args: readonly string[]): ProbeCommand | undefined {
  const options = { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' }, 'admin-port': { type: 'string' } } as const;
  const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  const port = values['admin-port'] ?? String(OPERATOR_PROBE_DEFAULTS.port);
  if (!/^\d{1,5}$/.test(port) || Number(port) > MAX_PORT) return undefined;
  return { kind: 'operator', path, port: Number(port), dataDir: values['data-dir'] ?? OPERATOR_PROBE_DEFAULTS.dataDir };
}

function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf of a YAML mapping by its dotted path; `admin: {port: 1}` and `admin.port: 1` both name admin.port. */
function leaves(node: unknown, prefix: string, into: Map<string, unknown>): Map<string, unknown> {
  if (!isMapping(node)) return into.set(prefix, node);
  for (const [name, child] of Object.entries(node)) leaves(child, prefix === '' ? name : `${prefix}.${name}`, into);
  return into;
}

async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProbeConfigError(`cannot read config file ${file}: ${reason(error)}`);
  }
  const { parse } = await import('yaml');
  try {
    return parse(text) as unknown;
  } catch (error) {
    const [summary = ''] = (error as Error).message.split('\n');
    throw new ProbeConfigError(`invalid YAML in config file ${file}: ${summary.replace(/:$/, '')}`);
  }
}

function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** `file:///abs/path` becomes the file's content without its trailing newline. */
function dereference(text: string, path: string, source: string): string {
  if (!text.startsWith('file://')) return text;
  let file: string;
  try {
    file = fileURLToPath(text);
  } catch {
    throw new ProbeConfigError(`invalid value for "${path}" from ${source}: a file reference must be file:///absolute/path`);
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ProbeConfigError(`cannot read ${file} referenced by "${path}" from ${source}: ${reason(error)}`);
  }
}

function asString(found: Found, path: string): string {
  if (typeof found.raw !== 'string') throw new ProbeConfigError(`invalid value for "${path}" from ${found.source}: must be a string`);
  return dereference(found.raw, path, found.source);
}

function asPort(found: Found, path: string): number {
  const text = typeof found.raw === 'string' ? dereference(found.raw, path, found.source) : found.raw;
  const port = typeof text === 'string' && /^[+-]?\d+$/.test(text) ? Number(text) : text;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new ProbeConfigError(`invalid value for "${path}" from ${found.source}: must be a port number (0-${String(MAX_PORT)})`);
  }
  return port;
}

/** The last source that sets each probe key: defaults, then each file in order, then the environment. */
async function effective(files: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Record<keyof ProbeConfig, Found>> {
  const found = Object.fromEntries(Object.entries(DEFAULTS).map(([name, raw]) => [name, { raw, source: 'default' }])) as Record<keyof ProbeConfig, Found>;
  const names = Object.keys(PATHS) as (keyof ProbeConfig)[];
  for (const file of files) {
    const values = leaves(await readDocument(file), '', new Map());
    for (const name of names) {
      const raw = values.get(PATHS[name]);
      if (raw !== undefined && raw !== null) found[name] = { raw, source: `config file ${file}` };
    }
  }
  for (const name of names) {
    const variable = `CRYPTOUTIL_${PATHS[name].replaceAll('.', '_').toUpperCase()}`;
    const raw = env[variable];
    if (raw !== undefined) found[name] = { raw, source: `environment ${variable}` };
  }
  return found;
}

/** The probe keys as the full loader would settle them; throws ProbeConfigError naming the key. */
export async function readProbeConfig(files: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<ProbeConfig> {
  const found = await effective(files, env);
  const mode = asString(found.mode, PATHS.mode);
  if (!TLS_MODES.includes(mode)) throw new ProbeConfigError(`invalid value for "${PATHS.mode}" from ${found.mode.source}: must be one of ${TLS_MODES.join(', ')}`);
  return {
    address: asString(found.address, PATHS.address),
    port: asPort(found.port, PATHS.port),
    caFile: asString(found.caFile, PATHS.caFile),
    mode,
    dataDir: asString(found.dataDir, PATHS.dataDir),
  };
}

/** The CA bundle a probe verifies the admin listener with, as trustedCa builds it. */
export function probeCa(config: ProbeConfig): string {
  const configured = config.caFile === '' ? '' : readPem('tls.caFile', config.caFile);
  const localFile = resolve(config.dataDir, 'tls', 'ca.crt');
  const local = config.mode === 'auto' && existsSync(localFile) ? readPem('the local CA', localFile) : '';
  return [configured, local].filter((pem) => pem !== '').map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}

function readPem(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProbeConfigError(`cannot read ${key} ${path}: ${reason(error)}`);
  }
}

/** Streams and environment of one probe run; the process supplies the real ones. */
export interface ProbeContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** One probe: 0 when the admin endpoint answers 200, 1 otherwise or unreachable, 2 on bad config. */
export async function runProbe(command: ProbeCommand, context: ProbeContext): Promise<number> {
  return command.kind === 'operator' ? operatorProbeRun(command, context) : serviceProbeRun(command, context);
}

/** The operator has no service config: its CA is the local one under its data directory. */
async function operatorProbeRun(command: Extract<ProbeCommand, { kind: 'operator' }>, context: ProbeContext): Promise<number> {
  try {
    const ca = readFileSync(resolve(command.dataDir, 'tls', 'ca.crt'), 'utf8');
    const answer = await callAdmin({ address: '127.0.0.1', port: command.port, ca }, 'GET', command.path);
    context.stdout(`${answer.body}\n`);
    return answer.status === 200 ? 0 : 1;
  } catch (error) {
    context.stderr(`cryptoutil: operator admin endpoint not reachable: ${(error as Error).message}\n`);
    return 1;
  }
}

async function serviceProbeRun(command: Extract<ProbeCommand, { kind: 'service' }>, context: ProbeContext): Promise<number> {
  let target: { address: string; port: number; ca: string };
  try {
    const config = await readProbeConfig(command.configFiles, context.env);
    target = { address: config.address, port: config.port, ca: probeCa(config) };
  } catch (error) {
    context.stderr(`cryptoutil: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const answer = await callAdmin(target, 'GET', command.path);
    context.stdout(`${answer.body}\n`);
    return answer.status === 200 ? 0 : 1;
  } catch (error) {
    context.stderr(`cryptoutil: admin endpoint not reachable: ${(error as Error).message}\n`);
    return 1;
  }
}
