import { expect } from 'chai';
import { DEV_IMAGE, imageAllowed, imageMatches, parseAllowedImages } from './images.ts';

describe('allowed images (spec.image)', () => {
  const table: readonly [entry: string, image: string, matches: boolean][] = [
    ['cryptoutil:dev', 'cryptoutil:dev', true],
    ['cryptoutil:dev', 'cryptoutil:dev2', false],
    ['cryptoutil', 'cryptoutil-evil:1', false],
    ['registry.example/team/', 'registry.example/team/cryptoutil:1', true],
    ['registry.example/team/', 'registry.example/teammate/cryptoutil:1', false],
    ['registry.example/cryptoutil:', 'registry.example/cryptoutil:1.2', true],
    ['registry.example/cryptoutil:', 'registry.example/cryptoutil-x:1.2', false],
    ['registry.example/cryptoutil:*', 'registry.example/cryptoutil:1.2', true],
    ['registry.example/cryptoutil@sha256:*', 'registry.example/cryptoutil@sha256:abc', true],
    ['registry.example/*/cryptoutil:*', 'registry.example/a/cryptoutil:1', true],
    ['registry.example/*/cryptoutil:*', 'evil.example/registry.example/a/cryptoutil:1', false],
    ['registry.example/cryptoutil:1.?', 'registry.example/cryptoutil:1.x', false],
    ['registry.example/cryptoutil:1.?', 'registry.example/cryptoutil:1.?', true],
    ['a.b:*', 'axb:1', false],
  ];
  for (const [entry, image, matches] of table) {
    it(`${entry} ${matches ? 'admits' : 'refuses'} ${image}`, () => {
      expect(imageMatches(entry, image)).to.equal(matches);
    });
  }

  it('allows an image when any entry matches, and nothing with no entries', () => {
    expect(imageAllowed('registry.example/x:1', [DEV_IMAGE, 'registry.example/'])).to.equal(true);
    expect(imageAllowed('registry.example/x:1', [DEV_IMAGE])).to.equal(false);
    expect(imageAllowed(DEV_IMAGE, [])).to.equal(false);
  });

  it('reads the chart value as a comma-separated list, ignoring blanks', () => {
    expect(parseAllowedImages(' cryptoutil:dev, registry.example/ ,,')).to.deep.equal(['cryptoutil:dev', 'registry.example/']);
    expect(parseAllowedImages('')).to.deep.equal([]);
  });
});
