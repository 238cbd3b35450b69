/**
 * Only the engine a `database.url` names is loaded: a process on SQLite never imports pg or the
 * PostgreSQL driver (issue 19 point 5: memory and start-up time). Checked in a fresh process, whose
 * module loads are recorded by a hook, since this test process has loaded every engine already.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const databaseModule = new URL('./index.ts', import.meta.url).href;

/** Opens and migrates an in-memory SQLite database in a new Node process; the URLs it loaded. */
async function urlsLoadedBySqlite(): Promise<string[]> {
  const script = [
    "import { registerHooks } from 'node:module';",
    'const loaded = [];',
    'registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });',
    `const { openDatabase } = await import(${JSON.stringify(databaseModule)});`,
    "const database = await openDatabase({ url: 'sqlite::memory:', entities: [], migrations: [] });",
    'await database.migrate();',
    'await database.close();',
    'process.stdout.write(JSON.stringify(loaded));',
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script]);
  return JSON.parse(stdout) as string[];
}

describe('database engines', () => {
  it('loads the SQLite driver for a sqlite: URL and never the PostgreSQL one', async () => {
    const loaded = await urlsLoadedBySqlite();
    expect(loaded.some((url) => url.includes('/node_modules/@mikro-orm/sqlite/'))).to.equal(true);
    expect(loaded.filter((url) => /\/node_modules\/(?:pg|pg-[a-z]+|@mikro-orm\/postgresql)\//.test(url))).to.deep.equal([]);
  });
});
