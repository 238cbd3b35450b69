import { expect } from 'chai';
import net from 'node:net';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { runUp, startSuite, type Credentials } from './up.ts';
import { main, EXIT_FAILURE, EXIT_OK } from './main.ts';
import { notesService } from '../testing/notes-service/index.ts';
import { httpsCall } from '../testing/service-harness.ts';
import type { ServiceDefinition } from '../service.ts';
import { sealedNotesService } from '../testing/notes-service/sealed.ts';
import { UsageError } from '../errors/index.ts';

/** Two loopback ports free right now and different from each other (held open together while chosen). */
async function distinctFreePorts(): Promise<[number, number]> {
  const servers = [net.createServer(), net.createServer()];
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return [Number(ports[0]), Number(ports[1])];
}

const quiet = { CRYPTOUTIL_LOG_LEVEL: 'silent' };

interface RunningUp {
  /** Everything `up` printed so far. */
  output(): string;
  /** Sends Ctrl-C; resolves with the exit code. */
  interrupt(): Promise<number>;
  /** True once `up` has removed its signal handler. */
  released(): boolean;
}

/** Runs `up` until it waits for Ctrl-C (the suite is ready and the table printed). */
async function upUntilReady(dataDir: string, services: readonly ServiceDefinition[]): Promise<RunningUp> {
  let out = '';
  let signal: (() => void) | undefined;
  const running = runUp({
    dataDir,
    services,
    env: quiet,
    stdout: (text) => { out += text; },
    onSignal: (handler) => {
      signal = () => { handler('SIGINT'); };
      return () => { signal = undefined; };
    },
  });
  while (signal === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  const send = signal;
  return {
    output: () => out,
    interrupt: () => { send(); return running; },
    released: () => signal === undefined,
  };
}

async function freshDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'cryptoutil-up-')), 'data');
}

describe('cryptoutil up', () => {
  it('creates the data directory, local CA and credentials.json (0600), and serves each service', async () => {
    const dataDir = await freshDir();
    let out = '';
    const suite = await startSuite({ dataDir, services: [notesService], env: quiet, stdout: (text) => { out += text; } });
    try {
      expect(out).to.equal('[1/1] starting notes ... ready\n');
      expect((await stat(dataDir)).mode & 0o777).to.equal(0o700);
      const credentials = JSON.parse(await readFile(suite.credentialsFile, 'utf8')) as Credentials;
      expect((await stat(suite.credentialsFile)).mode & 0o777).to.equal(0o600);
      expect(credentials.ca_file).to.equal(join(dataDir, 'tls', 'ca.crt'));
      const [running] = suite.services;
      expect(credentials.services.notes).to.deep.equal({ url: running?.publicUrl, admin_url: running?.adminUrl });
      expect(Object.keys(credentials)).to.deep.equal(['issuer', 'token_endpoint', 'client_id', 'client_secret', 'ca_file', 'services']);
      const ca = await readFile(credentials.ca_file, 'utf8');
      const live = await httpsCall(ca, 'GET', `${String(running?.adminUrl)}/admin/v1/livez`);
      expect(live.status).to.equal(200);
    } finally {
      await suite.stop();
    }
  });

  it('adds what a service contributes (upCredentials) to credentials.json', async () => {
    const dataDir = await freshDir();
    const contributing: ServiceDefinition = { ...notesService, upCredentials: async (suite) => ({ admin: { username: 'admin', password: await suite.secret('notes-admin') } }) };
    const suite = await startSuite({ dataDir, services: [contributing], env: quiet, stdout: () => undefined });
    try {
      const credentials = JSON.parse(await readFile(suite.credentialsFile, 'utf8')) as Credentials;
      const password = (await readFile(join(dataDir, 'secrets', 'notes-admin'), 'utf8')).trim();
      expect(credentials.admin).to.deep.equal({ username: 'admin', password });
      expect(Object.keys(credentials)).to.deep.equal(['issuer', 'token_endpoint', 'client_id', 'client_secret', 'ca_file', 'services', 'admin']);
    } finally {
      await suite.stop();
    }
  });

  it('moves every public and admin port by --port-offset, in credentials.json, the table and the issuer', async () => {
    const dataDir = await freshDir();
    const [publicPort, adminPort] = await distinctFreePorts();
    // Defined 10 ports lower: the offset puts them on the two free ports.
    const moved: ServiceDefinition = { ...notesService, name: 'moved', issuesTokens: true, publicPort: publicPort - 10, upAdminPort: adminPort - 10 };
    let out = '';
    let signal: (() => void) | undefined;
    const running = runUp({
      dataDir, services: [moved], portOffset: 10, env: quiet,
      stdout: (text) => { out += text; },
      onSignal: (handler) => { signal = () => { handler('SIGINT'); }; return () => undefined; },
    });
    const failed = running.then(() => new Error('up returned before Ctrl-C'), (error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    while (signal === undefined) {
      const early = await Promise.race([failed, new Promise<undefined>((resolve) => { setTimeout(() => { resolve(undefined); }, 20); })]);
      if (early !== undefined) throw early;
    }
    try {
      const credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
      const url = `https://127.0.0.1:${String(publicPort)}`;
      expect(credentials).to.include({ issuer: url, token_endpoint: `${url}/token` });
      expect(credentials.services).to.deep.equal({ moved: { url, admin_url: `https://127.0.0.1:${String(adminPort)}` } });
      expect(out).to.match(new RegExp(`moved\\s+${url}\\s+https://127\\.0\\.0\\.1:${String(adminPort)}`));
      const ca = await readFile(credentials.ca_file, 'utf8');
      expect((await httpsCall(ca, 'GET', `https://127.0.0.1:${String(adminPort)}/admin/v1/livez`)).status).to.equal(200);
    } finally {
      signal();
      expect(await running).to.equal(0);
    }
  });

  it('reuses the data directory on the next run: same CA, same data', async () => {
    const dataDir = await freshDir();
    // No CRYPTOUTIL_LOG_LEVEL: up quiets the services to warnings on its own.
    const first = await startSuite({ dataDir, services: [notesService], env: {}, stdout: () => undefined });
    await first.stop();
    const caBefore = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const file = new DatabaseSync(join(dataDir, 'notes.sqlite'));
    file.prepare('insert into notes (id, title, body, created_at, updated_at) values (?, ?, ?, ?, ?)').run('0190b7e0-0000-7000-8000-000000000001', 'kept', 'across runs', Date.now(), Date.now());
    file.close();
    const second = await startSuite({ dataDir, services: [notesService], env: quiet, stdout: () => undefined });
    await second.stop();
    expect(await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8')).to.equal(caBefore);
    const reopened = new DatabaseSync(join(dataDir, 'notes.sqlite'));
    expect(reopened.prepare('select title from notes').all()).to.deep.equal([{ title: 'kept' }]);
    reopened.close();
  });

  it('stops the services it started when a later one fails, and says which failed', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as net.AddressInfo).port;
    const second: ServiceDefinition = { ...notesService, name: 'second', publicPort: takenPort };
    let out = '';
    try {
      let failure: unknown;
      try {
        await startSuite({ dataDir: await freshDir(), services: [notesService, second], env: quiet, stdout: (text) => { out += text; } });
      } catch (error) {
        failure = error;
      }
      expect((failure as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      expect((failure as Error).message).to.equal(`second: public port ${String(takenPort)} on 127.0.0.1 is already in use (EADDRINUSE); is another suite running? run cryptoutil up --port-offset N (e.g. 1000) to move every port by N`);
      expect(out).to.equal('[1/2] starting notes ... ready\n[2/2] starting second ... failed\n');
    } finally {
      blocker.close();
    }
  });

  it('passes on a start failure that is not a taken port unchanged', async () => {
    const broken: ServiceDefinition = { ...notesService, name: 'broken', setup: () => { throw new Error('broken setup'); } };
    let failure: unknown;
    try {
      await startSuite({ dataDir: await freshDir(), services: [broken], env: quiet, stdout: () => undefined });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error).and.not.be.instanceOf(UsageError);
    expect((failure as Error).message).to.equal('broken setup');
  });

  it('prints the URL table, waits for Ctrl-C, then stops cleanly', async () => {
    const up = await upUntilReady(await freshDir(), [notesService]);
    expect(up.output()).to.match(/service\s+public URL\s+admin URL/).and.match(/notes\s+https:\/\/127\.0\.0\.1:\d+\s+https:\/\/127\.0\.0\.1:\d+/);
    expect(up.output()).to.include('Press Ctrl-C to stop.').and.include('credentials.json');
    expect(await up.interrupt()).to.equal(0);
    expect(up.output()).to.match(/stopping \.\.\.\nstopped\n$/);
    expect(up.released()).to.equal(true);
  });

  it('runs through the command line, with no services as well', async () => {
    let out = '';
    let signal: (() => void) | undefined;
    const startedAfter: string[] = [];
    const context = {
      services: [],
      env: quiet,
      stdout: (text: string) => { out += text; },
      stderr: () => undefined,
      onSignal: (handler: (name: string) => void) => {
        signal = () => { handler('SIGTERM'); };
        return () => undefined;
      },
      started: () => { startedAfter.push(out); },
    };
    const running = main(['up', '--data-dir', await freshDir()], context);
    while (signal === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out).to.include('no services in this build yet');
    // The process hears of a ready suite once, after the table and the Ctrl-C line.
    expect(startedAfter).to.have.length(1);
    expect(startedAfter[0]).to.include('Press Ctrl-C to stop.');
    signal();
    expect(await running).to.equal(EXIT_OK);
    const blockedDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-up-')), 'file');
    await writeFile(blockedDir, 'not a directory');
    expect(await main(['up', '--data-dir', join(blockedDir, 'below')], { ...context, onSignal: () => () => undefined })).to.equal(EXIT_FAILURE);
  });

  it('keeps the unseal shares of barrier services in DIR/unseal (0600) so the suite starts unsealed, and reuses them', async () => {
    const dataDir = await freshDir();
    const first = await startSuite({ dataDir, services: [notesService, sealedNotesService], env: quiet, stdout: () => undefined });
    const file = join(dataDir, 'unseal', 'sealed-notes.json');
    let created: string;
    try {
      created = await readFile(file, 'utf8');
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect((await stat(join(dataDir, 'unseal'))).mode & 0o777).to.equal(0o700);
      expect(created).to.match(/^\{"shares":\["[A-Za-z0-9_-]{44}"(,"[A-Za-z0-9_-]{44}"){4}\],"threshold":3,"keyCheck":"kcv1:[A-Za-z0-9_-]{43}"\}\n$/);
      const ca = await readFile(first.caFile, 'utf8');
      const sealed = first.services.find((service) => service.name === 'sealed-notes');
      expect((await httpsCall(ca, 'GET', `${String(sealed?.adminUrl)}/admin/v1/readyz`)).status).to.equal(200);
    } finally {
      await first.stop();
    }
    const second = await startSuite({ dataDir, services: [sealedNotesService], env: quiet, stdout: () => undefined });
    try {
      expect(await readFile(file, 'utf8')).to.equal(created);
      const ca = await readFile(second.caFile, 'utf8');
      expect((await httpsCall(ca, 'GET', `${String(second.services[0]?.adminUrl)}/admin/v1/seal-status`)).json).to.include({ sealed: false });
    } finally {
      await second.stop();
    }
  });

  it('keeps a shares file from before key check values working: the key check is computed from its shares', async () => {
    const dataDir = await freshDir();
    const first = await startSuite({ dataDir, services: [sealedNotesService], env: quiet, stdout: () => undefined });
    await first.stop();
    const file = join(dataDir, 'unseal', 'sealed-notes.json');
    const { shares, threshold } = JSON.parse(await readFile(file, 'utf8')) as { shares: string[]; threshold: number };
    const old = `${JSON.stringify({ shares, threshold })}\n`;
    await writeFile(file, old);
    const second = await startSuite({ dataDir, services: [sealedNotesService], env: quiet, stdout: () => undefined });
    try {
      const ca = await readFile(second.caFile, 'utf8');
      expect((await httpsCall(ca, 'GET', `${String(second.services[0]?.adminUrl)}/admin/v1/seal-status`)).json).to.include({ sealed: false });
      expect(await readFile(file, 'utf8')).to.equal(old);
    } finally {
      await second.stop();
    }
  });

  it('refuses a damaged shares file instead of replacing it, without quoting it', async () => {
    const dataDir = await freshDir();
    const first = await startSuite({ dataDir, services: [sealedNotesService], env: quiet, stdout: () => undefined });
    await first.stop();
    const file = join(dataDir, 'unseal', 'sealed-notes.json');
    for (const damaged of ['{"shares":["secret-share"]', '{"shares":["a","b"],"threshold":3}', '{"shares":[1,2,3],"threshold":2}', 'null',
      '{"shares":["secret-share","b"],"threshold":2}', `{"shares":["${'A'.repeat(44)}","${'B'.repeat(44)}"],"threshold":2,"keyCheck":5}`]) {
      await writeFile(file, damaged);
      let failure: unknown;
      try {
        const suite = await startSuite({ dataDir, services: [sealedNotesService], env: quiet, stdout: () => undefined });
        await suite.stop();
      } catch (error) {
        failure = error;
      }
      expect(failure, damaged).to.be.instanceOf(UsageError);
      expect((failure as Error).message).to.include(file).and.not.include('secret-share');
      expect(await readFile(file, 'utf8')).to.equal(damaged);
    }
  });

  it('says where the shares are kept and that this is a development convenience', async () => {
    const dataDir = await freshDir();
    const up = await upUntilReady(dataDir, [sealedNotesService]);
    expect(await up.interrupt()).to.equal(0);
    const out = up.output();
    const lines = out.split('\n').filter((line) => line.includes('unseal'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include(join(dataDir, 'unseal')).and.include('development convenience').and.include('production keeps them apart');
  });

  it('keeps one admin token per service in DIR/admin/<service>.token (0600), reused by the next run, which the CLI reads through admin.token', async () => {
    const dataDir = await freshDir();
    const first = await startSuite({ dataDir, services: [notesService, sealedNotesService], env: quiet, stdout: () => undefined });
    const files = ['notes', 'sealed-notes'].map((name) => join(dataDir, 'admin', `${name}.token`));
    let tokens: string[];
    try {
      tokens = await Promise.all(files.map((file) => readFile(file, 'utf8')));
      for (const file of files) expect((await stat(file)).mode & 0o777, file).to.equal(0o600);
      expect((await stat(join(dataDir, 'admin'))).mode & 0o777).to.equal(0o700);
      for (const token of tokens) expect(token).to.match(/^[A-Za-z0-9_-]{43}\n$/);
      expect(tokens[0]).to.not.equal(tokens[1]);
      // The services share DIR as dataDir, so none writes DIR/admin.token: each has its own.
      await stat(join(dataDir, 'admin.token')).then(() => { throw new Error('DIR/admin.token exists'); }, (error: unknown) => { expect((error as NodeJS.ErrnoException).code).to.equal('ENOENT'); });
      const ca = await readFile(first.caFile, 'utf8');
      const sealed = first.services.find((service) => service.name === 'sealed-notes');
      const sealUrl = `${String(sealed?.adminUrl)}/admin/v1/seal`;
      expect((await httpsCall(ca, 'POST', sealUrl, { token: String(tokens[0]).trim() })).status).to.equal(401);
      expect((await httpsCall(ca, 'POST', sealUrl, { token: String(tokens[1]).trim() })).status).to.equal(200);
    } finally {
      await first.stop();
    }
    const second = await startSuite({ dataDir, services: [notesService, sealedNotesService], env: quiet, stdout: () => undefined });
    try {
      expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).to.deep.equal(tokens);
      const notes = second.services.find((service) => service.name === 'notes');
      const config = join(dataDir, 'notes-cli.yml');
      await writeFile(config, `admin: { port: ${new URL(String(notes?.adminUrl)).port}, token: "file://${String(files[0])}" }\ndataDir: ${dataDir}\nlog: { level: silent }\n`);
      let out = '';
      const context = { services: [notesService], env: {}, stdout: (text: string) => { out += text; }, stderr: () => undefined, onSignal: () => () => undefined };
      expect(await main(['notes', 'shutdown', '--config', config], context)).to.equal(EXIT_OK);
      expect(out).to.include('shutting-down');
      await notes?.stopped;
    } finally {
      await second.stop();
    }
  });

  it('says where the admin tokens are kept', async () => {
    const dataDir = await freshDir();
    const up = await upUntilReady(dataDir, [notesService]);
    expect(await up.interrupt()).to.equal(0);
    expect(up.output()).to.match(new RegExp(`admin tokens +${join(dataDir, 'admin').replaceAll('/', '\\/')} \\(one per service`));
  });
});
