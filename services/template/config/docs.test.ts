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
    configMarkdown(configSchema({ serviceName: 'SERVICE', publicPort: 8080 })).trimEnd(),
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
