/**
 * Issue 13, point 10: the first unseal of an empty database cannot be poisoned. A share posted by
 * a stranger, or a whole share set from another `init`, must not initialize the barrier under a key
 * the custodians cannot rebuild: 400 problem+json, progress back to 0, nothing in the barrier tables.
 */
import { expect } from 'chai';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startTestService, type HttpAnswer, type ServiceHarness } from '../../services/template/testing/service-harness.ts';
import { sealedNotesService } from '../../services/template/testing/notes-service/sealed.ts';
import { combineShares, newUnsealShares } from '../../services/template/barrier/index.ts';

const THRESHOLD = 3;
const BARRIER_TABLES = ['barrier_state', 'barrier_root_keys', 'barrier_intermediate_keys'] as const;

/** A well-formed share (32 y-values, x coordinate 200) of no custodian's key. */
function forgedShare(): string {
  return Buffer.concat([randomBytes(32), Buffer.from([200])]).toString('base64url');
}

/** Rows per barrier table, read straight from the SQLite file the service writes. */
function barrierRows(databaseFile: string): Record<string, number> {
  const database = new DatabaseSync(databaseFile, { readOnly: true });
  try {
    return Object.fromEntries(BARRIER_TABLES.map((table) => {
      const row = database.prepare(`select count(*) as n from ${table}`).get() as { n: number };
      return [table, row.n];
    }));
  } finally {
    database.close();
  }
}

interface InitOutput { readonly shares: string[]; readonly keyCheck: string }

/**
 * What `init --json` prints, with the key check value derived here independently of the service
 * (kcv1: + base64url HMAC-SHA-256 of the unseal key over the fixed label), so the format is pinned.
 */
async function init(): Promise<InitOutput> {
  const shares = await newUnsealShares(5, THRESHOLD);
  const key = await combineShares(shares.slice(0, THRESHOLD));
  const keyCheck = `kcv1:${createHmac('sha256', key).update('cryptoutil/barrier/v1/key-check').digest('base64url')}`;
  return { shares, keyCheck };
}

const EMPTY = Object.fromEntries(BARRIER_TABLES.map((table) => [table, 0]));

describe('security: the first unseal cannot be poisoned (issue 13, point 10)', () => {
  let custodians: InitOutput;
  let databaseFile: string;
  let harness: ServiceHarness | undefined;

  /** A sealed service on a new, empty SQLite database, told the custodians' key check value. */
  async function startEmpty(keyCheck: string | undefined): Promise<ServiceHarness> {
    databaseFile = join(await mkdtemp(join(tmpdir(), 'cryptoutil-first-unseal-')), 'sealed-notes.sqlite');
    const barrier = keyCheck === undefined ? { shares: [], threshold: THRESHOLD } : { shares: [], threshold: THRESHOLD, keyCheck };
    return startTestService({ database: { url: `sqlite:${databaseFile}` }, barrier }, undefined, sealedNotesService);
  }

  const running = (): ServiceHarness => {
    if (harness === undefined) throw new Error('no service is running');
    return harness;
  };
  const unseal = (share: string): Promise<HttpAnswer> => running().call('POST', `${running().service.adminUrl}/admin/v1/unseal`, { body: { share }, token: running().service.adminToken });
  const sealStatus = async (): Promise<unknown> => (await running().call('GET', `${running().service.adminUrl}/admin/v1/seal-status`)).json;

  function expectRefused(answer: HttpAnswer | undefined): void {
    if (answer === undefined) throw new Error('no answer to check');
    expect(answer.status).to.equal(400);
    expect(answer.headers['content-type']).to.include('application/problem+json');
    expect(answer.json).to.include({ code: 'bad_request' });
  }

  before(async () => { custodians = await init(); });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses a forged share mixed with the custodians\' shares: 400, progress reset, nothing written; the custodians still unseal', async () => {
    harness = await startEmpty(custodians.keyCheck);
    expect((await unseal(String(custodians.shares[0]))).status).to.equal(200);
    expect((await unseal(String(custodians.shares[1]))).status).to.equal(200);
    expectRefused(await unseal(forgedShare()));
    expect(await sealStatus()).to.deep.equal({ sealed: true, threshold: THRESHOLD, progress: 0, needed: THRESHOLD });
    expect(barrierRows(databaseFile)).to.deep.equal(EMPTY);
    for (const share of custodians.shares.slice(2)) expect((await unseal(share)).status).to.equal(200);
    expect(await sealStatus()).to.deep.equal({ sealed: false, threshold: THRESHOLD, progress: 0 });
    expect(barrierRows(databaseFile)).to.deep.equal({ barrier_state: 1, barrier_root_keys: 1, barrier_intermediate_keys: 1 });
  });

  it('refuses a complete share set from another init: 400, progress reset, nothing written', async () => {
    harness = await startEmpty(custodians.keyCheck);
    const other = await init();
    const answers: HttpAnswer[] = [];
    for (const share of other.shares.slice(0, THRESHOLD)) answers.push(await unseal(share));
    expect(answers.slice(0, -1).map((answer) => answer.status)).to.deep.equal([200, 200]);
    expectRefused(answers[THRESHOLD - 1]);
    expect(await sealStatus()).to.deep.equal({ sealed: true, threshold: THRESHOLD, progress: 0, needed: THRESHOLD });
    expect(barrierRows(databaseFile)).to.deep.equal(EMPTY);
  });

  it('without barrier.keyCheck, refuses to initialize an empty barrier from shares posted one at a time', async () => {
    harness = await startEmpty(undefined);
    const answers: HttpAnswer[] = [];
    for (const share of custodians.shares.slice(0, THRESHOLD)) answers.push(await unseal(share));
    expectRefused(answers[THRESHOLD - 1]);
    expect(await sealStatus()).to.deep.equal({ sealed: true, threshold: THRESHOLD, progress: 0, needed: THRESHOLD });
    expect(barrierRows(databaseFile)).to.deep.equal(EMPTY);
  });
});
