import { expect } from 'chai';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT_ID, startSuite, type Credentials } from './up.ts';
import { upSecret } from './up-secrets.ts';
import { notesService } from '../testing/notes-service/index.ts';
import type { ServiceDefinition, UpSignInClient, UpSuite } from '../service.ts';
import { UsageError } from '../errors/index.ts';

const quiet = { CRYPTOUTIL_LOG_LEVEL: 'silent' };

describe('cryptoutil up with an authorization server in the suite', () => {
  it('points every service at it, gives it its own configuration and writes its client to credentials.json', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-up-issuer-'));
    const suites: UpSuite[] = [];
    const issuer: ServiceDefinition = {
      ...notesService,
      name: 'issuer-notes',
      issuesTokens: true,
      hash: true,
      upConfig: (suite) => { suites.push(suite); return Promise.resolve({ auth: { clockSkewSeconds: 7 } }); },
    };
    const first = await startSuite({ dataDir, services: [issuer, notesService], env: quiet, stdout: () => undefined });
    let firstSecret: string;
    try {
      const credentials = JSON.parse(await readFile(first.credentialsFile, 'utf8')) as Credentials;
      expect(credentials).to.include({ issuer: 'https://127.0.0.1:0', token_endpoint: 'https://127.0.0.1:0/token', client_id: DEMO_CLIENT_ID });
      firstSecret = String(credentials.client_secret);
      expect(firstSecret).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(await suites[0]?.secret(DEMO_CLIENT_ID)).to.equal(firstSecret);
      expect(suites[0]?.publicUrl('notes')).to.equal('https://127.0.0.1:0');
      expect(() => suites[0]?.publicUrl('elsewhere')).to.throw('not part of this suite');
      expect((await stat(join(dataDir, 'secrets', 'issuer-notes.pepper'))).mode & 0o777).to.equal(0o600);
      expect((await stat(join(dataDir, 'secrets'))).mode & 0o777).to.equal(0o700);
    } finally {
      await first.stop();
    }
    const second = await startSuite({ dataDir, services: [issuer, notesService], env: quiet, stdout: () => undefined });
    try {
      const credentials = JSON.parse(await readFile(second.credentialsFile, 'utf8')) as Credentials;
      expect(credentials.client_secret).to.equal(firstSecret);
    } finally {
      await second.stop();
    }
  });

  it('hands the issuer the sign-in clients of the suite\'s services, their secrets kept in DIR/secrets/ (0600) across runs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-up-signin-'));
    const seen: (readonly UpSignInClient[])[] = [];
    const issuer: ServiceDefinition = {
      ...notesService,
      name: 'issuer-notes',
      issuesTokens: true,
      upConfig: async (suite) => { seen.push(await suite.signInClients()); return {}; },
    };
    const signingIn: ServiceDefinition = {
      ...notesService,
      upSignInClient: async (suite) => ({
        id: 'notes-rp', secret: await suite.secret('notes-rp.client-secret'), redirectUris: [`${suite.publicUrl('notes')}/bff/callback`],
        postLogoutRedirectUris: [], openidScopes: ['openid'], resourceScopes: {},
      }),
    };
    for (let run = 0; run < 2; run += 1) {
      const suite = await startSuite({ dataDir, services: [issuer, signingIn], env: quiet, stdout: () => undefined });
      await suite.stop();
    }
    const kept = (await readFile(join(dataDir, 'secrets', 'notes-rp.client-secret'), 'utf8')).trim();
    expect((await stat(join(dataDir, 'secrets', 'notes-rp.client-secret'))).mode & 0o777).to.equal(0o600);
    expect(seen).to.have.length(2);
    for (const clients of seen) {
      expect(clients).to.deep.equal([{ id: 'notes-rp', secret: kept, redirectUris: ['https://127.0.0.1:0/bff/callback'], postLogoutRedirectUris: [], openidScopes: ['openid'], resourceScopes: {} }]);
    }
  });

  it('keeps a secret across calls, refuses bad names and damaged files', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-up-secret-'));
    const secret = await upSecret(dataDir, 'demo');
    expect(await upSecret(dataDir, 'demo')).to.equal(secret);
    let bad: unknown;
    try { await upSecret(dataDir, '../escape'); } catch (error) { bad = error; }
    expect(String(bad)).to.include('not a secret name');
    await writeFile(join(dataDir, 'secrets', 'broken'), 'tiny\n');
    let damaged: unknown;
    try { await upSecret(dataDir, 'broken'); } catch (error) { damaged = error; }
    expect(damaged).to.be.instanceOf(UsageError);
    expect(String(damaged)).to.not.include('tiny');
  });
});
