/**
 * Starts pki-ca in process the way production does (real TLS, the test issuer over HTTPS, a SQLite
 * file or a PostgreSQL database), unsealed from configured shares, and calls it with JSON or bytes.
 */
import { bytesCall, type Answer, type CallOptions } from '../../template/testing/bytes-call.ts';
import { keyCheckOfShares, newUnsealShares } from '../../template/barrier/index.ts';
import { startTestService, type ServiceHarness } from '../../template/testing/service-harness.ts';
import type { PkiConfig } from '../config.ts';
import { pkiCaWith } from '../index.ts';
import type { RulesLoader } from '../rules.ts';
import { fakeRules } from './fake-rules.ts';

export type { Answer, CallOptions };

/** Every scope of pki-ca. */
export const ALL_SCOPES = ['ca:read', 'ca:issue', 'ca:revoke', 'ca:admin'];

/** One HTTPS request trusting `ca`, with byte-exact body and answer. */
export function call(ca: string, method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  return bytesCall(ca, method, url, options);
}

export interface PkiHarness {
  readonly harness: ServiceHarness;
  readonly shares: readonly string[];
  token(scopes?: readonly string[]): Promise<string>;
  /** Calls `/service/api/v1<path>` with a token of every scope unless `options.token` is given. */
  api(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Calls a path of the public listener without a token. */
  open(method: string, path: string): Promise<Answer>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly databaseUrl?: string;
  /** Unseal shares; new ones (5, threshold 3) when absent. */
  readonly shares?: readonly string[];
  /** Configure no shares: the service starts sealed. */
  readonly sealed?: boolean;
  readonly pki?: Partial<PkiConfig['pki']>;
  readonly rules?: RulesLoader;
}

/** pki-ca with `pki.bootstrap` on, unsealed at start unless `sealed`. */
export async function startPkiCa(options: StartOptions = {}): Promise<PkiHarness> {
  const shares = options.shares ?? await newUnsealShares(5, 3);
  const overrides = {
    // The key check lets the first unseal through the admin endpoint initialize the barrier.
    barrier: { shares: options.sealed === true ? [] : [...shares], threshold: 3, keyCheck: await keyCheckOfShares(shares.slice(0, 3)) },
    pki: { bootstrap: true, ...options.pki },
    ...(options.databaseUrl === undefined ? {} : { database: { url: options.databaseUrl } }),
  };
  const harness = await startTestService(overrides, undefined, pkiCaWith(options.rules ?? (() => Promise.resolve(fakeRules()))));
  const token = (scopes: readonly string[] = ALL_SCOPES): Promise<string> => harness.serviceToken(scopes);
  const all = await token();
  const base = harness.service.publicUrl;
  return {
    harness,
    shares,
    token,
    api: (method, path, callOptions = {}) => call(harness.service.ca, method, `${base}/service/api/v1${path}`, { token: all, ...callOptions }),
    open: (method, path) => call(harness.service.ca, method, `${base}${path}`),
    close: () => harness.close(),
  };
}
