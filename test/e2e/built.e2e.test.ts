/**
 * The published executable: `dist/services/cli.js` as `npm run build` makes it (CI builds before
 * this suite runs), with no TypeScript at run time.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { builtCli, run, startUp } from './processes.ts';

describe('built cryptoutil executable (e2e)', () => {
  before(function () {
    if (!existsSync(builtCli)) throw new Error('dist/services/cli.js is missing: run `npm run build` first');
  });

  it('answers --help and --version from compiled JavaScript', async () => {
    const help = await run(builtCli, ['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('cryptoutil up [--data-dir DIR]');
    const version = await run(builtCli, ['--version']);
    expect(version.stdout).to.match(/^cryptoutil \d+\.\d+\.\d+\n$/);
  });

  it('on a Node older than 24 says so in one line and exits 2 before loading the suite', async () => {
    // NODE_OPTIONS drops double quotes, so the pretended version is written with backquotes.
    const pretend = '--import=data:text/javascript,Object.defineProperty(process.versions,`node`,{value:`20.20.2`})';
    const old = await run(builtCli, ['--version'], { NODE_OPTIONS: pretend });
    expect(old.code).to.equal(2);
    expect(old.stdout).to.equal('');
    expect(old.stderr).to.match(/^cryptoutil needs Node\.js 24 .* but found Node\.js 20\.20\.2: run `nvm install`[^\n]*\n$/u);
  });

  it('runs up: data directory, local CA, credentials.json 0600, stops on SIGINT with exit 0', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-built-')), 'data');
    const up = await startUp(builtCli, dataDir);
    await up.waitFor('Press Ctrl-C to stop.');
    expect((await stat(join(dataDir, 'credentials.json'))).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dataDir, 'tls', 'ca.key'))).mode & 0o777).to.equal(0o600);
    const credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { ca_file: string; console_url: string };
    expect(credentials.ca_file).to.equal(join(dataDir, 'tls', 'ca.crt'));
    // The console's files are part of the package: its page and its modules are served from dist/.
    const ca = await readFile(credentials.ca_file, 'utf8');
    const page = await httpsCall(ca, 'GET', credentials.console_url);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('src="/app.js"');
    expect((await httpsCall(ca, 'GET', `${credentials.console_url}app.js`)).headers['content-type']).to.equal('text/javascript; charset=utf-8');
    up.child.kill('SIGINT');
    const finished = await up.finished;
    expect(finished.code).to.equal(0);
    expect(finished.stdout).to.include('stopped');
  });
});
