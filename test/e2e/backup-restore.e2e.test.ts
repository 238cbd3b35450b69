/**
 * Backup and restore of sm-kms end to end, on SQLite and PostgreSQL: an unsealed sm-kms encrypts,
 * `cryptoutil sm-kms backup` copies its database while it runs, `restore` fills an empty database
 * from the copy, and a new sm-kms on it, unsealed with another subset of the same shares, decrypts
 * what the first one encrypted. The backup holds no plaintext and no share.
 */
import { expect } from 'chai';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import type { HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { run, sourceCli } from './processes.ts';
import { apiCall, backUp, ENGINES, expectNoSecretIn, KMS_SCOPES, kmsFiles, restore, Stage, unseal, type Launched } from './backup-restore.ts';

describe('backup and restore of sm-kms (e2e)', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:sm-kms', scopes: KMS_SCOPES });
  });
  after(async () => { await issuer.close(); });

  const call = (instance: Launched, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> =>
    apiCall(instance, token, method, path, options);

  for (const engine of ENGINES) {
    it(`on ${engine}: what the first instance encrypted, the restored one decrypts after an unseal with other shares`, async () => {
      const init = await run(sourceCli, ['sm-kms', 'init', '--shares', '5', '--threshold', '3', '--json']);
      const { shares, keyCheck } = JSON.parse(init.stdout) as { shares: string[]; keyCheck: string };
      const stage = new Stage(engine);
      try {
        const first = await stage.launch('sm-kms', await kmsFiles(issuer, keyCheck, await stage.database()));
        await unseal(first, shares.slice(0, 3));
        const key = await call(first, 'POST', '/elastickeys', { body: { name: 'orders', algorithm: 'A256GCM/A256KW' } });
        expect(key.status, key.text).to.equal(201);
        const keyPath = `/elastickeys/${(key.json as { id: string }).id}`;
        const jwe = await call(first, 'POST', `${keyPath}/encrypt?context=order-7`, { body: 'card 4111', headers: { 'content-type': 'application/octet-stream' } });
        expect(jwe.status, jwe.text).to.equal(200);

        const file = await backUp(first);
        await expectNoSecretIn(file, engine, ['orders'], ['card 4111', ...shares]);
        await first.stop();

        // A new instance's configuration, an empty database: restore before it ever starts.
        const target = await kmsFiles(issuer, keyCheck, await stage.database());
        await restore('sm-kms', file, target);
        const second = await stage.launch('sm-kms', target);
        const decrypt = (): Promise<HttpAnswer> => call(second, 'POST', `${keyPath}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } });
        expect((await decrypt()).status, 'sealed').to.equal(503);
        await unseal(second, [shares[4] ?? '', shares[3] ?? '', shares[1] ?? '']);
        const decrypted = await decrypt();
        expect(decrypted.status, decrypted.text).to.equal(200);
        expect(decrypted.text).to.equal('card 4111');
        await second.stop();
      } finally {
        await stage.dispose();
      }
    });
  }
});
