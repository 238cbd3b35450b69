// @ts-nocheck
import { expect } from 'chai';
import { Retained } from './retained.ts';

describe('Retained: one shared attempt, retried after a failure', () => {
  it('shares one attempt between callers, retries after a rejection and after forget', async () => {
    let calls = 0;
    const retained = new Retained(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(calls);
    });
    let failure: unknown;
    try { await retained.get(); } catch (error) { failure = error; }
    expect(String(failure)).to.include('down');
    const [a, b] = await Promise.all([retained.get(), retained.get()]);
    expect([a, b, calls]).to.deep.equal([2, 2, 2]);
    retained.forget();
    expect(await retained.get()).to.equal(3);
  });
});
