/**
 * An sm-kms process for the backup end-to-end tests: started from source on its own configuration
 * (SQLite in its directory, or the PostgreSQL database given), called over HTTPS with one access
 * token, unsealed share by share through its admin listener, stopped with SIGTERM.
 */
import { expect } from 'chai';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';
import type { TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { serviceFiles, sourceCli, start, type Running, type ServiceFiles } from './processes.ts';

export const KMS_SCOPES = ['kms:admin', 'kms:encrypt', 'kms:decrypt'];

export interface KmsInstance {
  readonly files: ServiceFiles;
  readonly process: Running;
  readonly ca: string;
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<HttpAnswer>;
  unseal(shares: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** The configuration of an sm-kms that trusts `issuer` and opens its barrier under `keyCheck`. */
export function kmsFiles(issuer: TestIssuer, keyCheck: string, databaseUrl?: string): Promise<ServiceFiles> {
  return serviceFiles('sm-kms', {
    issuerCa: issuer.ca, issuerUrl: issuer.url, ...(databaseUrl === undefined ? {} : { databaseUrl }),
    extra: () => [`barrier: { threshold: 3, keyCheck: "${keyCheck}" }`],
  });
}

/** Starts sm-kms and resolves once it listens; `token` authorises every `call`. */
export async function launchKms(issuer: TestIssuer, token: string, keyCheck: string, databaseUrl?: string): Promise<KmsInstance> {
  const files = await kmsFiles(issuer, keyCheck, databaseUrl);
  const process = start(sourceCli, ['sm-kms', 'start', '--config', files.configFile]);
  await process.waitFor('listening on');
  const ca = files.ca();
  const api = `https://127.0.0.1:${String(files.publicPort)}/service/api/v1`;
  const admin = `https://127.0.0.1:${String(files.adminPort)}/admin/v1`;
  return {
    files,
    process,
    ca,
    call: (method, path, options = {}) => httpsCall(ca, method, `${api}${path}`, { token, ...options }),
    async unseal(shares) {
      for (const share of shares) {
        const answer = await httpsCall(ca, 'POST', `${admin}/unseal`, { body: { share }, token: await readAdminToken({ dataDir: files.dir }) });
        expect(answer.status, answer.text).to.equal(200);
      }
    },
    async stop() {
      process.child.kill('SIGTERM');
      expect((await process.finished).code).to.equal(0);
    },
  };
}
