// @ts-nocheck
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { createHashService } from './index.ts';

const DOC = readFileSync(new URL('../../../docs/hash-format.md', import.meta.url), 'utf8');

describe('docs/hash-format.md', () => {
  it('its examples verify against the inputs it names, with the production parameters', async () => {
    const hashes = await createHashService({ pepper: 'example-pepper-please-change-me' });
    const examples = DOC.match(/^\$[a-z-]+\$v=\d.*$/gm) ?? [];
    const inputs = ['correct horse battery staple', 'alice@example.com', 'cs_3q2b7pXw9KfL0mZrT4vN8yHc', 'at_eyJraWQiOiJ2MSJ9.payload.signature'];
    const registries = [hashes.lowEntropyRandom, hashes.lowEntropyDeterministic, hashes.highEntropyRandom, hashes.highEntropyDeterministic];
    expect(examples).to.have.length(4);
    for (const [index, example] of examples.entries()) {
      expect(DOC).to.include(`\`${inputs[index] ?? ''}\``);
      expect(await registries[index]?.verify(inputs[index] ?? '', example)).to.equal(true);
    }
  });
});
