/**
 * Docs that run: every ```` ```sh test ```` block of README.md and docs/ runs, in document order,
 * against a fresh `cryptoutil up` in a temporary directory, as a reader would type it. A block
 * that fails fails its test, named `file:line`, with its output. Markers: `blocks.ts`.
 *
 * Each document runs in one `bash` with `set -euo pipefail`, so its blocks share variables in
 * order and a variable no earlier block sets is an error; documents do not share variables (a
 * reader may open any of them first). The working directory holds the suite's data directory as
 * `./.cryptoutil`, so the blocks read URLs, the CA and the demo client from
 * `./.cryptoutil/credentials.json`. The suite's ports are all moved by one offset, so a running
 * `npm start` is left alone.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceCli, startUp, type Running } from '../e2e/processes.ts';
import { MARKERS, documents, isShell, type CodeBlock } from './blocks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BROWSER_SIGN_IN = fileURLToPath(new URL('browser-sign-in.ts', import.meta.url));
const DOCUMENT_TIMEOUT_MS = 120_000;

/** Text that described a build that no longer exists: it must not come back. */
const STALE = ['until identity-authz is part of the build', 'once identity-authz lands'];

const docs = documents(ROOT);

/** The blocks to run for one document, and what the run is called beside the document's name. */
interface Plan {
  readonly title: string;
  readonly blocks: readonly CodeBlock[];
}

/**
 * The run of a document's `test` blocks, and, when it has a `browser-sign-in` block, a second run
 * in which Chromium does what that block's person does in a browser (`browser-sign-in.ts`) and
 * the `test` block right after it, the same step without a browser, is left out.
 */
function plansOf(blocks: readonly CodeBlock[]): Plan[] {
  const shell = blocks.filter(isShell);
  const plans: Plan[] = [];
  const tested = shell.filter((block) => block.marker === 'test');
  if (tested.length > 0) plans.push({ title: '', blocks: tested });
  const browser = shell.findIndex((block) => block.marker === 'browser-sign-in');
  const browserBlock = shell[browser];
  if (browserBlock !== undefined) {
    const before = shell.slice(0, browser).filter((block) => block.marker === 'test');
    const after = shell.slice(browser + 1).filter((block) => block.marker === 'test').slice(1);
    plans.push({ title: ' (browser steps in Chromium)', blocks: [...before, { ...browserBlock, code: browserSignIn(browserBlock) }, ...after] });
  }
  return plans;
}

/** `NAME='what the person pastes'` becomes `NAME=$(browser-sign-in.ts ...)`, from the variables the recipe has set. */
function browserSignIn(block: CodeBlock): string {
  const name = /^([A-Za-z_][A-Za-z0-9_]*)=/m.exec(block.code)?.[1];
  if (name === undefined) throw new Error(`${block.file}:${String(block.line)}: a browser-sign-in block sets one variable to what the person pastes`);
  return `${name}=$(node ${JSON.stringify(BROWSER_SIGN_IN)} "$AUTHORIZE_URL" "$USERNAME" "$PASSWORD" "$REDIRECT_URI")`;
}

interface BlockRun {
  readonly began: boolean;
  readonly ended: boolean;
  readonly output: string;
}

interface DocumentRun {
  readonly code: number | null;
  readonly blocks: readonly BlockRun[];
}

const MARK = '@@cryptoutil-docs';

/** One bash script for a document: each block between two marker lines, stderr folded into stdout. */
function scriptOf(blocks: readonly Pick<CodeBlock, 'code'>[]): string {
  return [
    'set -euo pipefail',
    'exec 2>&1',
    ...blocks.flatMap((block, index) => [
      `printf '\\n${MARK} begin ${String(index)}\\n'`,
      block.code,
      `printf '\\n${MARK} end ${String(index)}\\n'`,
    ]),
    '',
  ].join('\n');
}

/** Runs the script and splits its output by block. */
async function runDocument(blocks: readonly Pick<CodeBlock, 'code'>[], cwd: string, scriptFile: string): Promise<DocumentRun> {
  await writeFile(scriptFile, scriptOf(blocks));
  const child = spawn('bash', [scriptFile], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: DOCUMENT_TIMEOUT_MS });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => { child.on('close', (exitCode) => { resolve(exitCode); }); });
  const runs = blocks.map(() => ({ began: false, ended: false, lines: [] as string[] }));
  let current: (typeof runs)[number] | undefined;
  for (const line of output.split('\n')) {
    const mark = new RegExp(`^${MARK} (begin|end) (\\d+)$`).exec(line);
    const run = mark === null ? undefined : runs[Number(mark[2])];
    if (mark !== null && run !== undefined) {
      if (mark[1] === 'begin') run.began = true;
      else run.ended = true;
      current = mark[1] === 'begin' ? run : undefined;
    } else {
      current?.lines.push(line);
    }
  }
  return { code, blocks: runs.map((run) => ({ began: run.began, ended: run.ended, output: run.lines.join('\n').trim() })) };
}

describe('docs that run (README.md and docs/)', function () {
  this.timeout(DOCUMENT_TIMEOUT_MS + 30_000);
  let workDir: string;
  let up: Running | undefined;
  let failed = false;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cryptoutil-docs-'));
    await mkdir(join(workDir, '.scripts'));
    up = await startUp(sourceCli, join(workDir, '.cryptoutil'));
    await up.waitFor('Press Ctrl-C to stop.', 90_000);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    if (up !== undefined) {
      up.child.kill('SIGINT');
      const finished = await up.finished;
      expect(finished.code, finished.stderr).to.equal(0);
    }
    // After a failure the directory stays for a look: the scripts as run, the files the blocks wrote, the suite's data.
    if (failed) console.log(`  kept ${workDir} (scripts in .scripts/)`);
    else await rm(workDir, { recursive: true, force: true });
  });

  it('every shell block says whether it runs (```sh test) or why not (```sh no-test <reason>)', () => {
    const unmarked = docs.flatMap((doc) => doc.blocks)
      .filter((block) => isShell(block) && !MARKERS.has(block.marker))
      .map((block) => `${block.file}:${String(block.line)}`);
    expect(unmarked, 'shell blocks without a marker').to.deep.equal([]);
  });

  it('no document describes a build that no longer exists', () => {
    const stale = docs.flatMap((doc) => STALE.filter((phrase) => doc.text.toLowerCase().includes(phrase)).map((phrase) => `${doc.file}: "${phrase}"`));
    expect(stale).to.deep.equal([]);
  });

  for (const doc of docs) {
    for (const plan of plansOf(doc.blocks)) {
      describe(`${doc.file}${plan.title}`, () => {
        let run: DocumentRun;
        before(async () => {
          run = await runDocument(plan.blocks, workDir, join(workDir, '.scripts', `${doc.file.replaceAll('/', '_')}${plan.title === '' ? '' : '.browser'}.sh`));
        });
        for (const [index, block] of plan.blocks.entries()) {
          it(`${block.file}:${String(block.line)} runs${plan.title}`, () => {
            const result = run.blocks[index];
            const failedAt = run.blocks.findIndex((other) => !other.ended);
            expect(result?.began, `not reached: ${doc.file}:${String(plan.blocks[failedAt]?.line)} failed before it`).to.equal(true);
            expect(result?.ended, `${block.file}:${String(block.line)} failed (bash exit ${String(run.code)}); its output:\n${result?.output ?? ''}\n`).to.equal(true);
          });
        }
      });
    }
  }
});
