/**
 * What the backup and restore end-to-end tests share: a service started from its configuration as
 * a real process, `cryptoutil <service> backup` while it runs, `restore` into the empty database of
 * a new configuration, the backup as text to search for secrets, the end of every process and
 * scratch database a test made, whatever happened, and sm-kms's configuration, calls and unseal.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import type { TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { run, serviceFiles, sourceCli, start, type Running, type ServiceFiles } from './processes.ts';

const runTool = promisify(execFile);

export const ENGINES = ['SQLite', 'PostgreSQL'] as const;
export type Engine = (typeof ENGINES)[number];

/** One service process started from `files`. */
export interface Launched {
  readonly service: string;
  readonly files: ServiceFiles;
  readonly process: Running;
  /** The local CA to call it with. */
  readonly ca: string;
  /** Its public base URL. */
  readonly url: string;
  /** SIGTERM, and a clean exit expected. */
  stop(): Promise<void>;
}

/** One test's processes and scratch databases; `dispose` ends them all. */
export class Stage {
  readonly engine: Engine;
  readonly #processes: Running[] = [];
  readonly #databases: Scratch[] = [];

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** A new empty PostgreSQL database, or (SQLite) nothing: the service's file in its directory. */
  async database(): Promise<{ databaseUrl?: string }> {
    if (this.engine === 'SQLite') return {};
    const database = await createPostgresDatabase();
    this.#databases.push(database);
    return { databaseUrl: database.url };
  }

  /** `cryptoutil <service> start` on `files`, resolved once it listens (configured shares have unsealed it by then). */
  async launch(service: string, files: ServiceFiles): Promise<Launched> {
    const process = start(sourceCli, [service, 'start', '--config', files.configFile]);
    this.#processes.push(process);
    await process.waitFor('listening on');
    return {
      service,
      files,
      process,
      ca: files.ca(),
      url: `https://127.0.0.1:${String(files.publicPort)}`,
      async stop() {
        process.child.kill('SIGTERM');
        expect((await process.finished).code, process.stderr()).to.equal(0);
      },
    };
  }

  async dispose(): Promise<void> {
    for (const process of this.#processes) process.child.kill('SIGKILL');
    await Promise.all(this.#processes.map((process) => process.finished));
    for (const database of this.#databases) await database.drop();
  }
}

/** `cryptoutil <service> backup` of a running instance, into its directory; the backup's path. */
export async function backUp(instance: Launched): Promise<string> {
  const file = join(instance.files.dir, `${instance.service}.backup`);
  const backup = await run(sourceCli, [instance.service, 'backup', '--to', file, '--config', instance.files.configFile]);
  expect(backup.code, backup.stderr).to.equal(0);
  return file;
}

/** `cryptoutil <service> restore` into the database of `files`, before any instance has started on it. */
export async function restore(service: string, file: string, files: ServiceFiles): Promise<void> {
  const restored = await run(sourceCli, [service, 'restore', '--from', file, '--config', files.configFile]);
  expect(restored.code, restored.stderr).to.equal(0);
}

/**
 * What a reader of the backup sees: a SQLite backup's bytes as they are, a pg_dump archive (whose
 * table data is compressed) as the SQL script pg_restore makes of it.
 */
export async function readableBackup(file: string, engine: Engine): Promise<string> {
  if (engine === 'SQLite') return (await readFile(file)).toString('latin1');
  const { stdout } = await runTool('pg_restore', ['--file=-', file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The backup holds each of `present` (so the search can find a value) and none of `secrets`. */
export async function expectNoSecretIn(file: string, engine: Engine, present: readonly string[], secrets: readonly string[]): Promise<void> {
  const text = await readableBackup(file, engine);
  for (const value of present) expect(text.includes(value), `${value} is in the backup`).to.equal(true);
  for (const secret of secrets) expect(text.includes(secret), 'a secret is readable in the backup').to.equal(false);
}

/** The scopes the sm-kms backup tests' token carries. */
export const KMS_SCOPES = ['kms:admin', 'kms:encrypt', 'kms:decrypt'];

/** An sm-kms configuration trusting `issuer`, its barrier under `keyCheck` (so it starts sealed). */
export function kmsFiles(issuer: TestIssuer, keyCheck: string, database: { databaseUrl?: string }): Promise<ServiceFiles> {
  return serviceFiles('sm-kms', {
    issuerCa: issuer.ca, issuerUrl: issuer.url, ...database,
    extra: () => [`barrier: { threshold: 3, keyCheck: "${keyCheck}" }`],
  });
}

/** A call to the instance's `/service/api/v1` with `token`. */
export function apiCall(instance: Launched, token: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  return httpsCall(instance.ca, method, `${instance.url}/service/api/v1${path}`, { token, ...options });
}

/** Unseals the instance share by share through its admin listener. */
export async function unseal(instance: Launched, shares: readonly string[]): Promise<void> {
  for (const share of shares) {
    const answer = await httpsCall(instance.ca, 'POST', `https://127.0.0.1:${String(instance.files.adminPort)}/admin/v1/unseal`, {
      body: { share }, token: await readAdminToken({ dataDir: instance.files.dir }),
    });
    expect(answer.status, answer.text).to.equal(200);
  }
}
