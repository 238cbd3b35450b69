import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { KEY_STATUSES, OPERATIONS, TRANSITIONS, type KeyOperation } from './lifecycle.ts';

/** The body rows of the first table under `## <heading>`, as trimmed cells. */
function tableUnder(markdown: string, heading: string): string[][] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`no section ${heading}`);
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  return rows.slice(2).map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

describe('docs/sm-kms/key-states.md is the state machine the code enforces', () => {
  let doc: string;
  before(async () => { doc = await readFile(new URL('../../docs/sm-kms/key-states.md', import.meta.url), 'utf8'); });

  it('lists every status the code knows', () => {
    expect(tableUnder(doc, 'Elastic key statuses').map(([status]) => status?.replaceAll('`', ''))).to.deep.equal([...KEY_STATUSES]);
  });

  it('has the transition table of lifecycle.ts, row for row', () => {
    const documented = Object.fromEntries(tableUnder(doc, 'Transitions').map(([name, from, to]): [string, unknown] => [name ?? '', { from: from?.split(', '), to }]));
    const coded = Object.fromEntries(Object.entries(TRANSITIONS).map(([name, rule]) => [name, { from: [...rule.from], to: rule.to }]));
    expect(documented).to.deep.equal(coded);
  });

  it('has the operations-by-status table of lifecycle.ts, cell for cell', () => {
    const rows = tableUnder(doc, 'What each status allows');
    const header = doc.split('\n').find((line) => line.startsWith('| operation | active'));
    expect(header?.split('|').slice(2, -1).map((cell) => cell.trim())).to.deep.equal([...KEY_STATUSES]);
    const documented = Object.fromEntries(rows.map(([operation, ...cells]): [string, unknown] => [operation ?? '', KEY_STATUSES.filter((_, index) => cells[index] === 'yes')]));
    const coded = Object.fromEntries(Object.entries(OPERATIONS).map(([operation, rule]) => [operation, KEY_STATUSES.filter((status) => rule.statuses.includes(status))]));
    expect(documented).to.deep.equal(coded);
  });

  it('has the revoked-material rules of lifecycle.ts', () => {
    const documented = Object.fromEntries(tableUnder(doc, 'Material keys').map(([operation, active, revoked]): [string, unknown] => {
      expect(active).to.equal('yes');
      return [operation ?? '', revoked === 'never' ? 'never' : /`(\w+)`/.exec(revoked ?? '')?.[1]];
    }));
    const coded = Object.fromEntries((Object.keys(OPERATIONS) as KeyOperation[])
      .filter((operation) => OPERATIONS[operation].revokedMaterial !== undefined)
      .map((operation) => [operation, OPERATIONS[operation].revokedMaterial]));
    expect(documented).to.deep.equal(coded);
  });
});
