/**
 * A private PostgreSQL 15 cluster in a temporary folder, for tests that stop and start the server
 * under a running service. It never touches the shared server on 5432: its own data directory, a
 * free loopback port, its unix socket inside the folder and trust authentication.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../services/template/testing/ports.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 binaries; initdb and pg_ctl refuse to run as root. */
const BIN = '/usr/lib/postgresql/15/bin';
const OWNER = 'postgres';

export interface PostgresCluster {
  /** `postgres://postgres:trust@127.0.0.1:<port>/postgres`; the password is ignored (trust). */
  readonly url: string;
  readonly port: number;
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: open sessions are terminated (57P01), new ones refused. */
  stop(): Promise<void>;
  /** Creates an empty database owned by `postgres` (the server must run); returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server if it runs and removes the folder. */
  destroy(): Promise<void>;
}

async function asOwner(command: string, args: readonly string[]): Promise<void> {
  const self = process.getuid?.() ?? 0;
  if (self === 0) {
    await run('runuser', ['-u', OWNER, '--', join(BIN, command), ...args]);
  } else {
    await run(join(BIN, command), [...args]);
  }
}

/** Creates (initdb) a cluster in a new temporary folder; call start() to run it. */
export async function createPostgresCluster(): Promise<PostgresCluster> {
  const root = await mkdtemp(join(tmpdir(), 'cryptoutil-pg-'));
  if ((process.getuid?.() ?? 0) === 0) {
    const { stdout } = await run('id', ['-u', OWNER]);
    const { stdout: group } = await run('id', ['-g', OWNER]);
    await chown(root, Number(stdout.trim()), Number(group.trim()));
  }
  await chmod(root, 0o700);
  const data = join(root, 'data');
  const port = await freePort();
  await asOwner('initdb', ['-D', data, '-U', OWNER, '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-p ${String(port)}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${root}'`,
    '-c fsync=off',
    '-c max_connections=50',
  ].join(' ');
  let running = false;
  const cluster: PostgresCluster = {
    url: `postgres://${OWNER}:trust@127.0.0.1:${String(port)}/postgres`,
    port,
    async start() {
      await asOwner('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(root, 'server.log'), '-o', options]);
      running = true;
    },
    async stop() {
      await asOwner('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
      running = false;
    },
    async createDatabase(name) {
      await asOwner('createdb', ['-h', root, '-p', String(port), '-U', OWNER, name]);
      return `postgres://${OWNER}:trust@127.0.0.1:${String(port)}/${name}`;
    },
    async destroy() {
      if (running) await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
