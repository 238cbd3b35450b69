/**
 * Backup and restore end to end, on SQLite and PostgreSQL: an unsealed sm-kms encrypts, `cryptoutil
 * sm-kms backup` copies its database while it runs, `restore` fills an empty database from the
 * copy, and a new sm-kms on it, unsealed with another subset of the same shares, decrypts what the
 * first one encrypted. The backup holds no plaintext and no share.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import { KMS_SCOPES, kmsFiles, launchKms, type KmsInstance } from './kms-instance.ts';
import { run, sourceCli } from './processes.ts';

describe('backup and restore of sm-kms (e2e)', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:sm-kms', scopes: KMS_SCOPES });
  });
  after(async () => { await issuer.close(); });

  const launch = (keyCheck: string, databaseUrl?: string): Promise<KmsInstance> => launchKms(issuer, token, keyCheck, databaseUrl);

  for (const engine of ['SQLite', 'PostgreSQL'] as const) {
    it(`on ${engine}: what the first instance encrypted, the restored one decrypts after an unseal with other shares`, async () => {
      const init = await run(sourceCli, ['sm-kms', 'init', '--shares', '5', '--threshold', '3', '--json']);
      const { shares, keyCheck } = JSON.parse(init.stdout) as { shares: string[]; keyCheck: string };
      const databases: Scratch[] = engine === 'PostgreSQL' ? [await createPostgresDatabase(), await createPostgresDatabase()] : [];
      const first = await launch(keyCheck, databases[0]?.url);
      let second: KmsInstance | undefined;
      try {
        await first.unseal(shares.slice(0, 3));
        const key = await first.call('POST', '/elastickeys', { body: { name: 'orders', algorithm: 'A256GCM/A256KW' } });
        expect(key.status, key.text).to.equal(201);
        const keyPath = `/elastickeys/${(key.json as { id: string }).id}`;
        const jwe = await first.call('POST', `${keyPath}/encrypt?context=order-7`, { body: 'card 4111', headers: { 'content-type': 'application/octet-stream' } });
        expect(jwe.status, jwe.text).to.equal(200);

        // While it runs.
        const file = join(first.files.dir, 'sm-kms.backup');
        const backup = await run(sourceCli, ['sm-kms', 'backup', '--to', file, '--config', first.files.configFile]);
        expect(backup.code, backup.stderr).to.equal(0);
        const held = await readFile(file);
        for (const secret of ['card 4111', ...shares]) expect(held.includes(Buffer.from(secret)), 'nothing readable in the backup').to.equal(false);
        await first.stop();

        // A new instance's configuration, an empty database: restore before it ever starts.
        const target = await kmsFiles(issuer, keyCheck, databases[1]?.url);
        const restore = await run(sourceCli, ['sm-kms', 'restore', '--from', file, '--config', target.configFile]);
        expect(restore.code, restore.stderr).to.equal(0);
        second = await launch(keyCheck, databases[1]?.url ?? `sqlite:${join(target.dir, 'sm-kms.sqlite')}`);
        expect((await second.call('POST', `${keyPath}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } })).status, 'sealed').to.equal(503);
        await second.unseal([shares[4] ?? '', shares[3] ?? '', shares[1] ?? '']);
        const decrypted = await second.call('POST', `${keyPath}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } });
        expect(decrypted.status, decrypted.text).to.equal(200);
        expect(decrypted.text).to.equal('card 4111');
        await second.stop();
        second = undefined;
      } finally {
        first.process.child.kill('SIGKILL');
        second?.process.child.kill('SIGKILL');
        for (const database of databases) await database.drop();
      }
    });
  }
});
