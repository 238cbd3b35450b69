/**
 * The template end to end: a template-built service as a real process, configured by YAML,
 * environment and file:// secrets, over real TLS with real tokens, drained by signals and by the
 * admin endpoint, on SQLite and on PostgreSQL.
 */
import { expect } from 'chai';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { createPostgresDatabase } from '../../services/template/testing/databases.ts';
import { notesCli, run, serviceFiles, start, type Running } from './processes.ts';

interface Setup {
  readonly dir: string;
  readonly configFile: string;
  readonly publicUrl: string;
  readonly adminPort: number;
  ca(): string;
}

async function setup(issuer: TestIssuer, databaseUrl?: string): Promise<Setup> {
  const files = await serviceFiles('notes', {
    issuerCa: issuer.ca,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    extra: (dir) => [`hash: { pepper: "file://${join(dir, 'pepper')}" }`],
  });
  const pepper = join(files.dir, 'pepper');
  await writeFile(pepper, 'a-secret-pepper-value\n');
  await chmod(pepper, 0o600);
  return {
    dir: files.dir,
    configFile: files.configFile,
    publicUrl: `https://127.0.0.1:${String(files.publicPort)}`,
    adminPort: files.adminPort,
    ca: files.ca,
  };
}

describe('template service as a process (e2e)', function () {
  let issuer: TestIssuer;
  before(async () => { issuer = await createTestIssuer(); });
  after(async () => { await issuer.close(); });

  const token = (scopes: string[]) => issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:notes', scopes });

  it('starts from YAML + environment, serves real tokens over TLS 1.3, probes answer, SIGTERM drains and exits 0', async () => {
    const s = await setup(issuer);
    const server = start(notesCli, ['notes', 'start', '--config', s.configFile], { CRYPTOUTIL_AUTH_ISSUER: issuer.url });
    try {
      await server.waitFor('listening on');
      const write = await token(['notes:write', 'notes:read']);
      const created = await httpsCall(s.ca(), 'POST', `${s.publicUrl}/service/api/v1/notes`, { token: write, body: { title: 'e2e', body: 'hello' } });
      expect(created.status).to.equal(201);
      const id = (created.json as { id: string }).id;
      expect((await httpsCall(s.ca(), 'GET', `${s.publicUrl}/service/api/v1/notes/${id}`, { token: write })).json).to.include({ title: 'e2e' });

      const live = await run(notesCli, ['notes', 'livez', '--config', s.configFile], { CRYPTOUTIL_AUTH_ISSUER: issuer.url });
      expect(live.code).to.equal(0);
      const ready = await run(notesCli, ['notes', 'readyz', '--config', s.configFile], { CRYPTOUTIL_AUTH_ISSUER: issuer.url });
      expect(ready.code, ready.stdout + ready.stderr).to.equal(0);

      const slow = httpsCall(s.ca(), 'GET', `${s.publicUrl}/service/api/v1/slow?ms=800`, { token: write });
      await server.waitFor('slow request arrived');
      server.child.kill('SIGTERM');
      const answered = await slow;
      expect(answered.status).to.equal(200);
      const finished = await server.finished;
      expect(finished.code).to.equal(0);
      const gone = await run(notesCli, ['notes', 'livez', '--config', s.configFile]);
      expect(gone.code).to.equal(1);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('cryptoutil <service> shutdown drains the running process, which exits 0', async () => {
    const s = await setup(issuer);
    const server = start(notesCli, ['notes', 'start', '--config', s.configFile]);
    try {
      await server.waitFor('listening on');
      const stop = await run(notesCli, ['notes', 'shutdown', '--config', s.configFile]);
      expect(stop.code).to.equal(0);
      expect(JSON.parse(stop.stdout)).to.deep.equal({ status: 'shutting-down' });
      expect((await server.finished).code).to.equal(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses bad configuration with exit 2 naming the key and its source', async () => {
    const s = await setup(issuer);
    const badEnv = await run(notesCli, ['notes', 'start', '--config', s.configFile], { CRYPTOUTIL_PUBLIC_PORT: 'eighty' });
    expect(badEnv.code).to.equal(2);
    expect(badEnv.stderr).to.include('public.port').and.include('CRYPTOUTIL_PUBLIC_PORT');
    const nonLoopback = await run(notesCli, ['notes', 'start', '--config', s.configFile], { CRYPTOUTIL_ADMIN_ADDRESS: '0.0.0.0' });
    expect(nonLoopback.code).to.equal(2);
    expect(nonLoopback.stderr).to.include('admin.address');
    const unknownFile = join(s.dir, 'bad.yml');
    await writeFile(unknownFile, 'databse: { url: "sqlite::memory:" }\n');
    const typo = await run(notesCli, ['notes', 'start', '--config', s.configFile, '--config', unknownFile]);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.include('databse').and.include(unknownFile);
    const missingSecret = await run(notesCli, ['notes', 'start', '--config', s.configFile], { CRYPTOUTIL_HASH_PEPPER: `file://${join(s.dir, 'absent')}` });
    expect(missingSecret.code).to.equal(2);
    expect(missingSecret.stderr).to.include('hash.pepper');
  });

  it('runs on PostgreSQL: migrate as its own step, then two processes share one database', async () => {
    const database = await createPostgresDatabase();
    const first = await setup(issuer, database.url);
    const second = await setup(issuer, database.url);
    const env = { CRYPTOUTIL_AUTH_ISSUER: issuer.url };
    const migrated = await run(notesCli, ['notes', 'migrate', '--config', first.configFile]);
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stdout).to.equal('applied: 0001-create-notes\n');
    const a = start(notesCli, ['notes', 'start', '--config', first.configFile], env);
    const b = start(notesCli, ['notes', 'start', '--config', second.configFile], env);
    const servers: Running[] = [a, b];
    try {
      await a.waitFor('listening on');
      await b.waitFor('listening on');
      const write = await token(['notes:write', 'notes:read']);
      const created = await httpsCall(first.ca(), 'POST', `${first.publicUrl}/service/api/v1/notes`, { token: write, body: { title: 'shared', body: 'pg' } });
      expect(created.status).to.equal(201);
      const id = (created.json as { id: string }).id;
      const seen = await httpsCall(second.ca(), 'GET', `${second.publicUrl}/service/api/v1/notes/${id}`, { token: write });
      expect(seen.status).to.equal(200);
      for (const server of servers) server.child.kill('SIGTERM');
      for (const server of servers) expect((await server.finished).code).to.equal(0);
    } finally {
      for (const server of servers) server.child.kill('SIGKILL');
      await database.drop();
    }
  });
});
