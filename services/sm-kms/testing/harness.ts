/**
 * Starts sm-kms in process the way production does (real TLS, the test issuer over HTTPS), unsealed
 * from shares given as configuration, and calls it with bytes as well as JSON: encrypt and decrypt
 * exchange `application/octet-stream` and `application/jose` bodies.
 */
import https from 'node:https';
import { newUnsealShares } from '../../template/barrier/index.ts';
import { startTestService, type ServiceHarness } from '../../template/testing/service-harness.ts';
import { smKms, smKmsOn } from '../index.ts';

/** Every scope of sm-kms. */
export const ALL_SCOPES = ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:verify', 'kms:generate'];

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly bytes: Buffer;
  readonly text: string;
  readonly json: unknown;
}

export interface CallOptions {
  readonly token?: string;
  /** JSON for objects; bytes or text sent as they are with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string;
}

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

/** One HTTPS request with a byte-exact body and answer. */
export function bytesCall(ca: string, method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    const raw = Buffer.isBuffer(options.body) || typeof options.body === 'string';
    payload = raw ? Buffer.from(options.body) : Buffer.from(JSON.stringify(options.body));
    headers['content-type'] = options.contentType ?? (raw ? 'application/octet-stream' : 'application/json');
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, text, json });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
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
