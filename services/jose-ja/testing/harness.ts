/**
 * Starts jose-ja in process the way production does (real TLS, the test issuer over HTTPS, a
 * SQLite file or a PostgreSQL database), unsealed from configured shares, on a clock the test can
 * move, and calls it with JSON or bytes.
 */
import { keyCheckOfShares, newUnsealShares } from '../../template/barrier/index.ts';
import { bytesCall, type Answer, type CallOptions } from '../../template/testing/bytes-call.ts';
import { httpsCall, startTestService, type HttpAnswer, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { joseJaOn } from '../index.ts';

export type { Answer, CallOptions, HttpAnswer };

/** Every scope of jose-ja. */
export const ALL_SCOPES = ['ja:read', 'ja:sign', 'ja:verify', 'ja:encrypt', 'ja:decrypt', 'ja:admin'];

export interface JaHarness {
  readonly harness: ServiceHarness;
  readonly shares: readonly string[];
  token(scopes?: readonly string[]): Promise<string>;
  /** Calls `/service/api/v1<path>` with a token of every scope unless `options.token` is given. */
  api(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Calls a path of the public listener without a token. */
  open(method: string, path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** Moves the service's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly databaseUrl?: string;
  /** Unseal shares; new ones (5, threshold 3) when absent. */
  readonly shares?: readonly string[];
  /** Configure no shares: the service starts sealed. */
  readonly sealed?: boolean;
  /** jose-ja's own keys, e.g. `{ jwksMaxAgeSeconds: 2 }`. */
  readonly jose?: Readonly<Record<string, unknown>>;
}

/** jose-ja, unsealed at start unless `sealed`. */
export async function startJoseJa(options: StartOptions = {}): Promise<JaHarness> {
  const shares = options.shares ?? await newUnsealShares(5, 3);
  let offset = 0;
  const overrides = {
    barrier: { shares: options.sealed === true ? [] : [...shares], threshold: 3, keyCheck: await keyCheckOfShares(shares.slice(0, 3)) },
    ...(options.jose === undefined ? {} : { jose: options.jose }),
    ...(options.databaseUrl === undefined ? {} : { database: { url: options.databaseUrl } }),
  };
  const harness = await startTestService(overrides, undefined, joseJaOn(() => Date.now() + offset));
  const token = (scopes: readonly string[] = ALL_SCOPES): Promise<string> => harness.serviceToken(scopes);
  const all = await token();
  const base = harness.service.publicUrl;
  return {
    harness,
    shares,
    token,
    api: (method, path, callOptions = {}) => bytesCall(harness.service.ca, method, `${base}/service/api/v1${path}`, { token: all, ...callOptions }),
    open: (method, path, headers = {}) => httpsCall(harness.service.ca, method, `${base}${path}`, { headers }),
    advance: (ms) => { offset += ms; },
    close: () => harness.close(),
  };
}
