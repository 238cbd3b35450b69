import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSuite } from './up.ts';
import { main, EXIT_USAGE } from './main.ts';
import { layersFor, readUpConfig, wiredKeyProblems, type UpConfigFile } from './up-config.ts';
import { notesHandlers, notesService } from '../testing/notes-service/index.ts';
import type { ServiceDefinition } from '../service.ts';
import type { TemplateConfig } from '../config/index.ts';
import { UsageError } from '../errors/index.ts';

/** Notes services that record the configuration they started with. */
function recording(names: readonly string[]): { services: ServiceDefinition[]; seen: Map<string, TemplateConfig> } {
  const seen = new Map<string, TemplateConfig>();
  const services = names.map((name): ServiceDefinition => ({
    ...notesService,
    name,
    setup: (runtime) => {
      seen.set(name, runtime.config);
      return { operations: notesHandlers };
    },
  }));
  return { services, seen };
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cryptoutil-up-config-'));
}

async function yaml(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

function usageMessage(error: unknown): string {
  expect(error).to.be.instanceOf(UsageError);
  return (error as Error).message;
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a failure');
}

describe('cryptoutil up --config', () => {
  it('applies top-level keys to every service and a services section to its service only, file by file', async () => {
    const dir = await scratch();
    const shared = await yaml(dir, 'shared.yml', 'rateLimit: { perSecond: 7 }\nlog: { level: error }\nservices:\n  beta: { rateLimit: { burst: 3 } }\n');
    const later = await yaml(dir, 'later.yml', 'services:\n  alpha: { rateLimit: { perSecond: 9 } }\n  beta: ~\n');
    const { services, seen } = recording(['alpha', 'beta']);
    const suite = await startSuite({ dataDir: join(dir, 'data'), services, configFiles: [shared, later], env: {}, stdout: () => undefined });
    await suite.stop();
    expect(seen.get('alpha')?.rateLimit).to.include({ perSecond: 9, burst: 2000 });
    expect(seen.get('beta')?.rateLimit).to.include({ perSecond: 7, burst: 3 });
    expect(seen.get('alpha')?.log.level).to.equal('error');
  });

  it('sits above up\'s quiet log level and below CRYPTOUTIL_* variables', async () => {
    const dir = await scratch();
    const file = await yaml(dir, 'log.yml', 'log: { level: error }\nrateLimit: { perSecond: 7 }\n');
    const { services, seen } = recording(['alpha']);
    const quiet = await startSuite({ dataDir: join(dir, 'a'), services, env: {}, stdout: () => undefined });
    await quiet.stop();
    expect(seen.get('alpha')?.log.level).to.equal('warn');
    const suite = await startSuite({ dataDir: join(dir, 'b'), services, configFiles: [file], env: { CRYPTOUTIL_RATELIMIT_PERSECOND: '11', CRYPTOUTIL_LOG_LEVEL: 'silent' }, stdout: () => undefined });
    await suite.stop();
    expect(seen.get('alpha')?.rateLimit.perSecond).to.equal(11);
    expect(seen.get('alpha')?.log.level).to.equal('silent');
  });

  it('refuses, before any service starts, unknown keys and services and the keys up sets itself, each named with its file once', async () => {
    const dir = await scratch();
    const file = await yaml(dir, 'bad.yml', [
      'bogus: 1',
      'public: { port: 1234 }',
      'database: { url: "sqlite::memory:" }',
      'services:',
      '  alpha: { rateLimit: { nope: 1 } }',
      '  gamma: {}',
      '  beta: 5',
      '',
    ].join('\n'));
    const { services, seen } = recording(['alpha', 'beta']);
    let out = '';
    const error = await failure(() => startSuite({ dataDir: join(dir, 'data'), services, configFiles: [file], env: {}, stdout: (text) => { out += text; } }));
    expect(usageMessage(error).split('\n')).to.have.members([
      `unknown service "services.gamma" in config file ${file}; services: alpha, beta`,
      `"services.beta" in config file ${file} must be a mapping of keys`,
    ]);
    const { services: fine } = recording(['alpha', 'beta']);
    const keys = await yaml(dir, 'keys.yml', 'bogus: 1\npublic: { port: 1234 }\ndatabase: { url: "sqlite::memory:" }\nservices:\n  alpha: { rateLimit: { nope: 1 } }\n');
    const keyError = await failure(() => startSuite({ dataDir: join(dir, 'data'), services: fine, configFiles: [keys], env: {}, stdout: (text) => { out += text; } }));
    expect(usageMessage(keyError).split('\n')).to.have.members([
      `"public.port" in config file ${keys} is set by cryptoutil up itself (ports move with --port-offset, data with --data-dir)`,
      `"database.url" in config file ${keys} is set by cryptoutil up itself (ports move with --port-offset, data with --data-dir)`,
      `unknown key "bogus" in config file ${keys}`,
      `unknown key "rateLimit.nope" in config file ${keys} (services.alpha)`,
    ]);
    expect(out).to.equal('');
    expect(seen.size).to.equal(0);
  });

  it('names a file it cannot read, a file without a mapping and a services key that is not one', async () => {
    const dir = await scratch();
    const missing = join(dir, 'missing.yml');
    const list = await yaml(dir, 'list.yml', '- a\n');
    const flat = await yaml(dir, 'flat.yml', 'services: [alpha]\n');
    const empty = await yaml(dir, 'empty.yml', 'services: ~\n');
    const services = recording(['alpha']).services;
    expect(usageMessage(await failure(() => Promise.resolve(readUpConfig([missing, list, flat], services)))).split('\n')).to.deep.equal([
      `cannot read config file ${missing}: ENOENT`,
      `config file ${list} must hold a mapping of keys at its top level`,
      `"services" in config file ${flat} must be a mapping of service names`,
    ]);
    expect(readUpConfig([empty], services)).to.deep.equal([{ source: `config file ${empty}`, shared: {}, services: {} }]);
  });

  it('gives each service the shared keys, then its section, in file order; only leaves up sets clash', () => {
    const files: UpConfigFile[] = [
      { source: 'config file a.yml', shared: { log: { level: 'info' } }, services: { alpha: { body: { limitBytes: 5 } } } },
      { source: 'config file b.yml', shared: {}, services: {} },
    ];
    expect(layersFor(files, 'alpha')).to.deep.equal([
      { source: 'config file a.yml', values: { log: { level: 'info' } } },
      { source: 'config file a.yml (services.alpha)', values: { body: { limitBytes: 5 } } },
      { source: 'config file b.yml', values: {} },
      { source: 'config file b.yml (services.alpha)', values: {} },
    ]);
    const overrides = { tls: { mode: 'auto' }, barrier: { shares: ['x'] }, dataDir: '/d' };
    expect(wiredKeyProblems([{ source: 'f', values: { tls: { caFile: '/ca.pem' }, barrier: { shares: [] }, ipAllowlist: ['::1'], cors: {} } }], overrides))
      .to.deep.equal(['"barrier.shares" in f is set by cryptoutil up itself (ports move with --port-offset, data with --data-dir)']);
  });

  it('lets a programming error in a service schema through as it is, not as a usage error', async () => {
    const clash: ServiceDefinition = { ...notesService, name: 'clash', configSchema: { public: { port: { doc: 'clash', format: 'port', default: 1 } } } };
    const dataDir = join(await scratch(), 'data');
    const error = await failure(() => startSuite({ dataDir, services: [clash], env: {}, stdout: () => undefined }));
    expect(error).to.be.instanceOf(Error).and.not.be.instanceOf(UsageError);
  });

  it('exits 2 through the command line', async () => {
    const dir = await scratch();
    const file = await yaml(dir, 'bad.yml', 'bogus: 1\n');
    let err = '';
    const code = await main(['up', '--data-dir', join(dir, 'data'), '--config', file], {
      services: recording(['alpha']).services,
      env: {},
      stdout: () => undefined,
      stderr: (text) => { err += text; },
      onSignal: () => () => undefined,
    });
    expect(code).to.equal(EXIT_USAGE);
    expect(err).to.equal(`cryptoutil: unknown key "bogus" in config file ${file}\n`);
  });
});
