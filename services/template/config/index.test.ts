import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schema } from 'convict';
import { UsageError } from '../errors/index.ts';
import type { LoadConfigOptions } from './index.ts';
import { configHelp, defaultDatabaseUrl, loadConfig } from './index.ts';

interface PetsConfig {
  pets: { maxPageSize: number; greeting: string; featured: boolean; discount: number; apiKey: string; tags: string[]; labels: Record<string, string> };
  store: { cache: { size: number } };
}

const SECRET = 'correct-horse-battery-staple';

const petsSchema: Schema<PetsConfig> = {
  pets: {
    maxPageSize: { doc: 'Largest page.', format: 'nat', default: 100 },
    greeting: { doc: 'Greeting.', format: String, default: 'hello' },
    featured: { doc: 'Show featured pets.', format: Boolean, default: false },
    discount: { doc: 'Discount factor.', format: Number, default: 0.5 },
    apiKey: {
      doc: 'Partner API key.',
      format: (value: unknown) => {
        if (typeof value !== 'string' || value.length > 8) {
          throw new Error(`${String(value)} is longer than 8 characters`);
        }
      },
      default: '',
      sensitive: true,
    },
    tags: { doc: 'Tags.', format: Array, default: ['cats'] },
    labels: { doc: 'Free-form labels.', format: Object, default: { team: 'pets' } },
  },
  store: { cache: { size: { doc: 'Cache entries.', format: 'nat', default: 10 } } },
};

describe('configuration loading (DESIGN "Configuration")', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cryptoutil-config-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  function load(options: Partial<LoadConfigOptions<PetsConfig>> = {}): ReturnType<typeof loadConfig<PetsConfig>> {
    return loadConfig<PetsConfig>({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: petsSchema, files: [], env: {}, ...options });
  }

  function usageMessage(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).exitCode).to.equal(2);
      return (error as UsageError).message;
    }
    return expect.fail('expected a UsageError');
  }

  describe('defaults', () => {
    it('gives every template key its documented default, with the service public port', () => {
      const config = load();
      expect(config.public).to.deep.equal({ address: '127.0.0.1', port: 8480 });
      expect(config.admin).to.deep.equal({ address: '127.0.0.1', port: 9090, token: '' });
      expect(config.tls.mode).to.equal('auto');
      expect(config.database.url).to.equal('sqlite:.cryptoutil/learn-ps.sqlite');
      expect(config.dataDir).to.equal('.cryptoutil');
    });

    it('puts the default database in dataDir, wherever dataDir comes from; a configured database.url stays', () => {
      expect(load({ env: { CRYPTOUTIL_DATADIR: '/tmp/a' } }).database.url).to.equal('sqlite:/tmp/a/learn-ps.sqlite');
      expect(load({ files: [file('data-dir.yml', 'dataDir: /srv/pets\n')] }).database.url).to.equal('sqlite:/srv/pets/learn-ps.sqlite');
      expect(load({ env: { CRYPTOUTIL_DATADIR: '/tmp/a', CRYPTOUTIL_DATABASE_URL: 'sqlite:/elsewhere.sqlite' } }).database.url).to.equal('sqlite:/elsewhere.sqlite');
      expect(defaultDatabaseUrl('.cryptoutil', 'sm-kms')).to.equal('sqlite:.cryptoutil/sm-kms.sqlite');
    });

    it('includes the service keys, nested at any depth', () => {
      const config = load();
      expect(config.pets.maxPageSize).to.equal(100);
      expect(config.store.cache.size).to.equal(10);
    });

    it('works without a service schema', () => {
      const config = loadConfig({ serviceName: 'sm-kms', publicPort: 8080, files: [], env: {} });
      expect(config.public.port).to.equal(8080);
    });

    it('hash.maxConcurrent (0: cores − 1) and hash.maxQueued (256) default, and refuse what is not a count, naming the key', () => {
      expect(load().hash).to.deep.equal({ pepper: '', maxConcurrent: 0, maxQueued: 256 });
      expect(load({ env: { CRYPTOUTIL_HASH_MAXCONCURRENT: '3', CRYPTOUTIL_HASH_MAXQUEUED: '0' } }).hash).to.include({ maxConcurrent: 3, maxQueued: 0 });
      expect(usageMessage(() => load({ files: [file('hash-gate.yml', 'hash:\n  maxConcurrent: -1\n')] }))).to.include('hash.maxConcurrent');
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_HASH_MAXQUEUED: 'many' } }))).to.include('hash.maxQueued');
    });

    it('ignores the process environment: only the env it is given counts', () => {
      process.env.CRYPTOUTIL_PUBLIC_PORT = '1';
      try {
        expect(load().public.port).to.equal(8480);
      } finally {
        delete process.env.CRYPTOUTIL_PUBLIC_PORT;
      }
    });
  });

  describe('precedence: defaults → files in order → environment → overrides', () => {
    it('a file beats the default', () => {
      expect(load({ files: [file('one.yml', 'public:\n  port: 8001\n')] }).public.port).to.equal(8001);
    });

    it('a later file beats an earlier one, key by key', () => {
      const first = file('first.yml', 'public:\n  port: 8001\n  address: 0.0.0.0\n');
      const second = file('second.yml', 'public:\n  port: 8002\n');
      expect(load({ files: [first, second] }).public).to.deep.equal({ address: '0.0.0.0', port: 8002 });
    });

    it('the environment beats every file', () => {
      const config = load({ files: [file('env-wins.yml', 'public:\n  port: 8001\n')], env: { CRYPTOUTIL_PUBLIC_PORT: '8003' } });
      expect(config.public.port).to.equal(8003);
    });

    it('overrides beat the environment', () => {
      const config = load({ env: { CRYPTOUTIL_PUBLIC_PORT: '8003' }, overrides: { public: { port: 8004 } } });
      expect(config.public.port).to.equal(8004);
    });

    it('a list from a later source replaces the earlier list rather than merging', () => {
      const config = load({ files: [file('list.yml', 'ipAllowlist: [10.0.0.0/8, 192.168.0.0/16]\n')], env: { CRYPTOUTIL_IPALLOWLIST: '127.0.0.1' } });
      expect(config.ipAllowlist).to.deep.equal(['127.0.0.1']);
    });

    it('only the winning value is checked: a bad value overridden later is no problem', () => {
      const config = load({ files: [file('bad-then-good.yml', 'public:\n  port: eighty\n')], env: { CRYPTOUTIL_PUBLIC_PORT: '8005' } });
      expect(config.public.port).to.equal(8005);
    });
  });

  describe('config files', () => {
    it('reads IPv6 and IPv4 literals as strings', () => {
      const config = load({ files: [file('names.yml', 'tls:\n  names: [::1, 127.0.0.1, localhost]\n')] });
      expect(config.tls.names).to.deep.equal(['::1', '127.0.0.1', 'localhost']);
    });

    it('treats an empty or comments-only file as setting nothing', () => {
      expect(load({ files: [file('empty.yml', ''), file('comments.yml', '# nothing yet\n')] }).public.port).to.equal(8480);
    });

    it('treats a group with every child commented out as setting nothing', () => {
      expect(load({ files: [file('null-group.yml', 'tls:\n  # mode: files\n')] }).tls.mode).to.equal('auto');
    });

    it('names a missing file', () => {
      const missing = join(dir, 'missing.yml');
      expect(usageMessage(() => load({ files: [missing] }))).to.equal(`cannot read config file ${missing}: ENOENT`);
    });

    it('names the file and position of a YAML syntax error without quoting the line', () => {
      const path = file('syntax.yml', `hash: pepper: ${SECRET}\n`);
      const message = usageMessage(() => load({ files: [path] }));
      expect(message).to.match(new RegExp(`^invalid YAML in config file ${path}: .* at line 1, column \\d+$`));
      expect(message).not.to.include(SECRET);
    });

    it('refuses duplicate keys', () => {
      const path = file('duplicate.yml', 'public:\n  port: 1\n  port: 2\n');
      expect(usageMessage(() => load({ files: [path] }))).to.match(/^invalid YAML in config file .*duplicate\.yml: Map keys must be unique/);
    });

    it('refuses a file whose top level is a list or a scalar', () => {
      const list = file('list-top.yml', '- public\n');
      const scalar = file('scalar-top.yml', 'just text\n');
      expect(usageMessage(() => load({ files: [list] }))).to.equal(`config file ${list} must hold a mapping of keys at its top level`);
      expect(usageMessage(() => load({ files: [scalar] }))).to.equal(`config file ${scalar} must hold a mapping of keys at its top level`);
    });

    it('names an unknown key by its full path and the file', () => {
      const path = file('unknown-top.yml', 'publik:\n  port: 1\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(`unknown key "publik.port" in config file ${path} (did you mean "public.port"?)`);
    });

    it('names an unknown scalar key, and an unknown empty mapping, as they are', () => {
      const path = file('unknown-scalar.yml', 'verbose: true\nextra: {}\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        [`unknown key "verbose" in config file ${path}`, `unknown key "extra" in config file ${path}`].join('\n'),
      );
    });

    it('names an unknown key at any depth', () => {
      const path = file('unknown-deep.yml', 'public:\n  prot: 1\nstore:\n  cache:\n    sise: 3\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        [`unknown key "public.prot" in config file ${path} (did you mean "public.port"?)`, `unknown key "store.cache.sise" in config file ${path} (did you mean "store.cache.size"?)`].join('\n'),
      );
    });

    it('refuses a key below a value', () => {
      const path = file('below-leaf.yml', 'public:\n  port:\n    number: 1\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        `invalid value for "public.port" from config file ${path}: must be a single value or a list, not a mapping of keys`,
      );
    });

    it('refuses a scalar or a list where a group of keys belongs', () => {
      const path = file('scalar-group.yml', 'tls: files\nstore:\n  cache: [1]\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        [`"tls" in config file ${path} must be a mapping of keys`, `"store.cache" in config file ${path} must be a mapping of keys`].join('\n'),
      );
    });

    it('does not treat __proto__ or constructor as keys', () => {
      const path = file('proto.yml', '__proto__:\n  polluted: true\nconstructor: 1\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        [`unknown key "__proto__.polluted" in config file ${path}`, `unknown key "constructor" in config file ${path}`].join('\n'),
      );
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it('takes a mapping as the value of an Object key, replacing the default mapping', () => {
      const config = load({ files: [file('labels.yml', 'pets:\n  labels:\n    owner: alice\n')] });
      expect(config.pets.labels).to.deep.equal({ owner: 'alice' });
    });

    it('accepts numeric strings for numbers and a comma string for a list', () => {
      const config = load({ files: [file('strings.yml', 'public:\n  port: "8010"\ncors:\n  origins: "https://a.example, https://b.example"\n')] });
      expect(config.public.port).to.equal(8010);
      expect(config.cors.origins).to.deep.equal(['https://a.example', 'https://b.example']);
    });

    it('keeps typing strict: a number where a string belongs is refused', () => {
      const path = file('number-for-string.yml', 'auth:\n  audience: 12\n');
      expect(usageMessage(() => load({ files: [path] }))).to.equal(`invalid value for "auth.audience" from config file ${path}: must be of type String`);
    });
  });

  describe('environment CRYPTOUTIL_<PATH>', () => {
    it('maps dotted camelCase paths to upper-case variables', () => {
      const config = load({
        env: {
          CRYPTOUTIL_RATELIMIT_PERSECOND: '7',
          CRYPTOUTIL_DATABASE_URL: 'sqlite::memory:',
          CRYPTOUTIL_DATADIR: '/var/lib/cryptoutil',
          CRYPTOUTIL_STORE_CACHE_SIZE: '3',
        },
      });
      expect(config.rateLimit.perSecond).to.equal(7);
      expect(config.database.url).to.equal('sqlite::memory:');
      expect(config.dataDir).to.equal('/var/lib/cryptoutil');
      expect(config.store.cache.size).to.equal(3);
    });

    it('splits lists on commas and trims blanks; an empty variable is an empty list', () => {
      expect(load({ env: { CRYPTOUTIL_IPALLOWLIST: ' 10.0.0.0/8 ,, ::1 ' } }).ipAllowlist).to.deep.equal(['10.0.0.0/8', '::1']);
      expect(load({ env: { CRYPTOUTIL_PETS_TAGS: '' } }).pets.tags).to.deep.equal([]);
    });

    it('parses booleans and numbers strictly', () => {
      const config = load({ env: { CRYPTOUTIL_PETS_FEATURED: 'TRUE', CRYPTOUTIL_PETS_DISCOUNT: '0.25' } });
      expect(config.pets.featured).to.equal(true);
      expect(config.pets.discount).to.equal(0.25);
      expect(load({ env: { CRYPTOUTIL_PETS_FEATURED: 'false' } }).pets.featured).to.equal(false);
    });

    it('names the variable of a value that does not parse', () => {
      const message = usageMessage(() =>
        load({ env: { CRYPTOUTIL_PUBLIC_PORT: '80x', CRYPTOUTIL_PETS_FEATURED: 'yes', CRYPTOUTIL_PETS_DISCOUNT: 'half', CRYPTOUTIL_ADMIN_PORT: '' } }),
      );
      expect(message.split('\n')).to.have.members([
        'invalid value for "public.port" from environment CRYPTOUTIL_PUBLIC_PORT: must be an integer',
        'invalid value for "admin.port" from environment CRYPTOUTIL_ADMIN_PORT: must be an integer',
        'invalid value for "pets.featured" from environment CRYPTOUTIL_PETS_FEATURED: must be true or false',
        'invalid value for "pets.discount" from environment CRYPTOUTIL_PETS_DISCOUNT: must be a number',
      ]);
    });

    it('names the variable of a value outside its format', () => {
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_PUBLIC_PORT: '70000' } }))).to.equal(
        'invalid value for "public.port" from environment CRYPTOUTIL_PUBLIC_PORT: ports must be within range 0 - 65535',
      );
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_TLS_MODE: 'manual' } }))).to.equal(
        'invalid value for "tls.mode" from environment CRYPTOUTIL_TLS_MODE: must be one of the possible values: ["auto","files"]',
      );
    });

    it('refuses an unknown CRYPTOUTIL_ variable and ignores everything else', () => {
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_PUBLIK_PORT: '1', HOME: '/root', PATH: '/bin' } }))).to.equal(
        'unknown environment variable CRYPTOUTIL_PUBLIK_PORT: no configuration key has that name (did you mean "CRYPTOUTIL_PUBLIC_PORT"?)',
      );
    });

    it('refuses a variable that names a group rather than a key', () => {
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_TLS: 'files' } }))).to.equal(
        'unknown environment variable CRYPTOUTIL_TLS: no configuration key has that name',
      );
    });

    it('skips variables whose value is undefined', () => {
      expect(load({ env: { CRYPTOUTIL_PUBLIC_PORT: undefined } }).public.port).to.equal(8480);
    });
  });

  describe('overrides (cryptoutil up)', () => {
    it('apply a nested object last', () => {
      const config = load({ overrides: { tls: { mode: 'auto' }, database: { url: 'sqlite:/tmp/x.sqlite' }, dataDir: '/tmp' } });
      expect(config.database.url).to.equal('sqlite:/tmp/x.sqlite');
      expect(config.dataDir).to.equal('/tmp');
    });

    it('name unknown keys and bad values with "overrides" as the source', () => {
      expect(usageMessage(() => load({ overrides: { admin: { adress: '127.0.0.1' } } }))).to.equal('unknown key "admin.adress" in overrides (did you mean "admin.address"?)');
      expect(usageMessage(() => load({ overrides: { admin: { port: -1 } } }))).to.equal(
        'invalid value for "admin.port" from overrides: ports must be within range 0 - 65535',
      );
    });
  });

  describe('file:// references (Kubernetes and Docker secrets)', () => {
    it('replace a scalar with the file content minus its trailing newline', () => {
      const pepper = file('pepper', `${SECRET}\n`);
      const config = load({ env: { CRYPTOUTIL_HASH_PEPPER: `file://${pepper}` } });
      expect(config.hash.pepper).to.equal(SECRET);
    });

    it('strip a Windows line ending too, and only one newline', () => {
      const crlf = file('crlf', 'line\r\n');
      const two = file('two-newlines', 'line\n\n');
      expect(load({ overrides: { pets: { greeting: `file://${crlf}` } } }).pets.greeting).to.equal('line');
      expect(load({ overrides: { pets: { greeting: `file://${two}` } } }).pets.greeting).to.equal('line\n');
    });

    it('replace each entry of a list, from a file and from the environment', () => {
      const first = file('share-1', 'share-one\n');
      const second = file('share-2', 'share-two');
      const fromFile = load({ files: [file('shares.yml', `barrier:\n  shares:\n    - file://${first}\n    - file://${second}\n    - inline\n`)] });
      expect(fromFile.barrier.shares).to.deep.equal(['share-one', 'share-two', 'inline']);
      const fromEnv = load({ env: { CRYPTOUTIL_BARRIER_SHARES: `file://${first},file://${second}` } });
      expect(fromEnv.barrier.shares).to.deep.equal(['share-one', 'share-two']);
    });

    it('feed numbers too: the content is parsed like any other string', () => {
      const port = file('port', '8020\n');
      expect(load({ env: { CRYPTOUTIL_PUBLIC_PORT: `file://${port}` } }).public.port).to.equal(8020);
    });

    it('decode percent-encoded paths', () => {
      mkdirSync(join(dir, 'with space'));
      const path = file('with space/secret', 'spaced');
      expect(load({ overrides: { pets: { greeting: `file://${path.replace(' ', '%20')}` } } }).pets.greeting).to.equal('spaced');
    });

    it('name the key, the source and the path of a missing file', () => {
      const missing = join(dir, 'no-such-secret');
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_HASH_PEPPER: `file://${missing}` } }))).to.equal(
        `cannot read ${missing} referenced by "hash.pepper" from environment CRYPTOUTIL_HASH_PEPPER: ENOENT`,
      );
    });

    it('name the key of an unreadable entry inside a list', () => {
      const path = file('bad-share.yml', `barrier:\n  shares: [inline, "file://${dir}"]\n`);
      expect(usageMessage(() => load({ files: [path] }))).to.equal(
        `cannot read ${dir} referenced by "barrier.shares" from config file ${path}: EISDIR`,
      );
    });

    it('refuse a reference that is not an absolute file URL', () => {
      expect(usageMessage(() => load({ env: { CRYPTOUTIL_HASH_PEPPER: 'file://relative/secret' } }))).to.equal(
        'invalid value for "hash.pepper" from environment CRYPTOUTIL_HASH_PEPPER: a file reference must be file:///absolute/path',
      );
    });
  });

  describe('sensitive values never appear in messages', () => {
    it('a wrongly typed sensitive value is not quoted', () => {
      const path = file('pepper-number.yml', 'hash:\n  pepper: 424242424242\n');
      const message = usageMessage(() => load({ files: [path] }));
      expect(message).to.equal(`invalid value for "hash.pepper" from config file ${path}: must be of type String`);
      expect(message).not.to.include('424242424242');
    });

    it('a service format that quotes the rejected value is hidden for a sensitive key', () => {
      const message = usageMessage(() => load({ env: { CRYPTOUTIL_PETS_APIKEY: SECRET } }));
      expect(message).to.equal(
        'invalid value for "pets.apiKey" from environment CRYPTOUTIL_PETS_APIKEY: does not have the required format (value not shown: sensitive key)',
      );
    });

    it('a sensitive value read from a file is not quoted either', () => {
      const secretFile = file('api-key', SECRET);
      const message = usageMessage(() => load({ env: { CRYPTOUTIL_PETS_APIKEY: `file://${secretFile}` } }));
      expect(message).not.to.include(SECRET);
    });

    it('a sensitive key whose format message does not quote the value keeps that message', () => {
      expect(usageMessage(() => load({ overrides: { barrier: { shares: { first: SECRET } } } }))).to.equal(
        'invalid value for "barrier.shares" from overrides: must be a single value or a list, not a mapping of keys',
      );
      expect(usageMessage(() => load({ overrides: { barrier: { shares: true } } }))).to.equal(
        'invalid value for "barrier.shares" from overrides: must be of type Array',
      );
    });
  });

  describe('required values (default null)', () => {
    it('say the key is required and where its value came from', () => {
      const schema: Schema<{ partner: { url: string } }> = { partner: { url: { doc: 'Partner URL.', format: String, default: null } } };
      expect(usageMessage(() => loadConfig({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: schema, files: [], env: {} }))).to.equal(
        '"partner.url" is required (from default)',
      );
      const config = loadConfig({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: schema, files: [], env: { CRYPTOUTIL_PARTNER_URL: 'https://p' } });
      expect(config.partner.url).to.equal('https://p');
    });
  });

  describe('programming errors in the schema are plain errors, not usage errors', () => {
    it('a service key clashing with a template key', () => {
      const clash = { tls: { doc: 'mine', format: String, default: '' } } as Schema<object>;
      expect(() => loadConfig({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: clash, files: [], env: {} }))
        .to.throw(Error, 'service learn-ps redefines the template config key "tls"')
        .and.not.be.instanceOf(UsageError);
    });

    it('an unknown convict format', () => {
      const bad = { pets: { size: { format: 'no-such-format', default: 1 } } } as Schema<object>;
      expect(() => loadConfig({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: bad, files: [], env: {} })).to.throw(Error, /unknown format type/);
    });
  });

  it('reports every problem of every source in one message', () => {
    const path = file('many.yml', 'publik: 1\n');
    const message = usageMessage(() => load({ files: [path], env: { CRYPTOUTIL_NOPE: '1', CRYPTOUTIL_PUBLIC_PORT: 'x' } }));
    expect(message.split('\n')).to.have.length(3);
  });

  it('reports a broken rule together with a wrong type elsewhere, with a near-miss key named', () => {
    const path = file('mixed.yml', 'admin:\n  address: 0.0.0.0\ndatabse:\n  url: "sqlite::memory:"\n');
    const message = usageMessage(() => load({ files: [path], env: { CRYPTOUTIL_PUBLIC_PORT: 'x' } }));
    expect(message.split('\n')).to.deep.equal([
      `unknown key "databse.url" in config file ${path} (did you mean "database.url"?)`,
      'invalid value for "public.port" from environment CRYPTOUTIL_PUBLIC_PORT: must be an integer',
      `"admin.address" must be a loopback address (127.0.0.0/8, ::1 or localhost) (from config file ${path})`,
    ]);
  });

  it('configHelp lists template and service keys', () => {
    const help = configHelp({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: petsSchema });
    expect(help).to.include('public.port (port, default 8480)');
    expect(help).to.include('CRYPTOUTIL_STORE_CACHE_SIZE');
  });
});
