// @ts-nocheck
import { expect } from 'chai';
import { UsageError } from '../errors/index.ts';
import { loadConfig } from './index.ts';

function load(env: Readonly<Record<string, string>>): ReturnType<typeof loadConfig> {
  return loadConfig({ serviceName: 'learn-ps', publicPort: 8480, files: [], env });
}

function problemOf(env: Readonly<Record<string, string>>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as UsageError).message;
  }
  return expect.fail('expected a UsageError');
}

interface Row {
  readonly variable: string;
  readonly good: readonly string[];
  readonly bad: readonly string[];
  readonly message: string;
  readonly extra?: Readonly<Record<string, string>>;
}

// Each row: values the rule accepts, values it refuses, and the exact message (which never quotes the value).
const ROWS: readonly Row[] = [
  {
    variable: 'CRYPTOUTIL_ADMIN_ADDRESS',
    good: ['127.0.0.1', '127.10.20.30', '::1', 'localhost', 'LOCALHOST'],
    bad: ['0.0.0.0', '10.0.0.1', '::', 'admin.example', '128.0.0.1'],
    message: '"admin.address" must be a loopback address (127.0.0.0/8, ::1 or localhost) (from environment CRYPTOUTIL_ADMIN_ADDRESS)',
  },
  {
    variable: 'CRYPTOUTIL_DATABASE_URL',
    good: ['sqlite:data/x.sqlite', 'sqlite::memory:', 'postgres://u:p@127.0.0.1:5432/db', 'postgresql://db.internal/kms'],
    bad: ['sqlite:', 'mysql://h/db', 'postgres://', 'postgres:///db', 'x.sqlite'],
    message: '"database.url" must be sqlite:PATH, sqlite::memory: or a postgres:// (postgresql://) URL (from environment CRYPTOUTIL_DATABASE_URL)',
  },
  {
    variable: 'CRYPTOUTIL_AUTH_ISSUER',
    good: ['', 'https://127.0.0.1:8180', 'https://auth.example/realms/x'],
    bad: ['http://auth.example', 'auth.example', 'https//x'],
    message: '"auth.issuer" must be an https:// URL (from environment CRYPTOUTIL_AUTH_ISSUER)',
  },
  {
    variable: 'CRYPTOUTIL_AUTH_JWKSURI',
    good: ['', 'https://auth.example/jwks'],
    bad: ['http://auth.example/jwks'],
    message: '"auth.jwksUri" must be an https:// URL (from environment CRYPTOUTIL_AUTH_JWKSURI)',
  },
  {
    variable: 'CRYPTOUTIL_CORS_ORIGINS',
    good: ['', 'https://console.example', 'https://a.example:8443,https://b.example'],
    bad: ['http://console.example', 'https://console.example/', 'https://console.example/app', '*', 'https://A.example'],
    message: '"cors.origins" entry 1 must be an origin: https://host[:port] (from environment CRYPTOUTIL_CORS_ORIGINS)',
  },
  {
    variable: 'CRYPTOUTIL_IPALLOWLIST',
    good: ['', '10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::/128'],
    bad: ['10.0.0.0/33', '10.0.0.300', 'fd00::/129', '10.0.0.0/8/1', 'host.example', '10.0.0.0/', '10.0.0.0/x'],
    message: '"ipAllowlist" entry 1 must be an IP address or a CIDR block (from environment CRYPTOUTIL_IPALLOWLIST)',
  },
  {
    variable: 'CRYPTOUTIL_HTTP_TRUSTEDPROXIES',
    good: ['', '10.0.0.1', '10.0.0.0/8', 'fd00::/8'],
    bad: ['10.0.0.0/33', 'ingress.example', '10.0.0.0/'],
    message: '"http.trustedProxies" entry 1 must be an IP address or a CIDR block (from environment CRYPTOUTIL_HTTP_TRUSTEDPROXIES)',
  },
  {
    variable: 'CRYPTOUTIL_BARRIER_THRESHOLD',
    good: ['2', '3'],
    bad: ['1', '0'],
    message: '"barrier.threshold" must be at least 2 (from environment CRYPTOUTIL_BARRIER_THRESHOLD)',
  },
  {
    variable: 'CRYPTOUTIL_RATELIMIT_REDISURL',
    good: ['', 'redis://127.0.0.1:6379', 'rediss://user:pw@cache.example:6380/0'],
    bad: ['http://127.0.0.1:6379', '127.0.0.1:6379'],
    message: '"rateLimit.redisUrl" must be a redis:// or rediss:// URL (from environment CRYPTOUTIL_RATELIMIT_REDISURL)',
  },
  {
    variable: 'CRYPTOUTIL_TELEMETRY_OTLPENDPOINT',
    good: ['', 'http://127.0.0.1:4318', 'https://otel.example/v1/traces'],
    bad: ['grpc://otel:4317', 'otel:4318'],
    message: '"telemetry.otlpEndpoint" must be an http:// or https:// URL (from environment CRYPTOUTIL_TELEMETRY_OTLPENDPOINT)',
  },
  {
    variable: 'CRYPTOUTIL_TLS_NAMES',
    good: ['localhost', 'kms.default.svc.cluster.local,10.1.2.3,::1', '*.example.com'],
    bad: ['under_score', 'a..b', '-leading.example', 'x'.repeat(64), 'https://host'],
    message: '"tls.names" entry 1 must be a DNS name or an IP address (from environment CRYPTOUTIL_TLS_NAMES)',
  },
  {
    variable: 'CRYPTOUTIL_DATABASE_POOLMAX',
    good: ['0', '5'],
    bad: [],
    message: '"database.poolMax" must not be less than database.poolMin (from environment CRYPTOUTIL_DATABASE_POOLMAX)',
    extra: { CRYPTOUTIL_DATABASE_POOLMIN: '0' },
  },
];

describe('cross-key configuration rules', () => {
  for (const row of ROWS) {
    describe(row.variable, () => {
      for (const value of row.good) {
        it(`accepts ${JSON.stringify(value)}`, () => {
          expect(() => load({ ...row.extra, [row.variable]: value })).not.to.throw();
        });
      }
      for (const value of row.bad) {
        it(`refuses ${JSON.stringify(value)}, naming the key and the variable`, () => {
          expect(problemOf({ ...row.extra, [row.variable]: value })).to.equal(row.message);
        });
      }
    });
  }

  it('names the second entry of a list when only it is wrong', () => {
    expect(problemOf({ CRYPTOUTIL_IPALLOWLIST: '10.0.0.0/8,nonsense' })).to.equal(
      '"ipAllowlist" entry 2 must be an IP address or a CIDR block (from environment CRYPTOUTIL_IPALLOWLIST)',
    );
  });

  it('never quotes a database URL, which can carry a password', () => {
    expect(problemOf({ CRYPTOUTIL_DATABASE_URL: 'mysql://root:hunter2@h/db' })).not.to.include('hunter2');
  });

  it('poolMax below poolMin is refused', () => {
    expect(problemOf({ CRYPTOUTIL_DATABASE_POOLMIN: '5', CRYPTOUTIL_DATABASE_POOLMAX: '2' })).to.equal(
      '"database.poolMax" must not be less than database.poolMin (from environment CRYPTOUTIL_DATABASE_POOLMAX)',
    );
  });

  describe('tls.mode files', () => {
    it('needs certFile and keyFile, blaming the defaults that left them empty', () => {
      expect(problemOf({ CRYPTOUTIL_TLS_MODE: 'files' })).to.equal(
        ['"tls.certFile" is required when tls.mode is files (from default)', '"tls.keyFile" is required when tls.mode is files (from default)'].join(
          '\n',
        ),
      );
    });

    it('is satisfied by both paths, and does not need names', () => {
      const config = load({ CRYPTOUTIL_TLS_MODE: 'files', CRYPTOUTIL_TLS_CERTFILE: '/tls/tls.crt', CRYPTOUTIL_TLS_KEYFILE: '/tls/tls.key', CRYPTOUTIL_TLS_NAMES: '' });
      expect(config.tls.certFile).to.equal('/tls/tls.crt');
      expect(config.tls.names).to.deep.equal([]);
    });
  });

  it('auto mode needs at least one name', () => {
    expect(problemOf({ CRYPTOUTIL_TLS_NAMES: '' })).to.equal(
      '"tls.names" must list at least one DNS name or IP address when tls.mode is auto (from environment CRYPTOUTIL_TLS_NAMES)',
    );
  });
});
