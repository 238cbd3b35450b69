/**
 * Real `cryptoutil`-shaped processes for end-to-end tests: spawn, wait for a line, signal, and
 * collect the exit code and output.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trustedCa } from '../../services/template/tls/index.ts';
import { freePort, freePortOffset } from '../../services/template/testing/ports.ts';
import { services } from '../../services/registry.ts';

export const notesCli = fileURLToPath(new URL('../../services/template/testing/notes-cli.ts', import.meta.url));
export const sourceCli = fileURLToPath(new URL('../../services/cli.ts', import.meta.url));
export const builtCli = fileURLToPath(new URL('../../dist/services/cli.js', import.meta.url));

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text`; rejects if the process exits first or time runs out. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  readonly finished: Promise<Finished>;
}

/** Starts `node <script> ...args` with the given environment added to this one. */
export function start(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Running {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const finished = new Promise<Finished>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let the last chunks of output arrive.
      setImmediate(() => { resolve({ code, signal, stdout: out, stderr: err }); });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    finished,
    async waitFor(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before printing "${text}": ${err}${out}`);
        if (Date.now() > deadline) throw new Error(`"${text}" not printed within ${timeoutMs} ms: ${err}${out}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/**
 * `cryptoutil up` with every port moved by an offset at which all of the suite's ports are free,
 * so that a developer's `npm start` on the fixed ports is left alone. Resolves once it has started.
 */
export async function startUp(script: string, dataDir: string, args: readonly string[] = []): Promise<Running> {
  const offset = await freePortOffset(services.flatMap((service) => [service.publicPort, service.upAdminPort]));
  return start(script, ['up', '--data-dir', dataDir, '--port-offset', String(offset), ...args]);
}

/** Runs a command to completion. */
export function run(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Finished> {
  return start(script, args, env).finished;
}

/** A scratch directory holding one service's configuration, as its e2e tests start it. */
export interface ServiceFiles {
  readonly dir: string;
  readonly configFile: string;
  readonly publicPort: number;
  readonly adminPort: number;
  /** The local CA the service creates under `dir` at its first start, to call it with. */
  readonly ca: () => string;
}

export interface ServiceFilesOptions {
  /** PEM of the token issuer's CA, trusted through `tls.caFile`; left out when the issuer is a service trusting the same local CA. */
  readonly issuerCa?: string;
  /** `auth.issuer`; left out when the test sets it another way. */
  readonly issuerUrl?: string;
  /** SQLite in `dir` unless given. */
  readonly databaseUrl?: string;
  /** `auth.issuer` is the service's own public URL instead (identity-authz takes its own tokens). */
  readonly ownIssuer?: boolean;
  /** More YAML lines (one top-level key each), given the directory they may refer to. */
  readonly extra?: (dir: string) => readonly string[];
  /** `log.level`; warn unless given (a test reading info lines asks for info). */
  readonly logLevel?: 'info' | 'warn';
  /** A directory shared with other services, which then share its local CA as under `cryptoutil up`; a new one unless given. */
  readonly dir?: string;
  /** The ports of an earlier instance, for one that takes its place at the same URLs; free ones unless given. */
  readonly ports?: Pick<ServiceFiles, 'publicPort' | 'adminPort'>;
}

/** Loopback ports, the issuer's CA, a database and a log level (warn by default), written as `<service>.yml`. */
export async function serviceFiles(service: string, options: ServiceFilesOptions): Promise<ServiceFiles> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), `cryptoutil-${service}-e2e-`));
  const publicPort = options.ports?.publicPort ?? await freePort();
  const adminPort = options.ports?.adminPort ?? await freePort();
  const issuerCa = join(dir, 'issuer-ca.pem');
  if (options.issuerCa !== undefined) await writeFile(issuerCa, options.issuerCa);
  const configFile = join(dir, `${service}.yml`);
  await writeFile(configFile, [
    `public: { port: ${String(publicPort)} }`,
    `admin: { port: ${String(adminPort)} }`,
    `dataDir: ${dir}`,
    `database: { url: "${options.databaseUrl ?? `sqlite:${join(dir, `${service}.sqlite`)}`}" }`,
    ...(options.ownIssuer === true ? [`auth: { issuer: "https://127.0.0.1:${String(publicPort)}" }`] : []),
    ...(options.issuerUrl === undefined ? [] : [`auth: { issuer: "${options.issuerUrl}" }`]),
    ...(options.issuerCa === undefined ? [] : [`tls: { caFile: ${issuerCa} }`]),
    ...(options.extra?.(dir) ?? []),
    `log: { level: ${options.logLevel ?? 'warn'} }`,
  ].join('\n'));
  return {
    dir,
    configFile,
    publicPort,
    adminPort,
    ca: () => trustedCa({ dataDir: dir, tls: { mode: 'auto', caFile: '', certFile: '', keyFile: '', names: [] } }),
  };
}
