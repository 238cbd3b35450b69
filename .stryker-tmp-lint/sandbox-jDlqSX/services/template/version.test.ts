// @ts-nocheck
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findVersion, version } from './version.ts';

describe('release version', () => {
  it('comes from the cryptoutil package manifest', () => {
    expect(version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('skips manifests of other packages while walking up', () => {
    const root = mkdtempSync(join(tmpdir(), 'version-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'cryptoutil', version: '9.8.7' }));
    const nested = join(root, 'node_modules', 'other');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
    expect(findVersion(nested)).to.equal('9.8.7');
  });

  it('falls back to 0.0.0 when no manifest is found', () => {
    expect(findVersion('/')).to.equal('0.0.0');
  });
});
