/**
 * Starts sm-kms in process the way production does (real TLS, the test issuer over HTTPS), unsealed
 * from shares given as configuration, and calls it with bytes as well as JSON: encrypt and decrypt
 * exchange `application/octet-stream` and `application/jose` bodies.
 */
import { newUnsealShares } from '../../template/barrier/index.ts';
import { startTestService, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { smKms, smKmsOn } from '../index.ts';
import { bytesCall, type Answer, type CallOptions } from '../../template/testing/bytes-call.ts';

export { bytesCall, type Answer, type CallOptions };

/** Every scope of sm-kms. */
export const ALL_SCOPES = ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:verify', 'kms:generate'];

export interface KmsHarness {
  readonly harness: ServiceHarness;
  readonly shares: readonly string[];
  token(scopes?: readonly string[]): Promise<string>;
  /** Calls `/service/api/v1<path>` with a token carrying every scope unless `options.token` is given. */
  api(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Creates an elastic key (which must answer 201) and returns its id. */
  createKey(body: Readonly<Record<string, unknown>>): Promise<string>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A PostgreSQL (or other) database URL instead of a fresh SQLite file. */
  readonly databaseUrl?: string;
  /** Unseal shares; new ones (5 of them, threshold 3) when absent. */
  readonly shares?: readonly string[];
  /** The process's clock (milliseconds since the epoch) instead of the real one. */
  readonly now?: () => number;
  /** sm-kms's own keys, e.g. `{ encryptionLimit: 10 }` for `kms.encryptionLimit`. */
  readonly kms?: Readonly<Record<string, unknown>>;
}

/** sm-kms, unsealed at start. */
export async function startSmKms(options: StartOptions = {}): Promise<KmsHarness> {
  const shares = options.shares ?? await newUnsealShares(5, 3);
  const overrides = {
    barrier: { shares: [...shares], threshold: 3 },
    ...(options.databaseUrl === undefined ? {} : { database: { url: options.databaseUrl } }),
    ...(options.kms === undefined ? {} : { kms: options.kms }),
  };
  const harness = await startTestService(overrides, undefined, options.now === undefined ? smKms : smKmsOn(options.now));
  const token = (scopes: readonly string[] = ALL_SCOPES): Promise<string> => harness.serviceToken(scopes);
  const all = await token();
  const api = (method: string, path: string, callOptions: CallOptions = {}): Promise<Answer> =>
    bytesCall(harness.service.ca, method, `${harness.service.publicUrl}/service/api/v1${path}`, { token: all, ...callOptions });
  return {
    harness,
    shares,
    token,
    api,
    async createKey(body) {
      const answer = await api('POST', '/elastickeys', { body });
      if (answer.status !== 201) throw new Error(`creating an elastic key answered ${String(answer.status)}: ${answer.text}`);
      return (answer.json as { id: string }).id;
    },
    close: () => harness.close(),
  };
}
