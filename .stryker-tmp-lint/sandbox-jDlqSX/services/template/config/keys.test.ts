// @ts-nocheck
import { expect } from 'chai';
import type { Schema } from 'convict';
import { ConfigKeys, configSchema, envName, formatName } from './keys.ts';

describe('configuration keys', () => {
  describe('envName (DESIGN "Configuration": dots become _, upper case)', () => {
    it('maps nested camelCase paths', () => {
      expect(envName('rateLimit.perSecond')).to.equal('CRYPTOUTIL_RATELIMIT_PERSECOND');
      expect(envName('database.url')).to.equal('CRYPTOUTIL_DATABASE_URL');
      expect(envName('dataDir')).to.equal('CRYPTOUTIL_DATADIR');
    });
  });

  describe('configSchema', () => {
    it('adds the service keys beside the template keys', () => {
      const schema = configSchema({ serviceName: 'learn-ps', publicPort: 8480, serviceSchema: { pets: { size: { format: 'nat', default: 1 } } } });
      expect(Object.keys(schema)).to.include.members(['public', 'tls', 'dataDir', 'pets']);
    });

    it('refuses a service key that redefines a template key', () => {
      expect(() => configSchema({ serviceName: 'x', publicPort: 1, serviceSchema: { dataDir: { format: String, default: '' } } })).to.throw(
        'service x redefines the template config key "dataDir"',
      );
    });
  });

  describe('ConfigKeys', () => {
    const keys = new ConfigKeys({
      group: { inner: { leaf: { format: 'port', default: 1 } } },
      short: 5,
      emptyObject: {},
      hidden: { format: String, default: '', sensitive: true },
    });

    it('lists leaves in schema order with their paths and variables', () => {
      expect(keys.list.map((key) => [key.path, key.envName])).to.deep.equal([
        ['group.inner.leaf', 'CRYPTOUTIL_GROUP_INNER_LEAF'],
        ['short', 'CRYPTOUTIL_SHORT'],
        ['emptyObject', 'CRYPTOUTIL_EMPTYOBJECT'],
        ['hidden', 'CRYPTOUTIL_HIDDEN'],
      ]);
    });

    it('treats shorthand values as keys with that default, as convict does', () => {
      expect(keys.byPath('short')?.spec).to.deep.equal({ default: 5 });
      expect(keys.byPath('emptyObject')?.spec).to.deep.equal({ default: {} });
    });

    it('knows groups from keys', () => {
      expect(keys.isGroup('group')).to.equal(true);
      expect(keys.isGroup('group.inner')).to.equal(true);
      expect(keys.isGroup('group.inner.leaf')).to.equal(false);
      expect(keys.byPath('group.inner')).to.equal(undefined);
    });

    it('finds keys by variable and marks sensitive ones', () => {
      expect(keys.byEnv('CRYPTOUTIL_GROUP_INNER_LEAF')?.path).to.equal('group.inner.leaf');
      expect(keys.byEnv('CRYPTOUTIL_HIDDEN')?.sensitive).to.equal(true);
      expect(keys.byPath('short')?.sensitive).to.equal(false);
    });

    it('refuses two keys that share one variable', () => {
      expect(() => new ConfigKeys({ a: { b_c: 1 }, a_b: { c: 2 } })).to.throw(
        'config keys "a.b_c" and "a_b.c" share the environment variable CRYPTOUTIL_A_B_C',
      );
    });
  });

  describe('value kinds follow the format convict coerces by', () => {
    const cases: readonly (readonly [string, Schema<object>, string])[] = [
      ['port', { k: { format: 'port', default: 1 } }, 'integer'],
      ['nat', { k: { format: 'nat', default: 1 } }, 'integer'],
      ['int', { k: { format: 'int', default: 1 } }, 'integer'],
      ['Number', { k: { format: Number, default: 1 } }, 'number'],
      ['Boolean', { k: { format: Boolean, default: true } }, 'boolean'],
      ['Array', { k: { format: Array, default: [] } }, 'list'],
      ['String', { k: { format: String, default: '' } }, 'text'],
      ['enum', { k: { format: ['a', 'b'], default: 'a' } }, 'text'],
      ['custom function', { k: { format: () => undefined, default: 0 } }, 'text'],
      ['no format, number default', { k: { default: 2 } }, 'number'],
      ['no format, boolean default', { k: { default: false } }, 'boolean'],
      ['no format, list default', { k: { default: ['x'] } }, 'list'],
      ['no format, null default', { k: { default: null } }, 'text'],
    ] as const;
    for (const [name, schema, kind] of cases) {
      it(`${name} → ${kind}`, () => {
        expect(new ConfigKeys(schema).byPath('k')?.kind).to.equal(kind);
      });
    }

    it('formatName names built-in constructors and default types, and nothing for custom formats', () => {
      expect(formatName({ default: '', format: RegExp })).to.equal('RegExp');
      expect(formatName({ default: 'x' })).to.equal('String');
      expect(formatName({ default: 0, format: () => undefined })).to.equal(undefined);
      expect(formatName({ default: {} })).to.equal(undefined);
    });
  });
});
