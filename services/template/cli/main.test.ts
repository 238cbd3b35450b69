import { expect } from 'chai';
import { freePort } from '../testing/ports.ts';
import net from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { main, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliContext } from './main.ts';
import { notesService } from '../testing/notes-service/index.ts';
import { sealedNotesService } from '../testing/notes-service/sealed.ts';
import { version } from '../version.ts';
import { UsageError } from '../errors/index.ts';
import { newUnsealKey } from '../barrier/index.ts';
import type { ServiceDefinition } from '../service.ts';

interface Captured {
  context: CliContext;
  out: () => string;
  err: () => string;
  /** Delivers SIGTERM to whoever registered through onSignal. */
  signal: () => void;
}

function capture(services = [notesService]): Captured {
  let out = '';
  let err = '';
  let handler: ((signal: string) => void) | undefined;
  return {
    context: {
      services,
      env: {},
      stdout: (text) => { out += text; },
      stderr: (text) => { err += text; },
      onSignal: (registered) => {
        handler = registered;
        return () => { handler = undefined; };
      },
    },
    out: () => out,
    err: () => err,
    signal: () => { handler?.('SIGTERM'); },
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function configFile(extra = ''): Promise<{ file: string; publicPort: number; adminPort: number; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-cli-'));
  const publicPort = await freePort();
  const adminPort = await freePort();
  const file = join(dir, 'notes.yml');
  await writeFile(file, [
    `public: { port: ${publicPort} }`,
    `admin: { port: ${adminPort} }`,
    `dataDir: ${dir}`,
    `database: { url: "sqlite:${join(dir, 'notes.sqlite')}" }`,
    'log: { level: silent }',
    extra,
  ].join('\n'));
  return { file, publicPort, adminPort, dir };
}

describe('cryptoutil main: help, version and usage errors', () => {
  it('prints general help listing the services and the exit codes', async () => {
    const cli = capture();
    expect(await main(['--help'], cli.context)).to.equal(EXIT_OK);
    expect(cli.out()).to.include('cryptoutil up [--data-dir DIR]').and.include('notes').and.include('Exit codes: 0 success, 1 runtime failure, 2 bad usage');
    const empty = capture([]);
    await main([], empty.context);
    expect(empty.out()).to.include('(none in this build yet)');
  });

  it('prints help for up, for a service and for a service action with every config key', async () => {
    const up = capture();
    await main(['up', '--help'], up.context);
    expect(up.out()).to.include('credentials.json');
    const service = capture();
    await main(['notes', '--help'], service.context);
    expect(service.out()).to.include('Usage: cryptoutil notes <action>');
    const start = capture();
    expect(await main(['notes', 'start', '--help'], start.context)).to.equal(EXIT_OK);
    for (const key of ['public.port', 'admin.address', 'tls.mode', 'database.url', 'auth.issuer', 'rateLimit.redisUrl', 'CRYPTOUTIL_DATABASE_URL']) {
      expect(start.out()).to.include(key);
    }
  });

  it('shows each service\'s real default ports: start\'s admin.port and up\'s 9090 + row, and up --help documents its options', async () => {
    const kms: ServiceDefinition = { ...notesService, name: 'kms', publicPort: 8080, upAdminPort: 9090 };
    const pets: ServiceDefinition = { ...notesService, name: 'pets', publicPort: 8480, upAdminPort: 9098 };
    const general = capture([kms, pets]);
    await main(['--help'], general.context);
    expect(general.out()).to.include('(public port 8480, admin port 9090; under up 8480 and 9098)');
    const service = capture([kms, pets]);
    await main(['pets', '--help'], service.context);
    expect(service.out()).to.include('Default ports: public 8480 (public.port), admin 9090 (admin.port); under `cryptoutil up` 8480 and 9098.');
    const start = capture([kms, pets]);
    await main(['pets', 'start', '--help'], start.context);
    expect(start.out()).to.include('public.port (port, default 8480)').and.include('admin.port (port, default 9090)');
    const up = capture([kms, pets]);
    await main(['up', '--help'], up.context);
    expect(up.out()).to.include('Usage: cryptoutil up [--data-dir DIR] [--port-offset N] [--config F.yml]...')
      .and.include('--port-offset N').and.include('-c, --config F.yml').and.match(/kms\s+8080\s+9090\n\s+pets\s+8480\s+9098\n/);
    expect(up.out()).to.not.include('sign_in_url');
    const rp: ServiceDefinition = { ...notesService, name: 'rp', upSignInClient: () => Promise.reject(new Error('not called by help')) };
    const withRp = capture([kms, rp]);
    await main(['up', '--help'], withRp.context);
    expect(withRp.out()).to.include('credentials.json also has sign_in_url');
    const none = capture([]);
    await main(['up', '--help'], none.context);
    expect(none.out()).to.include('(no services in this build yet)');
  });

  it('prints the version', async () => {
    const cli = capture();
    expect(await main(['--version'], cli.context)).to.equal(EXIT_OK);
    expect(cli.out()).to.equal(`cryptoutil ${version}\n`);
  });

  it('exits 2 with a message for bad usage and bad configuration', async () => {
    const unknown = capture();
    expect(await main(['nope', 'start'], unknown.context)).to.equal(EXIT_USAGE);
    expect(unknown.err()).to.match(/^cryptoutil: unknown command or service "nope"/);
    const { file } = await configFile('publik: { port: 1 }');
    const badKey = capture();
    expect(await main(['notes', 'start', '--config', file], badKey.context)).to.equal(EXIT_USAGE);
    expect(badKey.err()).to.include('publik').and.include(file);
    const badAdmin = capture();
    badAdmin.context = { ...badAdmin.context, env: { CRYPTOUTIL_ADMIN_ADDRESS: '0.0.0.0' } };
    expect(await main(['notes', 'livez'], badAdmin.context)).to.equal(EXIT_USAGE);
    expect(badAdmin.err()).to.include('admin.address').and.include('CRYPTOUTIL_ADMIN_ADDRESS');
  });
});

describe('cryptoutil main: commands that are not services', () => {
  it('hands the arguments after the name to a command the composition root adds', async () => {
    const cli = capture();
    const seen: (readonly string[])[] = [];
    const context = { ...cli.context, commands: { tool: (args: readonly string[]) => { seen.push(args); return Promise.resolve(7); } } };
    expect(await main(['tool', 'run', '--x'], context)).to.equal(7);
    expect(seen).to.deep.equal([['run', '--x']]);
  });

  it('knows no operator of its own, and no command inherited from Object', async () => {
    for (const [argv, commands] of [[['operator', 'start'], undefined], [['constructor'], {}], [['toString', 'start'], { tool: () => Promise.resolve(0) }]] as const) {
      const cli = capture();
      expect(await main(argv, commands === undefined ? cli.context : { ...cli.context, commands }), argv.join(' ')).to.equal(EXIT_USAGE);
      expect(cli.err()).to.match(new RegExp(`^cryptoutil: unknown command or service "${argv[0]}"`, 'u'));
    }
  });

  it('turns a usage error of such a command into exit 2 like any other', async () => {
    const cli = capture();
    const context = { ...cli.context, commands: { tool: () => Promise.reject(new UsageError('tool needs an action')) } };
    expect(await main(['tool'], context)).to.equal(EXIT_USAGE);
    expect(cli.err()).to.equal('cryptoutil: tool needs an action\n');
  });
});

describe('cryptoutil main: running a service', () => {
  it('start serves until shutdown; livez and readyz exit 0 while it runs and 1 after', async () => {
    const { file } = await configFile();
    const server = capture();
    const running = main(['notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    const live = capture();
    expect(await main(['notes', 'livez', '--config', file], live.context)).to.equal(EXIT_OK);
    expect(JSON.parse(live.out())).to.deep.equal({ status: 'alive' });
    const ready = capture();
    expect(await main(['notes', 'readyz', '-c', file], ready.context)).to.equal(EXIT_OK);
    const stop = capture();
    expect(await main(['notes', 'shutdown', '--config', file], stop.context)).to.equal(EXIT_OK);
    expect(await running).to.equal(EXIT_OK);
    const after = capture();
    expect(await main(['notes', 'livez', '--config', file], after.context)).to.equal(EXIT_FAILURE);
    expect(after.err()).to.include('admin endpoint not reachable');
    const stopAgain = capture();
    expect(await main(['notes', 'shutdown', '--config', file], stopAgain.context)).to.equal(EXIT_FAILURE);
  });

  it('start drains and exits 0 on SIGTERM', async () => {
    const { file } = await configFile();
    const server = capture();
    const running = main(['notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    server.signal();
    expect(await running).to.equal(EXIT_OK);
  });

  it('start tells the process once that its service is ready, after the listening line', async () => {
    const { file } = await configFile();
    const server = capture();
    const seen: string[] = [];
    const running = main(['notes', 'start', '--config', file], { ...server.context, started: () => { seen.push(server.out()); } });
    await until(() => seen.length > 0);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include('listening on');
    server.signal();
    expect(await running).to.equal(EXIT_OK);
    expect(seen).to.have.length(1);
  });

  it('readyz exits 1 while a readiness check fails', async () => {
    const { file } = await configFile('auth: { issuer: "https://127.0.0.1:1" }');
    const server = capture();
    const running = main(['notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    const ready = capture();
    expect(await main(['notes', 'readyz', '--config', file], ready.context)).to.equal(EXIT_FAILURE);
    expect(JSON.parse(ready.out())).to.include({ status: 'not-ready' });
    server.signal();
    await running;
  });

  it('shutdown exits 1 when something other than the admin endpoint answers', async () => {
    const { file, publicPort } = await configFile();
    const server = capture();
    const running = main(['notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    const wrong = capture();
    wrong.context = { ...wrong.context, env: { CRYPTOUTIL_ADMIN_PORT: String(publicPort) } };
    expect(await main(['notes', 'shutdown', '--config', file], wrong.context)).to.equal(EXIT_FAILURE);
    server.signal();
    await running;
  });

  it('start exits 1 when its port is taken', async () => {
    const { file, publicPort } = await configFile();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(publicPort, '127.0.0.1', resolve));
    try {
      const cli = capture();
      expect(await main(['notes', 'start', '--config', file], cli.context)).to.equal(EXIT_FAILURE);
      expect(cli.err()).to.equal(`cryptoutil: notes: public port ${String(publicPort)} on 127.0.0.1 is already in use (EADDRINUSE); set public.port (or CRYPTOUTIL_PUBLIC_PORT) to move it\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('start exits 2 naming barrier.shares when a configured share is malformed', async () => {
    const { file } = await configFile('barrier: { shares: ["c2VjcmV0LXNoYXJl"] }');
    const cli = capture([sealedNotesService]);
    expect(await main(['sealed-notes', 'start', '--config', file], cli.context)).to.equal(EXIT_USAGE);
    expect(cli.err()).to.match(/^cryptoutil: barrier\.shares: share 1 /).and.not.include('c2VjcmV0LXNoYXJl');
  });

  it('migrate applies pending migrations once', async () => {
    const { file } = await configFile();
    const first = capture();
    expect(await main(['notes', 'migrate', '--config', file], first.context)).to.equal(EXIT_OK);
    expect(first.out()).to.equal('applied: 0001-create-notes\n');
    const second = capture();
    expect(await main(['notes', 'migrate', '--config', file], second.context)).to.equal(EXIT_OK);
    expect(second.out()).to.equal('database is up to date\n');
  });

  it('migrate with only CRYPTOUTIL_DATADIR set uses the database in that directory, not ./.cryptoutil', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-datadir-'));
    const cli = capture();
    expect(await main(['notes', 'migrate'], { ...cli.context, env: { CRYPTOUTIL_DATADIR: dataDir, CRYPTOUTIL_LOG_LEVEL: 'silent' } })).to.equal(EXIT_OK);
    expect(cli.out()).to.equal('applied: 0001-create-notes\n');
    const reopened = new DatabaseSync(join(dataDir, 'notes.sqlite'));
    expect(reopened.prepare("select count(*) as n from notes").get()).to.deep.equal({ n: 0 });
    reopened.close();
  });

  it('backup writes the database to a new file and restore fills an empty one from it; both refuse to overwrite (exit 2)', async () => {
    const source = await configFile();
    expect(await main(['notes', 'migrate', '--config', source.file], capture().context)).to.equal(EXIT_OK);
    const written = new DatabaseSync(join(source.dir, 'notes.sqlite'));
    written.prepare("insert into notes (id, title, body, created_at, updated_at) values ('n1', 'kept', 'b', '2026-01-01', '2026-01-01')").run();
    written.close();
    const file = join(source.dir, 'notes.backup');
    const backup = capture();
    expect(await main(['notes', 'backup', '--to', file, '--config', source.file], backup.context)).to.equal(EXIT_OK);
    expect(backup.out()).to.match(new RegExp(`^notes: sqlite backup written to ${file} \\(\\d+ bytes\\)\\n$`));
    const again = capture();
    expect(await main(['notes', 'backup', '--to', file, '--config', source.file], again.context)).to.equal(EXIT_USAGE);
    expect(again.err()).to.equal(`cryptoutil: --to ${file} exists; a backup never overwrites a file\n`);
    const target = await configFile();
    const restore = capture();
    expect(await main(['notes', 'restore', '--from', file, '--config', target.file], restore.context)).to.equal(EXIT_OK);
    expect(restore.out()).to.equal(`notes: database restored from ${file}; start the service and unseal it with the shares it had\n`);
    const restored = new DatabaseSync(join(target.dir, 'notes.sqlite'));
    expect(restored.prepare('select id, title from notes').all()).to.deep.equal([{ id: 'n1', title: 'kept' }]);
    restored.close();
    const twice = capture();
    expect(await main(['notes', 'restore', '--from', file, '--config', target.file], twice.context)).to.equal(EXIT_USAGE);
    expect(twice.err()).to.match(/is not empty: restore only fills an empty database/);
  });

  it('backup and restore need their file, and say so; --help explains each', async () => {
    for (const [args, message] of [
      [['notes', 'backup'], 'cryptoutil: --to FILE is required: where to write the backup (it must not exist yet)\n'],
      [['notes', 'restore'], 'cryptoutil: --from FILE is required: the backup to restore, as written by backup\n'],
      [['notes', 'restore', '--from', ''], 'cryptoutil: --from FILE is required: the backup to restore, as written by backup\n'],
      [['notes', 'backup', '--to', 'f', 'extra'], 'cryptoutil: unexpected argument "extra" for notes backup\n'],
    ] as const) {
      const cli = capture();
      expect(await main(args, cli.context), args.join(' ')).to.equal(EXIT_USAGE);
      expect(cli.err()).to.equal(message);
    }
    const backupHelp = capture();
    expect(await main(['notes', 'backup', '--help'], backupHelp.context)).to.equal(EXIT_OK);
    expect(backupHelp.out()).to.match(/^Usage: cryptoutil notes backup --to FILE \[--config F\.yml\]\.\.\./);
    const restoreHelp = capture();
    expect(await main(['notes', 'restore', '-h'], restoreHelp.context)).to.equal(EXIT_OK);
    expect(restoreHelp.out()).to.match(/^Usage: cryptoutil notes restore --from FILE/);
  });

  it('reports a thrown non-Error value as a runtime failure', async () => {
    const thrown: unknown = 'plain failure';
    const odd: ServiceDefinition = { ...notesService, name: 'odd', setup: () => { throw thrown; } };
    const cli = capture([odd]);
    const { file } = await configFile();
    expect(await main(['odd', 'start', '--config', file], cli.context)).to.equal(EXIT_FAILURE);
    expect(cli.err()).to.equal('cryptoutil: plain failure\n');
  });

  it('reports a failing setup as a runtime failure', async () => {
    const broken: ServiceDefinition = { ...notesService, name: 'broken', setup: () => { throw Object.assign(new Error('setup failed'), {}); } };
    const cli = capture([broken]);
    const { file } = await configFile();
    expect(await main(['broken', 'start', '--config', file], cli.context)).to.equal(EXIT_FAILURE);
    expect(cli.err()).to.equal('cryptoutil: setup failed\n');
  });
});

describe('cryptoutil main: the admin token on shutdown and unseal (issue 13 point 11)', () => {
  it('shutdown sends dataDir/admin.token; a wrong token exits 1 and the service keeps running', async () => {
    const { file, dir } = await configFile();
    const server = capture();
    const running = main(['notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    const tokenFile = join(dir, 'admin.token');
    const token = await readFile(tokenFile, 'utf8');
    await writeFile(tokenFile, 'not-the-token-of-this-service-0123456789\n');
    const refused = capture();
    expect(await main(['notes', 'shutdown', '--config', file], refused.context)).to.equal(EXIT_FAILURE);
    expect(refused.err()).to.include('answered 401');
    const live = capture();
    expect(await main(['notes', 'livez', '--config', file], live.context)).to.equal(EXIT_OK);
    await writeFile(tokenFile, token);
    const stop = capture();
    expect(await main(['notes', 'shutdown', '--config', file], stop.context)).to.equal(EXIT_OK);
    expect(JSON.parse(stop.out())).to.deep.equal({ status: 'shutting-down' });
    expect(await running).to.equal(EXIT_OK);
  });

  it('shutdown and unseal exit 2 with a message when there is no admin token file', async () => {
    const { file, dir } = await configFile();
    const shutdown = capture();
    expect(await main(['notes', 'shutdown', '--config', file], shutdown.context)).to.equal(EXIT_USAGE);
    expect(shutdown.err()).to.equal(`cryptoutil: no admin token in ${join(dir, 'admin.token')}: start the service with this dataDir first, or set admin.token\n`);
    const { shares } = await newUnsealKey(3, 3);
    const shareFile = join(dir, 'share');
    await writeFile(shareFile, `${String(shares[0])}\n`);
    const unseal = capture([sealedNotesService]);
    expect(await main(['sealed-notes', 'unseal', '--share-file', shareFile, '--config', file], unseal.context)).to.equal(EXIT_USAGE);
    expect(unseal.err()).to.include('no admin token in');
  });

  it('unseal --share-file sends one share at a time with the admin token, and the service turns ready', async () => {
    const { shares, keyCheck } = await newUnsealKey(5, 3);
    const { file, dir } = await configFile(`barrier: { threshold: 3, keyCheck: "${keyCheck}" }`);
    const files = await Promise.all(shares.slice(0, 3).map(async (share, index) => {
      const shareFile = join(dir, `share-${String(index + 1)}`);
      await writeFile(shareFile, `${share}\n`, { mode: 0o600 });
      return shareFile;
    }));
    const server = capture([sealedNotesService]);
    const running = main(['sealed-notes', 'start', '--config', file], server.context);
    await until(() => server.out().includes('listening on'));
    try {
      const answers = [];
      for (const shareFile of files) {
        const cli = capture([sealedNotesService]);
        expect(await main(['sealed-notes', 'unseal', '--share-file', shareFile, '--config', file], cli.context)).to.equal(EXIT_OK);
        answers.push(JSON.parse(cli.out()) as unknown);
      }
      expect(answers).to.deep.equal([
        { sealed: true, threshold: 3, progress: 1, needed: 2 },
        { sealed: true, threshold: 3, progress: 2, needed: 1 },
        { sealed: false, threshold: 3, progress: 0 },
      ]);
      const ready = capture([sealedNotesService]);
      expect(await main(['sealed-notes', 'readyz', '--config', file], ready.context)).to.equal(EXIT_OK);
    } finally {
      server.signal();
      await running;
    }
  });

  it('unseal refuses bad usage with exit 2: no --share-file, an unreadable or malformed file, a service without a barrier', async () => {
    const { file, dir } = await configFile();
    const cases: [string[], RegExp][] = [
      [['sealed-notes', 'unseal', '--config', file], /--share-file F is required/],
      [['sealed-notes', 'unseal', '--share-file', '', '--config', file], /--share-file F is required/],
      [['sealed-notes', 'unseal', '--share-file', join(dir, 'missing'), '--config', file], /cannot read --share-file .*missing/],
      [['sealed-notes', 'unseal', '--share-file', file, '--config', file], /--share-file .*notes\.yml: the share is not base64url/],
      [['sealed-notes', 'unseal', 'extra', '--share-file', file], /unexpected argument "extra"/],
      [['sealed-notes', 'unseal', '--shares', '3'], /Unknown option '--shares'/],
      [['notes', 'unseal', '--share-file', file], /notes has no barrier/],
    ];
    for (const [argv, message] of cases) {
      const cli = capture([notesService, sealedNotesService]);
      expect(await main(argv, cli.context), argv.join(' ')).to.equal(EXIT_USAGE);
      expect(cli.err(), argv.join(' ')).to.match(message);
    }
    const help = capture([sealedNotesService]);
    expect(await main(['sealed-notes', 'unseal', '--help'], help.context)).to.equal(EXIT_OK);
    expect(help.out()).to.include('Usage: cryptoutil sealed-notes unseal --share-file F').and.include('admin token');
    const serviceHelp = capture([sealedNotesService]);
    await main(['sealed-notes', '--help'], serviceHelp.context);
    expect(serviceHelp.out()).to.match(/\n {2}unseal {6}send one unseal share/);
    await rm(dir, { recursive: true, force: true });
  });
});
