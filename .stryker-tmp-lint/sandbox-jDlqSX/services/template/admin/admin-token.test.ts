// @ts-nocheck
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { adminTokenPath, MIN_ADMIN_TOKEN_LENGTH, provisionAdminToken, readAdminToken } from './admin-token.ts';

async function failureOf(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('admin token (dataDir/admin.token or admin.token)', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cryptoutil-admin-token-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes a new random 256-bit token at every start, owner-only, and nothing else beside it', async () => {
    const dataDir = join(dir, 'data');
    const first = await provisionAdminToken({ token: '', dataDir });
    expect(first).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(await readFile(adminTokenPath(dataDir), 'utf8')).to.equal(`${first}\n`);
    expect((await stat(adminTokenPath(dataDir))).mode & 0o777).to.equal(0o600);
    expect((await stat(dataDir)).mode & 0o777).to.equal(0o700);
    // Absent is the same as empty (a configuration object built without the key).
    const second = await provisionAdminToken({ dataDir });
    expect(second).to.not.equal(first);
    expect(await readAdminToken({ dataDir })).to.equal(second);
    // Written then renamed: no temporary file is left behind.
    expect(await readdir(dataDir)).to.deep.equal(['admin.token']);
  });

  it('uses a configured admin.token as it is and writes no file', async () => {
    const token = 'c'.repeat(MIN_ADMIN_TOKEN_LENGTH);
    expect(await provisionAdminToken({ token, dataDir: dir })).to.equal(token);
    expect(await readdir(dir)).to.deep.equal([]);
    expect(await readAdminToken({ token, dataDir: dir })).to.equal(token);
  });

  it('refuses a configured admin.token shorter than 32 characters (exit 2), without quoting it', async () => {
    const failure = await failureOf(() => provisionAdminToken({ token: 'short-secret-value', dataDir: dir }));
    expect(failure).to.be.instanceOf(UsageError);
    expect(failure.message).to.include('admin.token').and.include('18 characters').and.not.include('short-secret-value');
  });

  it('a data directory it cannot write is a configuration mistake (exit 2) naming the file', async () => {
    // A file where the directory should be fails for every user, root included.
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    const failure = await failureOf(() => provisionAdminToken({ token: '', dataDir: notADirectory }));
    expect(failure).to.be.instanceOf(UsageError);
    expect(failure.message).to.include(adminTokenPath(notADirectory));
  });

  it('reading: no file or an empty one is a usage error (exit 2) that says what to do', async () => {
    for (const content of [undefined, '\n']) {
      if (content !== undefined) await writeFile(adminTokenPath(dir), content);
      const failure = await failureOf(() => readAdminToken({ token: '', dataDir: dir }));
      expect(failure).to.be.instanceOf(UsageError);
      expect(failure.message).to.include(adminTokenPath(dir)).and.include('admin.token');
    }
  });
});
