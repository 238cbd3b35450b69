/**
 * Starts jose-ja in process the way production does (real TLS, the test issuer over HTTPS, a
 * SQLite file or a PostgreSQL database), unsealed from configured shares, on a clock the test can
 * move, and calls it with JSON or bytes.
 */
import type { Logger } from 'pino';
import { keyCheckOfShares, newUnsealShares } from '../../template/barrier/index.ts';
import { bytesCall, type Answer, type CallOptions } from '../../template/testing/bytes-call.ts';
import { httpsCall, startTestService, type HttpAnswer, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { joseJaOn } from '../index.ts';

export type { Answer, CallOptions, HttpAnswer };

/** Every scope of jose-ja. */
export const ALL_SCOPES = ['ja:read', 'ja:sign', 'ja:verify', 'ja:encrypt', 'ja:decrypt', 'ja:admin'];

/** A running jose-ja and the ways a test talks to it. */
export interface JaHarness {
  readonly harness: ServiceHarness;
  /** The unseal shares its barrier was made with (all of them, threshold 3). */
  readonly shares: readonly string[];
  /** Moves the service's clock forward. */
  advance(ms: number): void;
  /** A client-credentials token with `scopes` (every scope of jose-ja by default). */
  token(scopes?: readonly string[]): Promise<string>;
  /** Calls `/service/api/v1<path>`, with a token of every scope unless `options.token` is given. */
  api(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Calls a path of the public listener without a token. */
  open(method: string, path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** How to start it: the database, the shares, sealed or not, and `jose.*` keys such as `{ jwksMaxAgeSeconds: 2 }`. */
export interface JaStart {
  readonly databaseUrl?: string;
  readonly shares?: readonly string[];
  readonly sealed?: boolean;
  readonly jose?: Readonly<Record<string, unknown>>;
  /** Where the service logs (silent by default); tests read it back to look for secrets. */
  readonly logger?: Logger;
}

/** jose-ja, unsealed at start unless `sealed`; new shares (5, threshold 3) unless given. */
export async function startJoseJa(start: JaStart = {}): Promise<JaHarness> {
  const shares = start.shares ?? await newUnsealShares(5, 3);
  const keyCheck = await keyCheckOfShares(shares.slice(0, 3));
  let offset = 0;
  const harness = await startTestService({
    barrier: { shares: start.sealed === true ? [] : [...shares], threshold: 3, keyCheck },
    ...(start.jose === undefined ? {} : { jose: start.jose }),
    ...(start.databaseUrl === undefined ? {} : { database: { url: start.databaseUrl } }),
  }, start.logger, joseJaOn(() => Date.now() + offset));
  const { ca, publicUrl } = harness.service;
  const everyScope = await harness.serviceToken(ALL_SCOPES);
  return {
    harness,
    shares,
    advance: (ms) => { offset += ms; },
    token: (scopes = ALL_SCOPES) => harness.serviceToken(scopes),
    api: (method, path, options = {}) => bytesCall(ca, method, `${publicUrl}/service/api/v1${path}`, { token: everyScope, ...options }),
    open: (method, path, headers = {}) => httpsCall(ca, method, `${publicUrl}${path}`, { headers }),
    close: () => harness.close(),
  };
}
