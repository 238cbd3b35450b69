import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configMarkdown, configSchema } from './index.ts';

const docFile = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

/** What services/template/middleware/rate-limit.ts does when its Redis store fails. */
const RATE_LIMIT_STORE = [
  '## Rate limits shared through Redis',
  '',
  'With `rateLimit.redisUrl` set, every replica of a service draws on one budget per client in Redis.',
  'When Redis cannot answer (down, unreachable, restarting), the limiter does what',
  '`rateLimit.onStoreFailure` says:',
  '',
  '- `open` (the default): requests go through without a limit. Availability of the service does not',
  '  hang on Redis, which holds only counters.',
  '- `closed`: requests are refused with a 503 problem and `Retry-After: 1`, for deployments where an',
  '  unlimited client is worse than an unavailable one.',
  '',
  'Either way the first failure of an outage logs one warning (`rate-limit store failing …`, with the',
  'error class only, never the URL), every request that met it counts in',
  '`rate_limit_store_failures_total{outcome="allowed"|"refused"}`, and later requests do not wait on',
  'Redis again until its client has reconnected; the first request after that logs',
  '`rate-limit store answering again; limits apply`. The Redis client\'s own connection errors are',
  'logged once per outage too (`rate-limit store unavailable`), not at each reconnection attempt. Redis',
  'restarted empty starts every budget afresh.',
  '',
];

/** What services/template/tls/reload.ts does, below the table because no key configures it. */
const TLS_RELOAD = [
  '## Certificate reload (`tls.mode: files`)',
  '',
  'A service started with `tls.mode: files` watches the directories that hold `tls.certFile` and',
  '`tls.keyFile` and loads the files again when they change: written in place, renamed over, or',
  'swapped the way Kubernetes updates a mounted Secret (a new timestamped directory, then one rename',
  'of the `..data` symlink the file names point through; the directory is watched, not the file, and',
  'the files are read again through the symlinks). Changes are gathered for 250 ms, so a certificate',
  'and a key written one after the other load together. The new pair is checked as at start',
  '(readable, the key matches the certificate, the certificate is valid now) and then serves every',
  'new TLS handshake on both listeners; connections already open keep the certificate they were',
  'opened with and are not dropped. A pair that fails a check is logged (`tls files changed but',
  'cannot be served; the certificate in use is kept`, with the key and the path, never the content)',
  'and the certificate in use stays until a good pair arrives. Each reload logs `tls certificate',
  'reloaded` with the new serial, SHA-256 fingerprint and `notAfter`.',
  '',
  '`SIGHUP` reloads the files at once: for file systems that report no changes (some network',
  'mounts), or to check a copy made by hand. The handler is installed in files mode only.',
  '',
  '```sh no-test (needs a running service and its process id)',
  'kill -HUP "$SERVICE_PID"',
  '```',
  '',
  '`tls.caFile`, the trust for outgoing calls, is read at start only: a changed CA bundle takes a',
  'restart. In `tls.mode: auto` nothing is watched; the service renews its own certificate at start',
  'when it is within 30 days of expiry. With the operator, certificates are renewed in the Secret and',
  'reach the pods this way (docs/operator.md "TLS renewal").',
  '',
];

/** docs/configuration.md is generated from the schema, so the two cannot drift apart. */
function render(): string {
  return [
    '# Configuration',
    '',
    'Every service reads the same shared keys, plus keys of its own that its section of the docs',
    'lists. Sources, later wins: the defaults below, each `--config` YAML file in the order given,',
    'then `CRYPTOUTIL_*` environment variables. Any string value `file:///abs/path` is replaced by',
    'that file\'s content without its trailing newline (Kubernetes and Docker secrets). An unknown',
    'key, a wrong type or a broken rule stops start-up with exit code 2 and one message listing every',
    'problem, each naming the key and its source, with "did you mean" for a near miss of a key or',
    'variable name. `cryptoutil <service> start --help` prints this table for one service.',
    '',
    'Defaults are shown for a service named `SERVICE` whose public port is 8080; each service\'s',
    'public port defaults to its row in the DESIGN table. Lists from the environment are',
    'comma-separated. Values marked sensitive are never printed in errors or help.',
    '',
    'Rules checked across keys: `admin.address` must be a loopback address; `tls.mode: files` needs',
    '`tls.certFile` and `tls.keyFile`; `database.url` must be `sqlite:PATH`, `sqlite::memory:` or',
    '`postgres://`; `auth.issuer` and `auth.jwksUri` must be https URLs; `ipAllowlist` holds IPs or',
    'CIDRs; `cors.origins` holds exact origins; `database.poolMax` is at least `database.poolMin`.',
    '',
    '`database.url` left unset is `sqlite:<dataDir>/<service>.sqlite`: setting `dataDir` (or',
    '`CRYPTOUTIL_DATADIR`) moves the database with it. `admin.port` defaults to 9090 for every',
    'service started on its own; `cryptoutil up` gives each service its own admin port. A port',
    'already in use stops start-up with exit code 1 and a message naming the port and the key that',
    'moves it: `public.port` or `admin.port` (`CRYPTOUTIL_PUBLIC_PORT`, `CRYPTOUTIL_ADMIN_PORT`).',
    '',
    configMarkdown(configSchema({ serviceName: 'SERVICE', publicPort: 8080 })).trimEnd(),
    '',
    ...TLS_RELOAD,
    ...RATE_LIMIT_STORE,
    '## `cryptoutil up`',
    '',
    '`cryptoutil up` wires each service of the suite itself: its public port (the DESIGN table) and',
    'admin port (9090 + its row), `127.0.0.1` addresses, `tls.mode: auto`, `database.url` and',
    '`dataDir` under `--data-dir`, `auth.issuer`, unseal shares, peppers and `admin.token` (one per',
    'service, kept in `DIR/admin/<service>.token`). A service that signs users in (identity-rp) gets a',
    'client at identity-authz: `up` lists it in identity-authz\'s `authz.signInClients` with the redirect',
    'URIs of its moved port and its back-channel logout URI (`<rp>/bff/backchannel-logout`, with',
    '`sid` required), and gives identity-rp the same client id and secret (generated once, kept in',
    '`DIR/secrets/identity-rp.client-secret`); `credentials.json` names its `/bff/login` as',
    '`sign_in_url`. identity-spa, the browser console, gets `spa.rpUrl` (that identity-rp, which lets',
    'the console\'s origin in through `rp.consoleOrigins`), and `credentials.json` names it `console_url`. `--port-offset N`',
    'moves every public and admin port by N, an integer that keeps every port within 1-65535; the',
    'printed URLs, the issuer and `credentials.json` follow. Use it to run a second suite, or tests,',
    'beside one already running: with a port taken, `up` exits 1 naming the port and `--port-offset`.',
    '',
    '`cryptoutil up --config F.yml` (repeatable, applied in order) configures the whole suite. Its',
    'top-level keys apply to every service; its `services:` section holds keys for one service each:',
    '',
    '```yaml',
    'log:',
    '  level: info',
    'rateLimit:',
    '  perSecond: 50',
    'services:',
    '  sm-kms:',
    '    log:',
    '      level: debug',
    '```',
    '',
    'Sources for each service, later wins: the defaults, `log.level: warn` (up keeps the services',
    'quiet so that its URL table stays readable), each file\'s top-level keys then its section for',
    'the service, `CRYPTOUTIL_*` environment variables, then what `up` wires. A file that sets a key',
    '`up` wires, an unknown key or an unknown service stops `up` with exit code 2 before any service',
    'starts, naming the key and the file. There is no environment variable for the port offset.',
    '',
  ].join('\n');
}

describe('docs/configuration.md', () => {
  it('matches the configuration schema (regenerate with UPDATE_DOCS=1)', async () => {
    const expected = render();
    if (process.env.UPDATE_DOCS === '1') await writeFile(docFile, expected);
    expect(await readFile(docFile, 'utf8')).to.equal(expected);
  });
});
