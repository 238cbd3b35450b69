// @ts-nocheck
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configMarkdown, configSchema } from './index.ts';

const docFile = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

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
    '## `cryptoutil up`',
    '',
    '`cryptoutil up` wires each service of the suite itself: its public port (the DESIGN table) and',
    'admin port (9090 + its row), `127.0.0.1` addresses, `tls.mode: auto`, `database.url` and',
    '`dataDir` under `--data-dir`, `auth.issuer`, unseal shares, peppers and `admin.token` (one per',
    'service, kept in `DIR/admin/<service>.token`). `--port-offset N`',
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
