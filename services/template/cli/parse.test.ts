import { expect } from 'chai';
import { UsageError } from '../errors/index.ts';
import { parseCommand } from './parse.ts';

import type { ServiceDefinition } from '../service.ts';
import { notesService } from '../testing/notes-service/index.ts';

const learnPs: ServiceDefinition = { ...notesService, name: 'learn-ps' };
const smKms: ServiceDefinition = { ...notesService, name: 'sm-kms', barrier: true };
const services = [learnPs, smKms];

describe('cryptoutil command line', () => {
  it('shows general help with no arguments, help, --help and -h', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']]) {
      expect(parseCommand(argv, services)).to.deep.equal({ kind: 'help' });
    }
  });

  it('prints the version', () => {
    expect(parseCommand(['--version'], services)).to.deep.equal({ kind: 'version' });
    expect(parseCommand(['version'], services)).to.deep.equal({ kind: 'version' });
  });

  it('runs up with the default data directory or the given one', () => {
    expect(parseCommand(['up'], services)).to.deep.equal({ kind: 'up', dataDir: '.cryptoutil', portOffset: 0, configFiles: [] });
    expect(parseCommand(['up', '--data-dir', '/tmp/x'], services)).to.deep.equal({ kind: 'up', dataDir: '/tmp/x', portOffset: 0, configFiles: [] });
    expect(parseCommand(['up', '--data-dir=/tmp/y'], services)).to.deep.equal({ kind: 'up', dataDir: '/tmp/y', portOffset: 0, configFiles: [] });
    expect(parseCommand(['up', '--help'], services)).to.deep.equal({ kind: 'up-help' });
  });

  describe('up --port-offset (DESIGN "Contract for checks")', () => {
    const suite: ServiceDefinition[] = [{ ...smKms, publicPort: 8080, upAdminPort: 9090 }, { ...learnPs, publicPort: 8480, upAdminPort: 9098 }, { ...notesService }];

    it('takes an integer, negative too, and repeated --config files in order', () => {
      expect(parseCommand(['up', '--port-offset', '1000'], suite)).to.include({ portOffset: 1000 });
      expect(parseCommand(['up', '--port-offset=+7'], suite)).to.include({ portOffset: 7 });
      expect(parseCommand(['up', '--port-offset=-8079'], suite)).to.include({ portOffset: -8079 });
      expect(parseCommand(['up', '--port-offset', String(65_535 - 9098)], suite)).to.include({ portOffset: 65_535 - 9098 });
      expect(parseCommand(['up', '-c', 'a.yml', '--config', 'b.yml'], suite)).to.deep.include({ configFiles: ['a.yml', 'b.yml'] });
    });

    it('refuses anything that is not an integer, or moves a port outside 1-65535, naming --port-offset', () => {
      const cases: [string, RegExp][] = [
        ['ten', /^--port-offset must be a whole number/],
        ['1.5', /^--port-offset must be a whole number/],
        ['', /^--port-offset must be a whole number/],
        ['-8080', /^--port-offset -8080 moves port 8080 to 0, outside 1-65535$/],
        [String(65_536 - 9098), /^--port-offset 56438 moves port 9098 to 65536, outside 1-65535$/],
      ];
      for (const [value, message] of cases) {
        expect(() => parseCommand(['up', `--port-offset=${value}`], suite), value).to.throw(UsageError, message);
      }
      expect(() => parseCommand(['up', '--port-offset'], suite)).to.throw(UsageError, /port-offset/);
    });
  });

  it('refuses bad up usage as a usage error', () => {
    expect(() => parseCommand(['up', '--data-dir'], services)).to.throw(UsageError, /data-dir/);
    expect(() => parseCommand(['up', '--data-dir', ''], services)).to.throw(UsageError, /needs a directory/);
    expect(() => parseCommand(['up', '--bogus'], services)).to.throw(UsageError, /bogus/);
    expect(() => parseCommand(['up', 'extra'], services)).to.throw(UsageError, /unexpected argument "extra" for up/);
  });

  it('parses service actions with repeated --config files in order', () => {
    expect(parseCommand(['learn-ps', 'start', '--config', 'a.yml', '-c', 'b.yml'], services)).to.deep.equal({
      kind: 'service', service: learnPs, action: 'start', configFiles: ['a.yml', 'b.yml'], help: false,
    });
    for (const action of ['livez', 'readyz', 'shutdown', 'migrate']) {
      expect(parseCommand(['sm-kms', action], services)).to.include({ kind: 'service', action, help: false });
    }
    expect(parseCommand(['sm-kms', 'start', '--help'], services)).to.include({ help: true });
  });

  it('shows service help when the action is missing or is --help', () => {
    expect(parseCommand(['learn-ps'], services)).to.deep.equal({ kind: 'service-help', service: learnPs });
    expect(parseCommand(['learn-ps', '--help'], services)).to.deep.equal({ kind: 'service-help', service: learnPs });
    expect(parseCommand(['learn-ps', '-h'], services)).to.deep.equal({ kind: 'service-help', service: learnPs });
  });

  it('names what is wrong: unknown service, unknown action, stray arguments, unknown options', () => {
    expect(() => parseCommand(['nope', 'start'], services)).to.throw(UsageError, /unknown command or service "nope"; services: learn-ps, sm-kms/);
    expect(() => parseCommand(['nope'], [])).to.throw(UsageError, /\(none yet\)/);
    expect(() => parseCommand(['learn-ps', 'explode'], services)).to.throw(UsageError, /unknown action "explode" for learn-ps/);
    expect(() => parseCommand(['learn-ps', 'start', 'extra'], services)).to.throw(UsageError, /unexpected argument "extra" for learn-ps start/);
    expect(() => parseCommand(['learn-ps', 'start', '--port', '1'], services)).to.throw(UsageError, /port/);
  });

  describe('unseal --share-file F', () => {
    it('takes the share file and the service\'s config files, or --help', () => {
      expect(parseCommand(['sm-kms', 'unseal', '--share-file', 'k1', '-c', 'a.yml', '--config', 'b.yml'], services))
        .to.deep.equal({ kind: 'unseal', service: smKms, shareFile: 'k1', configFiles: ['a.yml', 'b.yml'] });
      expect(parseCommand(['sm-kms', 'unseal', '--share-file=k2'], services)).to.deep.equal({ kind: 'unseal', service: smKms, shareFile: 'k2', configFiles: [] });
      expect(parseCommand(['sm-kms', 'unseal', '-h'], services)).to.deep.equal({ kind: 'unseal-help', service: smKms });
    });

    it('needs a share file and a service with a barrier', () => {
      expect(() => parseCommand(['sm-kms', 'unseal'], services)).to.throw(UsageError, /^--share-file F is required/);
      expect(() => parseCommand(['learn-ps', 'unseal', '--share-file', 'k1'], services)).to.throw(UsageError, /^learn-ps has no barrier/);
    });
  });

  describe('init (DESIGN "The cryptoutil command")', () => {
    it('defaults to 5 shares and threshold 3, and takes --shares, --threshold and --json', () => {
      expect(parseCommand(['sm-kms', 'init'], services)).to.deep.equal({ kind: 'init', service: smKms, shares: 5, threshold: 3, json: false });
      expect(parseCommand(['sm-kms', 'init', '--shares', '7', '--threshold=4', '--json'], services))
        .to.deep.equal({ kind: 'init', service: smKms, shares: 7, threshold: 4, json: true });
      expect(parseCommand(['sm-kms', 'init', '--shares', '255', '--threshold', '255'], services)).to.include({ shares: 255, threshold: 255 });
      expect(parseCommand(['sm-kms', 'init', '--shares', '2', '--threshold', '2'], services)).to.include({ shares: 2, threshold: 2 });
      expect(parseCommand(['sm-kms', 'init', '--help'], services)).to.deep.equal({ kind: 'init-help', service: smKms });
    });

    it('refuses bad numbers as usage errors naming the flag', () => {
      const cases: [string[], RegExp][] = [
        [['--shares', 'five'], /^--shares must be a whole number$/],
        [['--shares', '2.5'], /^--shares must be a whole number$/],
        [['--threshold', ''], /^--threshold must be a whole number$/],
        [['--shares', '256', '--threshold', '3'], /^--shares must be at most 255$/],
        [['--shares', '1', '--threshold', '1'], /^--shares must be at least 2$/],
        [['--threshold', '1'], /^--threshold must be at least 2/],
        [['--threshold', '0'], /^--threshold must be at least 2/],
        [['--shares', '3', '--threshold', '4'], /^--threshold must not exceed --shares$/],
        [['--threshold', '6'], /^--threshold must not exceed --shares$/],
        [['--shares', '-1'], /shares/],
        [['--bogus'], /bogus/],
        [['extra'], /unexpected argument "extra" for sm-kms init/],
      ];
      for (const [args, message] of cases) {
        expect(() => parseCommand(['sm-kms', 'init', ...args], services), args.join(' ')).to.throw(UsageError, message);
      }
    });

    it('is refused for a service without a barrier, and listed only for services with one', () => {
      expect(() => parseCommand(['learn-ps', 'init'], services)).to.throw(UsageError, /^learn-ps has no barrier/);
      expect(() => parseCommand(['learn-ps', 'init', '--help'], services)).to.throw(UsageError, /no barrier/);
      expect(() => parseCommand(['sm-kms', 'explode'], services)).to.throw(UsageError, /actions: start, livez, readyz, shutdown, migrate, backup, restore, init, unseal$/);
      expect(() => parseCommand(['learn-ps', 'explode'], services)).to.throw(UsageError, /actions: start, livez, readyz, shutdown, migrate, backup, restore$/);
    });
  });
});
