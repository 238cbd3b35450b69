/**
 * The backup CronJob the chart renders for a KmsInstance, run for real: its container's command runs
 * here with the system's pg_dump, the database Secret volume holding the URL of a scratch PostgreSQL
 * database that a running, unsealed sm-kms has written a key into, the backups claim a directory.
 * `cryptoutil sm-kms restore` takes the archive it wrote into a second empty database, and a new
 * sm-kms on that one, unsealed with other shares, decrypts what the first encrypted.
 */
import { expect } from 'chai';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { cronJobs, render, runLocally, target } from '../kube-sim/chart-jobs.ts';
import { apiCall, expectNoSecretIn, KMS_SCOPES, kmsFiles, restore, Stage, unseal } from './backup-restore.ts';
import { run, sourceCli } from './processes.ts';

/** PATH with the newest local PostgreSQL's bin directory first, for machines without the client wrappers. */
async function pathWithPostgres(): Promise<string> {
  const versions = await readdir('/usr/lib/postgresql').catch(() => []);
  const newest = versions.map(Number).filter(Number.isInteger).sort((a, b) => b - a)[0];
  const path = process.env.PATH ?? '';
  return newest === undefined ? path : `/usr/lib/postgresql/${newest.toString()}/bin:${path}`;
}

describe('the chart\'s backup CronJob, run with the real pg_dump, restores into a working sm-kms (e2e)', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:sm-kms', scopes: KMS_SCOPES });
  });
  after(async () => { await issuer.close(); });

  it('what sm-kms encrypted before the CronJob ran, an sm-kms restored from the CronJob\'s archive decrypts', async () => {
    const [cronJob] = cronJobs((await render('backup.enabled=true', 'backup.keep=3', ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }))).manifests);
    if (cronJob === undefined) throw new Error('the chart rendered no CronJob');
    const init = await run(sourceCli, ['sm-kms', 'init', '--shares', '5', '--threshold', '3', '--json']);
    const { shares, keyCheck } = JSON.parse(init.stdout) as { shares: string[]; keyCheck: string };
    const stage = new Stage('PostgreSQL');
    const claim = await mkdtemp(join(tmpdir(), 'cryptoutil-backups-claim-'));
    try {
      const source = await stage.database();
      const first = await stage.launch('sm-kms', await kmsFiles(issuer, keyCheck, source));
      await unseal(first, shares.slice(0, 3));
      const key = await apiCall(first, token, 'POST', '/elastickeys', { body: { name: 'orders', algorithm: 'A256GCM/A256KW' } });
      expect(key.status, key.text).to.equal(201);
      const keyPath = `/elastickeys/${(key.json as { id: string }).id}`;
      const jwe = await apiCall(first, token, 'POST', `${keyPath}/encrypt?context=order-7`, { body: 'card 4111', headers: { 'content-type': 'application/octet-stream' } });
      expect(jwe.status, jwe.text).to.equal(200);

      // While the service runs, as the CronJob would find it.
      const job = await runLocally(cronJob, { secrets: { 'vault-sm-kms-postgres': { url: source.databaseUrl ?? '' } }, claims: { 'cryptoutil-backups': claim } }, { PATH: await pathWithPostgres() });
      expect(job.code, job.stderr).to.equal(0);
      const archives = await readdir(join(claim, 'vault-sm-kms'));
      expect(archives).to.have.length(1);
      const archive = join(claim, 'vault-sm-kms', archives[0] ?? '');
      expect((await readFile(archive)).subarray(0, 5).toString('latin1')).to.equal('PGDMP');
      await expectNoSecretIn(archive, 'PostgreSQL', ['orders'], ['card 4111', ...shares]);
      await first.stop();

      const config = await kmsFiles(issuer, keyCheck, await stage.database());
      await restore('sm-kms', archive, config);
      const second = await stage.launch('sm-kms', config);
      await unseal(second, [shares[4] ?? '', shares[3] ?? '', shares[1] ?? '']);
      const decrypted = await apiCall(second, token, 'POST', `${keyPath}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } });
      expect(decrypted.status, decrypted.text).to.equal(200);
      expect(decrypted.text).to.equal('card 4111');
      await second.stop();
    } finally {
      await stage.dispose();
      await rm(claim, { recursive: true, force: true });
    }
  });
});
