/**
 * sm-kms end to end: `cryptoutil sm-kms init` splits an unseal key, `cryptoutil sm-kms start` runs
 * sealed until shares arrive through the admin endpoint, keys made before a restart still decrypt
 * and verify after it when a different subset of shares unseals, and shares of another key are
 * refused without harm. The JWS is checked with `jose` used independently of the service.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';
import { run, serviceFiles, sourceCli, start, type Running, type ServiceFiles } from './processes.ts';
import { decodeShare, shareIndex } from '../../services/template/barrier/shares.ts';

interface InitOutput {
  readonly shares: readonly string[];
  readonly threshold: number;
  readonly keyCheck: string;
}

const SCOPES = ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:verify'];

/** Where one sm-kms lives: its configuration (sealed at start: no shares) and its two base URLs. */
async function layout(issuer: TestIssuer, keyCheck: string): Promise<ServiceFiles & { readonly api: string; readonly admin: string }> {
  // The key check value init printed: the barrier initializes and unseals only under that key.
  const files = await serviceFiles('sm-kms', { issuerCa: issuer.ca, issuerUrl: issuer.url, extra: () => [`barrier: { threshold: 3, keyCheck: "${keyCheck}" }`] });
  return { ...files, api: `https://127.0.0.1:${String(files.publicPort)}/service/api/v1`, admin: `https://127.0.0.1:${String(files.adminPort)}/admin/v1` };
}

async function init(): Promise<InitOutput> {
  const answer = await run(sourceCli, ['sm-kms', 'init', '--shares', '5', '--threshold', '3', '--json']);
  expect(answer.code, answer.stderr).to.equal(0);
  return JSON.parse(answer.stdout) as InitOutput;
}

describe('sm-kms as a process (e2e)', function () {
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:sm-kms', scopes: SCOPES });
  });
  after(async () => { await issuer.close(); });

  it('sealed → unsealed → restart → sealed → unsealed with other shares: data intact; foreign shares refused', async () => {
    const { shares, threshold, keyCheck } = await init();
    expect(shares).to.have.length(5);
    expect(threshold).to.equal(3);
    expect(keyCheck).to.match(/^kcv1:[A-Za-z0-9_-]{43}$/);
    const foreign = await init();
    const where = await layout(issuer, keyCheck);
    // The local CA exists once the first start has created it.
    let ca = '';
    const call = (method: string, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> =>
      httpsCall(ca, method, url, { token, ...options });
    // The admin token is the one the running process wrote to its dataDir (a new one at each start).
    const unseal = async (share: string | undefined): Promise<HttpAnswer> =>
      httpsCall(ca, 'POST', `${where.admin}/unseal`, { body: { share }, token: await readAdminToken({ dataDir: where.dir }) });
    const launch = async (): Promise<Running> => {
      const process = start(sourceCli, ['sm-kms', 'start', '--config', where.configFile]);
      await process.waitFor('listening on');
      return process;
    };
    const stop = async (process: Running): Promise<void> => {
      process.child.kill('SIGTERM');
      expect((await process.finished).code).to.equal(0);
    };

    let process = await launch();
    ca = where.ca();
    try {
      const sealedReady = await run(sourceCli, ['sm-kms', 'readyz', '--config', where.configFile]);
      expect(sealedReady.code).to.equal(1);
      expect((await call('GET', `${where.api}/elastickeys`)).status).to.equal(503);

      // The first unseal of the empty database: a share of another key mixed in is refused.
      await unseal(shares[0]);
      await unseal(shares[1]);
      // A share of another key at an x coordinate not yet given (one at a given coordinate is refused
      // as a conflict and keeps the progress: barrier.test.ts); the indices are random, so pick one.
      const indexOf = (share: string | undefined): number => shareIndex(decodeShare(share ?? ''));
      const taken = [indexOf(shares[0]), indexOf(shares[1])];
      const poisoned = await unseal(foreign.shares.find((share) => !taken.includes(indexOf(share))));
      expect(poisoned.status).to.equal(400);
      expect((await httpsCall(ca, 'GET', `${where.admin}/seal-status`)).json).to.deep.include({ sealed: true, progress: 0 });

      expect((await unseal(shares[0])).json).to.deep.include({ sealed: true, progress: 1, needed: 2 });
      expect((await unseal(shares[1])).json).to.deep.include({ sealed: true, progress: 2, needed: 1 });
      expect((await unseal(shares[2])).json).to.deep.include({ sealed: false });
      const ready = await run(sourceCli, ['sm-kms', 'readyz', '--config', where.configFile]);
      expect(ready.code, ready.stdout).to.equal(0);

      const encKey = await call('POST', `${where.api}/elastickeys`, { body: { name: 'orders', algorithm: 'A256GCM/A256KW' } });
      expect(encKey.status, encKey.text).to.equal(201);
      const encUrl = `${where.api}/elastickeys/${(encKey.json as { id: string }).id}`;
      const jwe = await call('POST', `${encUrl}/encrypt?context=order-7`, { body: 'card 4111', headers: { 'content-type': 'application/octet-stream' } });
      expect(jwe.status, jwe.text).to.equal(200);
      const sigKey = await call('POST', `${where.api}/elastickeys`, { body: { name: 'receipts', algorithm: 'ES256' } });
      const sigUrl = `${where.api}/elastickeys/${(sigKey.json as { id: string }).id}`;
      const jws = await call('POST', `${sigUrl}/sign`, { body: 'receipt 7', headers: { 'content-type': 'application/octet-stream' } });
      expect(jws.status, jws.text).to.equal(200);

      await stop(process);
      process = await launch();
      expect((await call('POST', `${encUrl}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } })).status).to.equal(503);

      // Shares of another unseal key: refused, progress reset, still sealed, nothing overwritten.
      await unseal(foreign.shares[0]);
      await unseal(foreign.shares[1]);
      const refused = await unseal(foreign.shares[2]);
      expect(refused.status).to.equal(400);
      expect(refused.headers['content-type']).to.match(/application\/problem\+json/);
      expect((await httpsCall(ca, 'GET', `${where.admin}/seal-status`)).json).to.deep.include({ sealed: true, progress: 0 });

      // Each keeper sends a share with the CLI, which finds the admin token through the same config.
      for (const [index, share] of [shares[4], shares[1], shares[3]].entries()) {
        const shareFile = join(where.dir, `share-${String(index)}`);
        await writeFile(shareFile, `${String(share)}\n`, { mode: 0o600 });
        const sent = await run(sourceCli, ['sm-kms', 'unseal', '--share-file', shareFile, '--config', where.configFile]);
        expect(sent.code, sent.stderr).to.equal(0);
      }
      const decrypted = await call('POST', `${encUrl}/decrypt?context=order-7`, { body: jwe.text, headers: { 'content-type': 'application/jose' } });
      expect(decrypted.status, decrypted.text).to.equal(200);
      expect(decrypted.text).to.equal('card 4111');
      const verified = await call('POST', `${sigUrl}/verify`, { body: jws.text, headers: { 'content-type': 'application/jose' } });
      expect(verified.status).to.equal(204);

      const material = await call('GET', `${sigUrl}/materialkeys`);
      const [first] = (material.json as { items: { publicJwk: JWK }[] }).items;
      if (first === undefined) throw new Error('the signing key has a material key');
      const independent = await compactVerify(jws.text, await importJWK(first.publicJwk, 'ES256'));
      expect(new TextDecoder().decode(independent.payload)).to.equal('receipt 7');
      await stop(process);
    } finally {
      process.child.kill('SIGKILL');
    }
  });
});
