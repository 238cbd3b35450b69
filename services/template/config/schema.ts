/**
 * The shared configuration keys every service has (DESIGN "Configuration"). Defaults, formats and
 * doc strings live here once; `--help` and `docs/configuration.md` are generated from this table.
 */
import type { Schema } from 'convict';

export type TlsMode = 'auto' | 'files';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TemplateConfig {
  public: { address: string; port: number };
  admin: { address: string; port: number; token?: string };
  tls: { mode: TlsMode; certFile: string; keyFile: string; caFile: string; names: string[] };
  database: { url: string; poolMin: number; poolMax: number };
  auth: { issuer: string; jwksUri: string; audience: string; clockSkewSeconds: number; publicUrl: string };
  cors: { origins: string[] };
  rateLimit: { perSecond: number; burst: number; redisUrl: string; onStoreFailure: 'open' | 'closed' };
  ipAllowlist: string[];
  http: { trustedProxies: string[] };
  body: { limitBytes: number };
  barrier: { shares: string[]; threshold: number; keyCheck?: string };
  // The gate limits are optional in code (a hand-built config may leave them out); loadConfig always fills them.
  hash: { pepper: string; maxConcurrent?: number; maxQueued?: number };
  telemetry: { otlpEndpoint: string };
  log: { level: LogLevel };
  shutdown: { timeoutMs: number };
  dataDir: string;
}

/** Service-specific defaults that the template schema needs (the public port differs per service). */
export interface SchemaDefaults {
  readonly publicPort: number;
  readonly serviceName: string;
}

/** DESIGN "Admin": every service's admin listener defaults to 127.0.0.1:9090 under `start`. */
export const ADMIN_PORT_DEFAULT = 9090;

export function templateSchema(defaults: SchemaDefaults): Schema<TemplateConfig> {
  return {
    public: {
      address: { doc: 'Address the public HTTPS listener binds (0.0.0.0 in containers).', format: String, default: '127.0.0.1' },
      port: { doc: 'Port of the public HTTPS listener.', format: 'port', default: defaults.publicPort },
    },
    admin: {
      address: { doc: 'Address of the admin HTTPS listener; must be a loopback address.', format: String, default: '127.0.0.1' },
      port: { doc: 'Port of the admin HTTPS listener.', format: 'port', default: ADMIN_PORT_DEFAULT },
      token: {
        doc: 'Bearer token the state-changing admin endpoints (unseal, seal, shutdown, rotations) require; use a file:// reference to a random secret of at least 32 characters. Empty: a new one is written to {dataDir}/admin.token (0600) at every start.',
        format: String, default: '', sensitive: true,
      },
    },
    tls: {
      mode: { doc: 'auto: create a local CA and server certificate under dataDir; files: load PEM files.', format: ['auto', 'files'], default: 'auto' },
      certFile: { doc: 'PEM server certificate chain (tls.mode=files).', format: String, default: '' },
      keyFile: { doc: 'PEM private key of the server certificate (tls.mode=files).', format: String, default: '' },
      caFile: { doc: 'PEM CA bundle trusted for outgoing calls (issuer, JWKS) in addition to Node\'s default CAs, NODE_EXTRA_CA_CERTS included; in files mode also the CA that issued the server certificate.', format: String, default: '' },
      names: { doc: 'DNS names and IP addresses the auto-mode server certificate covers.', format: Array, default: ['localhost', '127.0.0.1', '::1'] },
    },
    database: {
      url: { doc: 'sqlite:PATH, sqlite::memory: or postgres://user:pass@host:port/db. Unset, it is sqlite:{dataDir}/{service}.sqlite and follows dataDir.', format: String, default: `sqlite:.cryptoutil/${defaults.serviceName}.sqlite` },
      poolMin: { doc: 'Minimum PostgreSQL pool connections.', format: 'nat', default: 0 },
      poolMax: { doc: 'Maximum PostgreSQL pool connections.', format: 'nat', default: 10 },
    },
    auth: {
      issuer: { doc: 'Issuer URL of the OAuth 2.1 authorization server whose access tokens are accepted.', format: String, default: '' },
      jwksUri: { doc: 'JWKS URL; empty means discover it from the issuer metadata.', format: String, default: '' },
      audience: { doc: 'Expected `aud` of access tokens; empty means the resource of the service, urn:cryptoutil:{service}.', format: String, default: '' },
      clockSkewSeconds: { doc: 'Tolerated clock skew for exp and nbf.', format: 'nat', default: 30 },
      publicUrl: { doc: 'Base URL clients reach the public API at, which DPoP proofs name (htu); empty means the public listener URL.', format: String, default: '' },
    },
    cors: {
      origins: { doc: 'Origins allowed to call /browser routes cross-origin.', format: Array, default: [] },
    },
    rateLimit: {
      perSecond: { doc: 'Sustained requests per second allowed per client IP.', format: 'nat', default: 1000 },
      burst: { doc: 'Requests allowed in a burst above the sustained rate.', format: 'nat', default: 2000 },
      redisUrl: { doc: 'redis://host:port to share rate-limit counters between replicas; empty means in memory.', format: String, default: '' },
      onStoreFailure: {
        doc: 'When Redis cannot answer: open lets requests through unlimited, closed refuses them with 503; both log once and count rate_limit_store_failures_total.',
        format: ['open', 'closed'], default: 'open',
      },
    },
    ipAllowlist: { doc: 'CIDRs allowed to reach the public listener; empty allows all.', format: Array, default: [] },
    http: {
      trustedProxies: {
        doc: 'CIDRs of the reverse proxies whose X-Forwarded-For is believed (walked right to left past trusted hops) for the IP allowlist, the rate limiter, the access log and the login throttle; empty believes no proxy and uses the TCP peer.',
        format: Array, default: [],
      },
    },
    body: {
      limitBytes: { doc: 'Largest request body accepted; larger gets 413.', format: 'nat', default: 1_048_576 },
    },
    barrier: {
      shares: {
        doc: 'Unseal shares (base64url, as printed by init) applied at start by services with a barrier; fewer than barrier.threshold leave it sealed. Usually file:// references to Secret mounts.',
        format: Array, default: [], sensitive: true,
      },
      threshold: { doc: 'Number of shares needed to rebuild the unseal key (init --threshold).', format: 'nat', default: 3 },
      keyCheck: {
        doc: 'Key check value printed by init beside the shares (kcv1:..., not secret): the barrier initializes and unseals only under the key it names, so a forged share is refused. Without it an empty barrier is initialized only by a full barrier.shares list at start, never through POST /admin/v1/unseal.',
        format: String, default: '',
      },
    },
    hash: {
      pepper: { doc: 'Secret pepper for the deterministic hash registries (use a file:// reference).', format: String, default: '', sensitive: true },
      maxConcurrent: { doc: 'PBKDF2 hashes (password checks) run at once on the thread pool; 0 means one fewer than the CPU cores available (os.availableParallelism()), at least 1, leaving a core to the event loop.', format: 'nat', default: 0 },
      maxQueued: { doc: 'PBKDF2 hashes that may wait for a slot; more are refused at once with 503 and Retry-After: 1 (a login gets its page again, no failed attempt counted).', format: 'nat', default: 256 },
    },
    telemetry: {
      otlpEndpoint: { doc: 'OTLP/HTTP endpoint for traces; empty turns tracing export off.', format: String, default: '' },
    },
    log: {
      level: { doc: 'Log level.', format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    },
    shutdown: {
      timeoutMs: { doc: 'Longest graceful drain before open connections are closed.', format: 'nat', default: 10_000 },
    },
    dataDir: { doc: 'Directory for local state: auto-mode TLS material, SQLite files.', format: String, default: '.cryptoutil' },
  };
}
