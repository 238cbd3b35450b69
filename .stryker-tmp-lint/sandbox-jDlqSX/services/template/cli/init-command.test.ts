// @ts-nocheck
import { expect } from 'chai';
import { main, EXIT_OK, EXIT_USAGE, type CliContext } from './main.ts';
import { notesService } from '../testing/notes-service/index.ts';
import { sealedNotesService } from '../testing/notes-service/sealed.ts';
import { combineShares, keyCheckValue } from '../barrier/index.ts';
import { initText } from './init-command.ts';

function capture(): { context: CliContext; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    context: {
      services: [notesService, sealedNotesService],
      env: {},
      stdout: (text) => { out += text; },
      stderr: (text) => { err += text; },
      onSignal: () => () => undefined,
    },
    out: () => out,
    err: () => err,
  };
}

const sameKey = async (first: readonly string[], second: readonly string[]): Promise<boolean> =>
  Buffer.from(await combineShares(first)).equals(Buffer.from(await combineShares(second)));

describe('cryptoutil <service> init (DESIGN "The cryptoutil command", "Barrier")', () => {
  it('--json prints exactly {"shares":[...],"threshold":T,"keyCheck":"kcv1:..."} and a newline; any threshold of them rebuild the key it names', async () => {
    const cli = capture();
    expect(await main(['sealed-notes', 'init', '--shares', '4', '--threshold', '2', '--json'], cli.context)).to.equal(EXIT_OK);
    expect(cli.out()).to.match(/^\{"shares":\["[A-Za-z0-9_-]{44}"(,"[A-Za-z0-9_-]{44}"){3}\],"threshold":2,"keyCheck":"kcv1:[A-Za-z0-9_-]{43}"\}\n$/);
    const { shares, threshold, keyCheck } = JSON.parse(cli.out()) as { shares: string[]; threshold: number; keyCheck: string };
    expect(threshold).to.equal(2);
    expect(keyCheck).to.equal(keyCheckValue(await combineShares(shares.slice(1, 3))));
    expect(new Set(shares).size).to.equal(4);
    expect(await sameKey(shares.slice(0, 2), shares.slice(2))).to.equal(true);
    expect(cli.err()).to.equal('');
  });

  it('makes a new key on every run, 5 shares of threshold 3 by default', async () => {
    const first = capture();
    const second = capture();
    await main(['sealed-notes', 'init', '--json'], first.context);
    await main(['sealed-notes', 'init', '--json'], second.context);
    const a = JSON.parse(first.out()) as { shares: string[]; threshold: number };
    const b = JSON.parse(second.out()) as { shares: string[]; threshold: number };
    expect([a.shares.length, a.threshold]).to.deep.equal([5, 3]);
    expect(await sameKey(a.shares.slice(0, 3), b.shares.slice(0, 3))).to.equal(false);
  });

  it('without --json lists the shares with a warning that they are shown once and must be stored apart', async () => {
    const cli = capture();
    expect(await main(['sealed-notes', 'init'], cli.context)).to.equal(EXIT_OK);
    const text = cli.out();
    expect(text).to.include('New unseal key for sealed-notes: 5 shares, any 3 of which rebuild it.');
    const shares = [...text.matchAll(/^ {2}share \d {2}([A-Za-z0-9_-]{44})$/gm)].map((match) => String(match[1]));
    expect(shares).to.have.length(5);
    expect(await sameKey(shares.slice(0, 3), shares.slice(2))).to.equal(true);
    expect(text).to.include(`  key check  ${keyCheckValue(await combineShares(shares.slice(0, 3)))}\n`).and.include('barrier.keyCheck');
    expect(text).to.include('shown only this once').and.include('Store each share').and.include('separately');
  });

  it('pads share numbers so that two-digit counts line up', () => {
    const text = initText('x', Array.from({ length: 10 }, (_, index) => `s${index}`), 2, 'kcv1:k');
    expect(text).to.include('  share  1  s0\n').and.include('  share 10  s9\n');
  });

  it('exits 2 naming the flag for bad numbers, and for a service without a barrier', async () => {
    const cases: [string[], string][] = [
      [['sealed-notes', 'init', '--threshold', '1'], '--threshold must be at least 2'],
      [['sealed-notes', 'init', '--shares', '3', '--threshold', '4'], '--threshold must not exceed --shares'],
      [['sealed-notes', 'init', '--shares', '300'], '--shares must be at most 255'],
      [['sealed-notes', 'init', '--shares', 'x'], '--shares must be a whole number'],
      [['sealed-notes', 'init', '--config', 'a.yml'], 'config'],
      [['notes', 'init'], 'notes has no barrier'],
    ];
    for (const [argv, message] of cases) {
      const cli = capture();
      expect(await main(argv, cli.context), argv.join(' ')).to.equal(EXIT_USAGE);
      expect(cli.err()).to.include(message);
      expect(cli.out()).to.equal('');
    }
  });

  it('has help of its own, and appears in the help of barrier services only', async () => {
    const help = capture();
    expect(await main(['sealed-notes', 'init', '--help'], help.context)).to.equal(EXIT_OK);
    expect(help.out()).to.include('Usage: cryptoutil sealed-notes init [--shares 5] [--threshold 3] [--json]').and.include('no database is touched');
    const sealed = capture();
    await main(['sealed-notes', '--help'], sealed.context);
    expect(sealed.out()).to.match(/^ {2}init {8}new barrier unseal key/m);
    const plain = capture();
    await main(['notes', '--help'], plain.context);
    expect(plain.out()).not.to.include('init');
    const general = capture();
    await main(['--help'], general.context);
    expect(general.out()).to.include('cryptoutil <service> init [--shares 5 --threshold 3] [--json]');
  });
});
