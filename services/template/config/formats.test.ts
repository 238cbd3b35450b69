import { expect } from 'chai';
import type { SchemaObj } from 'convict';
import type { ConfigKey } from './keys.ts';
import { formatReason } from './formats.ts';

function keyWith(spec: SchemaObj, sensitive: boolean): ConfigKey {
  return { path: 'k', envName: 'CRYPTOUTIL_K', spec: { ...spec, sensitive }, kind: 'text', sensitive };
}

const quoting = (value: unknown): void => {
  throw new Error(`rejected ${JSON.stringify(value)}`);
};

describe('format checks through convict', () => {
  it('accepts a fitting value and explains a misfit without quoting it', () => {
    const port = keyWith({ format: 'port', default: 1 }, false);
    expect(formatReason(port, 443)).to.equal(undefined);
    expect(formatReason(port, 70_000)).to.equal('ports must be within range 0 - 65535');
  });

  it('passes on a non-sensitive custom message as it is', () => {
    expect(formatReason(keyWith({ format: quoting, default: '' }, false), 'abc')).to.equal('rejected "abc"');
  });

  it('hides a custom message that quotes any part of a sensitive list', () => {
    const key = keyWith({ format: quoting, default: [] }, true);
    expect(formatReason(key, ['s3cret-share', 7, true])).to.equal('does not have the required format (value not shown: sensitive key)');
  });

  it('keeps a sensitive custom message that quotes nothing of the value', () => {
    const key = keyWith({ format: () => { throw new Error('too short'); }, default: '' }, true);
    expect(formatReason(key, ['', 'x'])).to.equal('too short');
    expect(formatReason(key, [{ nested: 'x' }])).to.equal('too short');
  });

  it('refuses a mapping for a key that takes a single value, but not for one whose default is a mapping', () => {
    expect(formatReason(keyWith({ format: String, default: '' }, false), { a: 1 })).to.equal('must be a single value or a list, not a mapping of keys');
    expect(formatReason(keyWith({ format: Object, default: {} }, false), { a: 1 })).to.equal(undefined);
  });

  it('explains a value that should be JSON and is not, instead of throwing', () => {
    const declared = keyWith({ format: (value: unknown) => { if (!Array.isArray(value)) throw new Error('must be a list'); }, default: [] }, false);
    expect(formatReason(declared, '[{"name":')).to.match(/^is not valid JSON \(.+\)$/);
    expect(formatReason(declared, '[]')).to.equal(undefined);
  });
});
