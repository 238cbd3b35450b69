import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { COMMAND_SYNOPSIS, generalHelp } from './help.ts';
import { serviceActions } from './parse.ts';
import { services } from '../../registry.ts';

const README = new URL('../../../README.md', import.meta.url);

/** The fenced block right under README's "The `cryptoutil` command" heading. */
async function readmeCommandBlock(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  const section = /## The `cryptoutil` command\n\n```\n([\s\S]*?)```/u.exec(text);
  expect(section, 'README section "The `cryptoutil` command" with a fenced block').to.not.equal(null);
  return String(section?.[1]).trimEnd().split('\n');
}

describe('help and README agree', () => {
  it('README lists exactly the commands --help prints, in the same words', async () => {
    expect(await readmeCommandBlock()).to.deep.equal(COMMAND_SYNOPSIS);
    expect(generalHelp(services)).to.include(COMMAND_SYNOPSIS.map((line) => `  ${line}`).join('\n'));
  });

  it('the synopsis names every service action, --port-offset and --version', () => {
    const synopsis = COMMAND_SYNOPSIS.join('\n');
    for (const action of Object.keys(serviceActions)) expect(synopsis, action).to.match(new RegExp(`cryptoutil <service> [a-z|]*\\b${action}\\b`, 'u'));
    expect(synopsis).to.include('--port-offset N').and.include('cryptoutil --version').and.include('init [--shares 5');
  });
});
