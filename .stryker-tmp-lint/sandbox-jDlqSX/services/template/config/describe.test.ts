// @ts-nocheck
import { expect } from 'chai';
import { ConfigKeys, configSchema } from './keys.ts';
import type { ConfigKey } from './keys.ts';
import { configMarkdown, defaultLabel, describeConfig, typeLabel } from './describe.ts';

const schema = configSchema({
  serviceName: 'learn-ps',
  publicPort: 8480,
  serviceSchema: {
    pets: {
      pattern: { doc: 'A | separated\n  doc.', format: ['a|b', 'c'], default: 'c' },
      partner: { doc: 'Partner URL.', format: String, default: null },
      check: { format: (value: unknown) => value, default: 1 },
      anything: { format: '*', default: 1 },
      loose: { default: {} },
      token: { doc: 'Partner token.', format: String, default: 'dev-token-123', sensitive: true },
    },
  },
});

describe('configuration reference (help text and docs/configuration.md)', () => {
  describe('describeConfig', () => {
    const text = describeConfig(schema);

    it('lists every template and service key with its type, default, variable and doc', () => {
      expect(text).to.include(
        ['  public.port (port, default 8480)', '      CRYPTOUTIL_PUBLIC_PORT', '      Port of the public HTTPS listener.'].join('\n'),
      );
      expect(text).to.include('  tls.mode (auto | files, default "auto")');
      expect(text).to.include('  tls.names (list, default ["localhost","127.0.0.1","::1"])');
      expect(text).to.include('  rateLimit.perSecond (integer ≥ 0, default 1000)');
      expect(text).to.include('  pets.partner (string, default (required))');
      const keys = new ConfigKeys(schema).list;
      for (const key of keys) {
        expect(text).to.include(`  ${key.path} (`);
        expect(text).to.include(key.envName);
      }
    });

    it('explains the sources and the list and file:// conventions', () => {
      expect(text).to.match(/^Configuration keys\. Sources, later wins: defaults, each --config YAML file in order, CRYPTOUTIL_\* environment variables\./);
      expect(text).to.include('comma-separated');
      expect(text).to.include('file:///abs/path');
    });

    it('never shows the default of a sensitive key', () => {
      expect(text).not.to.include('dev-token-123');
      expect(text).to.include('  pets.token (string, default <sensitive>)');
      expect(text).to.include('  hash.pepper (string, default <sensitive>)');
      expect(text).to.include('  barrier.shares (list, default <sensitive>)');
    });
  });

  describe('configMarkdown', () => {
    const markdown = configMarkdown(schema);
    const lines = markdown.trimEnd().split('\n');

    it('is one table with a row per key', () => {
      expect(lines[0]).to.equal('| Key | Environment variable | Type | Default | Description |');
      expect(lines[1]).to.equal('|---|---|---|---|---|');
      expect(lines).to.have.length(2 + new ConfigKeys(schema).list.length);
      expect(markdown).to.include('| `public.port` | `CRYPTOUTIL_PUBLIC_PORT` | port | `8480` | Port of the public HTTPS listener. |');
    });

    it('escapes pipes, flattens multi-line docs and hides sensitive defaults', () => {
      expect(markdown).to.include('| `tls.mode` | `CRYPTOUTIL_TLS_MODE` | auto \\| files | `"auto"` |');
      expect(markdown).to.include('| `pets.pattern` | `CRYPTOUTIL_PETS_PATTERN` | a\\|b \\| c | `"c"` | A \\| separated doc. |');
      expect(markdown).to.include('| `pets.token` | `CRYPTOUTIL_PETS_TOKEN` | string | `<sensitive>` | Partner token. |');
      expect(markdown).not.to.include('dev-token-123');
    });
  });

  describe('labels', () => {
    const keys = new ConfigKeys(schema);
    const key = (path: string): ConfigKey => {
      const found = keys.byPath(path);
      if (found === undefined) {
        throw new Error(`no key ${path}`);
      }
      return found;
    };

    it('types: custom formats, any, and formats without a friendly name', () => {
      expect(typeLabel(key('pets.check'))).to.equal('custom');
      expect(typeLabel(key('pets.anything'))).to.equal('any');
      expect(typeLabel(key('pets.loose'))).to.equal('any');
      expect(typeLabel({ ...key('pets.check'), spec: { default: 1, format: 'port_or_windows_named_pipe' } })).to.equal('port_or_windows_named_pipe');
    });

    it('defaults: JSON, required, sensitive', () => {
      expect(defaultLabel(key('public.address'))).to.equal('"127.0.0.1"');
      expect(defaultLabel(key('pets.partner'))).to.equal('(required)');
      expect(defaultLabel(key('pets.token'))).to.equal('<sensitive>');
    });
  });
});
