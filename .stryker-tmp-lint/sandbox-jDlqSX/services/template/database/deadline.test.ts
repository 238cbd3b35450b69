// @ts-nocheck
import { expect } from 'chai';
import { DeadlineExceededError, withDeadline } from './deadline.ts';

describe('check deadlines', () => {
  it('passes through a result that arrives in time', async () => {
    expect(await withDeadline(Promise.resolve(42), 1000, 'answer')).to.equal(42);
  });

  it('passes through a failure that arrives in time', async () => {
    const error = await withDeadline(Promise.reject(new RangeError('no')), 1000, 'answer').then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(RangeError);
  });

  it('rejects with DeadlineExceededError when the work takes too long', async () => {
    const never = new Promise<number>(() => undefined);
    const error = await withDeadline(never, 20, 'database check').then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(DeadlineExceededError).with.property('message', 'database check did not finish within 20 ms');
  });
});
