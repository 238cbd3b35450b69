/**
 * Starts learn-ps in process the way production does (real TLS, the test issuer over HTTPS) on
 * the template's test-service harness, and mints learn-ps tokens for it.
 */
import { startTestService, type HttpAnswer, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { learnPs } from '../index.ts';

/** Every scope of the Pet Store. */
export const ALL_SCOPES = ['pets:read', 'pets:write', 'orders:read', 'orders:write'];

export interface LearnPsHarness {
  readonly harness: ServiceHarness;
  token(scopes?: readonly string[]): Promise<string>;
  /** Calls `/service/api/v1<path>` with a token carrying every scope. */
  api(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** learn-ps on a SQLite file, or on `databaseUrl` when given. */
export async function startLearnPs(databaseUrl?: string): Promise<LearnPsHarness> {
  const harness = await startTestService(databaseUrl === undefined ? {} : { database: { url: databaseUrl } }, undefined, learnPs);
  const token = (scopes: readonly string[] = ALL_SCOPES): Promise<string> => harness.serviceToken(scopes);
  const all = await token();
  return {
    harness,
    token,
    api: (method, path, body) => harness.call(method, `${harness.service.publicUrl}/service/api/v1${path}`, { token: all, ...(body === undefined ? {} : { body }) }),
    close: () => harness.close(),
  };
}
