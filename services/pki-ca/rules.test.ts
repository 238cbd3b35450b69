import { expect } from 'chai';
import { memoizeRules, type PkiRules } from './rules.ts';
import { fakeRules } from './testing/fake-rules.ts';

describe('pki-ca rules seam', () => {
  it('loads once, shares the result, and tries again after a failure', async () => {
    const rules: PkiRules = fakeRules();
    let calls = 0;
    const load = memoizeRules(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve(rules);
    });
    const failed = await load().then(() => undefined, (error: unknown) => error);
    expect(failed).to.be.instanceOf(Error);
    expect(await load()).to.equal(rules);
    expect(await load()).to.equal(rules);
    expect(calls).to.equal(2);
  });
});
